package testinput

// The README's example request, seen through both sources, and the
// correlation_id they share.
const (
	ReadmeAccessLogLine = `7e1c5f0d9a2b4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e acme-reports [03/Mar/2025:14:05:09 +0000] 203.0.113.7 ` +
		`arn:aws:sts::111122223333:assumed-role/DataReader/carol@example.com 9Q2W3E4R5T6Y7U8I REST.GET.OBJECT q1/summary%202025.csv ` +
		`"GET /q1/summary%202025.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20250303%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Signature=6f1e0c... HTTP/1.1" ` +
		`200 - 5120 5120 42 17 "-" "aws-cli/2.15.0" - AbCdEfGhIjKlMnOp= SigV4 ECDHE-RSA-AES128-GCM-SHA256 QueryString ` +
		`acme-reports.s3.eu-west-1.amazonaws.com TLSv1.3 - - eu-west-1`

	ReadmeCloudTrailEvent = `{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEID:carol@example.com",` +
		`"arn":"arn:aws:sts::111122223333:assumed-role/DataReader/carol@example.com","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE",` +
		`"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEID","arn":"arn:aws:iam::111122223333:role/DataReader",` +
		`"accountId":"111122223333","userName":"DataReader"},"attributes":{"creationDate":"2025-03-03T14:00:00Z","mfaAuthenticated":"true"}}},` +
		`"eventTime":"2025-03-03T14:05:09Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1",` +
		`"sourceIPAddress":"203.0.113.7","userAgent":"[aws-cli/2.15.0]","requestParameters":{"bucketName":"acme-reports",` +
		`"Host":"acme-reports.s3.eu-west-1.amazonaws.com","key":"q1/summary 2025.csv"},"responseElements":null,` +
		`"additionalEventData":{"SignatureVersion":"SigV4","AuthenticationMethod":"QueryString","x-amz-id-2":"AbCdEfGhIjKlMnOp=",` +
		`"bytesTransferredOut":5120},"requestID":"9Q2W3E4R5T6Y7U8I","eventID":"6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d","readOnly":true,` +
		`"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"111122223333","eventCategory":"Data"}`

	// ReadmeCorrelationID is SHA-256("9Q2W3E4R5T6Y7U8I\nAbCdEfGhIjKlMnOp=")
	// cut to 16 bytes, computed independently (Python hashlib).
	ReadmeCorrelationID = "39a1789bab73ac70661f05c098d4b7e5"
)
