package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/test/kafkatest"
)

const (
	shipS3Line      = `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 - - us-east-1`
	shipCTLine      = `{"eventVersion":"1.03","userIdentity":{"type":"IAMUser","principalId":"111122223333","arn":"arn:aws:iam::111122223333:user/myUserName","accountId":"111122223333","userName":"myUserName"},"eventTime":"2019-02-01T03:18:19Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-west-2","sourceIPAddress":"127.0.0.1","userAgent":"[]","requestParameters":{"host":["s3.us-west-2.amazonaws.com"]},"responseElements":null,"requestID":"47B8E8D397DCE7A6","eventID":"cdc4b7ed-e171-4cef-975a-ad829d4123e8","eventType":"AwsApiCall","recipientAccountId":"444455556666"}`
	shipEventBridge = `{
  "version": "0",
  "detail-type": "AWS API Call via CloudTrail",
  "source": "aws.s3",
  "detail": {
    "eventVersion": "1.03",
    "userIdentity": {"type": "Root", "principalId": "123456789012", "arn": "arn:aws:iam::123456789012:root", "accountId": "123456789012"},
    "eventTime": "2016-02-20T01:09:13Z",
    "eventSource": "s3.amazonaws.com",
    "eventName": "CreateBucket",
    "awsRegion": "us-east-1",
    "requestParameters": {"bucketName": "bucket-test-iad"},
    "requestID": "9D767BCC3B4E7487",
    "eventID": "24ba271e-d595-4e66-a7fd-9c16cbf8abae",
    "eventType": "AwsApiCall"
  }
}
`
)

func TestShip(t *testing.T) {
	c := kafkatest.New(t, 2, "s3", "ct", "dlq", "main")
	dir := t.TempDir()
	plain := filepath.Join(dir, "access.log")
	os.WriteFile(plain, []byte(strings.Repeat(shipS3Line+"\n", 7)+"\n  \nnot a log line\r\n"), 0o600)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat(shipCTLine+"\n", 5)))
	zw.Close()
	gzFile := filepath.Join(dir, "trail.json.gz")
	os.WriteFile(gzFile, gz.Bytes(), 0o600)
	doc := filepath.Join(dir, "event.json")
	os.WriteFile(doc, []byte(shipEventBridge), 0o600)
	cfgFile := filepath.Join(dir, "out.conf")
	os.WriteFile(cfgFile, []byte("[OUTPUT]\n    Name awsaudit\n    # comment\n    Topic_S3_Access s3\n    topic_cloudtrail = ct\n    Topic=nope\n"), 0o600)

	var stdout, stderr bytes.Buffer
	args := []string{"--brokers", strings.Join(c.Brokers(), ","), "--config", cfgFile, "--set", "Topic=main",
		"--dlq-topic", "dlq", "--batch", "3", plain, gzFile, doc, "-"}
	code := runShip(args, strings.NewReader(shipS3Line+"\n"), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if n := len(c.Consume(t, "s3")); n != 8 {
		t.Errorf("%d on s3, want 8", n)
	}
	if n := len(c.Consume(t, "ct")); n != 6 {
		t.Errorf("%d on ct, want 6", n)
	}
	if n := len(c.Consume(t, "dlq")); n != 1 {
		t.Errorf("%d dead letters, want 1", n)
	}
	if n := len(c.Consume(t, "main")); n != 0 {
		t.Errorf("%d on main", n)
	}
	if !strings.Contains(stderr.String(), "records=15 out=14 dead_lettered=1 dropped=0 undelivered=0") {
		t.Errorf("summary:\n%s", stderr.String())
	}
}

func TestShipErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no brokers", []string{"--topic", "x"}, "Brokers"},
		{"bad set", []string{"--set", "nokey"}, "Key=Value"},
		{"bad batch", []string{"--brokers", "127.0.0.1:1", "--batch", "0"}, "--batch"},
		{"missing config", []string{"--brokers", "127.0.0.1:1", "--config", "/nonexistent"}, "--config"},
		{"broker down", []string{"--brokers", "127.0.0.1:1", "--retries", "1", "--set", "Write_Timeout=1s", "--set", "SASL_Mechanism=PLAIN",
			"--set", "SASL_Username=u", "--set", "SASL_Password=pw-secret-123"}, "undelivered=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runShip(tt.args, strings.NewReader(shipS3Line+"\n"), &stdout, &stderr)
			if code != 1 || !strings.Contains(stderr.String(), tt.want) || strings.Contains(stderr.String(), "pw-secret-123") {
				t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
			}
		})
	}
}
