// Package testinput holds what the tests of normalize's packages share:
// the benchmark inputs (one request seen through an access log and through
// CloudTrail), the spellings logs encode test strings in, where the
// published samples and the golden inputs are, and fuzz seeding. Only
// tests import it.
package testinput

// Shared benchmark inputs. They are hand-written (invented ids, keys and
// secrets) so that every benchmark of normalize's packages measures the same request,
// seen once through an access log and once through CloudTrail: the join keys
// (request id, host id) match between the two.

// PresignedLine is one S3 server access-log line with all 27 fields:
// assumed-role requester, REST.GET.OBJECT of a URL-encoded key, a presigned
// SigV4 Request-URI carrying all seven X-Amz-* query parameters (three of
// them secrets to redact), a browser user agent and referrer, version id,
// host id, regional virtual-hosted Host header, "-" access point and
// aclRequired, and the trailing region field. It is split per field only for
// reading; the constant is one line with single spaces.
const PresignedLine = "e3dbcb2e0eda7901fa50011facf65f8a440af31326f77b7a678fa193f624c6aa" + // 1 bucket owner
	" acme-docs" + // 2 bucket
	" [14/Mar/2024:09:26:53 +0000]" + // 3 time
	" 198.51.100.23" + // 4 remote IP
	" arn:aws:sts::210987654321:assumed-role/ReportReader/alice" + // 5 requester
	" 7KQ2M9XW4TB1RZ8P" + // 6 request id
	" REST.GET.OBJECT" + // 7 operation
	" q1/p%26l%202024.pdf" + // 8 key
	` "GET /q1/p%26l%202024.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256` + // 9 Request-URI
	`&X-Amz-Credential=ASIAZ7EXAMPLEQK4Z3MN%2F20240314%2Fus-west-2%2Fs3%2Faws4_request` +
	`&X-Amz-Date=20240314T092640Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host` +
	`&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJr%2F%2FwEaCXVzLXdlc3Qt` +
	`&X-Amz-Signature=d2a05d1985e4dfee27965e00987f64dbf9dc30bd2dee406b39bd62a4e8b3241b HTTP/1.1"` +
	" 200" + // 10 HTTP status
	" -" + // 11 error code
	" 482133" + // 12 bytes sent
	" 482133" + // 13 object size
	" 87" + // 14 total time
	" 21" + // 15 turn-around time
	` "https://portal.acme.example/q1"` + // 16 referrer
	` "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"` + // 17 user agent
	" Bjg2dlhz5Dnrk9D3ANAwjRZ7vSrs1hH9" + // 18 version id
	" z7hBUKIKRZTptgh28R2SI1vp4t4GT2muHSNeA1Q3k7Yz/1a6e5WPkjk3UPVBR++hktZi/fdJHjBj=" + // 19 host id
	" SigV4" + // 20 signature version
	" ECDHE-RSA-AES128-GCM-SHA256" + // 21 cipher suite
	" QueryString" + // 22 authentication type
	" acme-docs.s3.us-west-2.amazonaws.com" + // 23 Host header
	" TLSv1.2" + // 24 TLS version
	" -" + // 25 access point ARN
	" -" + // 26 aclRequired
	" us-west-2" // 27 newest field (a region code)

// AccessLogSignature is the X-Amz-Signature value in PresignedLine;
// tests check that no output carries it.
const AccessLogSignature = "d2a05d1985e4dfee27965e00987f64dbf9dc30bd2dee406b39bd62a4e8b3241b"

// AccessLogLine is the "realistic ~700-byte line": an
// assumed-role SDK GetObject of a versioned, URL-encoded key, signed in the
// Authorization header (most traffic; presigned URLs are the rarer, longer
// case measured by PresignedLine), with every field through 27.
const AccessLogLine = "e3dbcb2e0eda7901fa50011facf65f8a440af31326f77b7a678fa193f624c6aa" + // 1 bucket owner
	" acme-docs" + // 2 bucket
	" [14/Mar/2024:09:26:53 +0000]" + // 3 time
	" 198.51.100.23" + // 4 remote IP
	" arn:aws:sts::210987654321:assumed-role/ReportReader/alice" + // 5 requester
	" 7KQ2M9XW4TB1RZ8P" + // 6 request id
	" REST.GET.OBJECT" + // 7 operation
	" q1/p%26l%202024.pdf" + // 8 key
	` "GET /q1/p%26l%202024.pdf?versionId=Bjg2dlhz5Dnrk9D3ANAwjRZ7vSrs1hH9 HTTP/1.1"` + // 9 Request-URI
	" 200 - 482133 482133 87 21" + // 10-15 status, error, bytes, size, times
	` "-"` + // 16 referrer
	` "aws-sdk-java/2.25.11 Linux/6.1.79 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/standard"` + // 17 user agent
	" Bjg2dlhz5Dnrk9D3ANAwjRZ7vSrs1hH9" + // 18 version id
	" z7hBUKIKRZTptgh28R2SI1vp4t4GT2muHSNeA1Q3k7Yz/1a6e5WPkjk3UPVBR++hktZi/fdJHjBj=" + // 19 host id
	" SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader" + // 20-22
	" acme-docs.s3.us-west-2.amazonaws.com" + // 23 Host header
	" TLSv1.3 - - us-west-2" // 24-27

// CloudTrailEvent is one compact CloudTrail S3 data event for the same
// GetObject: AssumedRole with sessionContext/sessionIssuer, requestParameters,
// null responseElements, additionalEventData with the x-amz-id-2 join key,
// object and bucket resources, and tlsDetails.
const CloudTrailEvent = `{"eventVersion":"1.09",` +
	`"userIdentity":{"type":"AssumedRole","principalId":"AROAZ7EXAMPLEQK4Z3MNP:alice",` +
	`"arn":"arn:aws:sts::210987654321:assumed-role/ReportReader/alice","accountId":"210987654321",` +
	`"accessKeyId":"ASIAZ7EXAMPLEQK4Z3MN","sessionContext":{"sessionIssuer":{"type":"Role",` +
	`"principalId":"AROAZ7EXAMPLEQK4Z3MNP","arn":"arn:aws:iam::210987654321:role/ReportReader",` +
	`"accountId":"210987654321","userName":"ReportReader"},` +
	`"attributes":{"creationDate":"2024-03-14T09:12:05Z","mfaAuthenticated":"false"}}},` +
	`"eventTime":"2024-03-14T09:26:53Z","eventSource":"s3.amazonaws.com","eventName":"GetObject",` +
	`"awsRegion":"us-west-2","sourceIPAddress":"198.51.100.23",` +
	`"userAgent":"[Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0]",` +
	`"requestParameters":{"bucketName":"acme-docs","Host":"acme-docs.s3.us-west-2.amazonaws.com",` +
	`"key":"q1/p&l 2024.pdf"},"responseElements":null,` +
	`"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"ECDHE-RSA-AES128-GCM-SHA256",` +
	`"bytesTransferredIn":0,"AuthenticationMethod":"QueryString",` +
	`"x-amz-id-2":"z7hBUKIKRZTptgh28R2SI1vp4t4GT2muHSNeA1Q3k7Yz/1a6e5WPkjk3UPVBR++hktZi/fdJHjBj=",` +
	`"bytesTransferredOut":482133},"requestID":"7KQ2M9XW4TB1RZ8P",` +
	`"eventID":"4b6f0c2e-9d1a-4e7b-8c35-1f2a3b4c5d6e","readOnly":true,` +
	`"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::acme-docs/q1/p&l 2024.pdf"},` +
	`{"accountId":"210987654321","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::acme-docs"}],` +
	`"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"210987654321",` +
	`"eventCategory":"Data","tlsDetails":{"tlsVersion":"TLSv1.2",` +
	`"cipherSuite":"ECDHE-RSA-AES128-GCM-SHA256",` +
	`"clientProvidedHostHeader":"acme-docs.s3.us-west-2.amazonaws.com"}}`
