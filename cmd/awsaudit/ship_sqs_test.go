package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/test/awsfake"
	"github.com/awsaudit/awsaudit/test/kafkatest"
)

func shipNotification(bucket, key string) string {
	return fmt.Sprintf(`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":%q},"object":{"key":%q,"size":1}}}]}`, bucket, key)
}

// TestShipSQS ships the objects announced on a queue into Kafka and
// deletes every message once its records were acknowledged.
func TestShipSQS(t *testing.T) {
	awsfake.Env(t)
	cloud := awsfake.New(t)
	queue := cloud.SQS.CreateQueue("logs", awsfake.QueueOptions{})
	cloud.S3.CreateBucket(t, "bkt")
	cloud.S3.Put(t, "bkt", "access/a.log", []byte(strings.Repeat(shipS3Line+"\n", 7)))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"Records":[` + strings.Repeat(shipCTLine+",", 4) + shipCTLine + `]}`))
	zw.Close()
	cloud.S3.Put(t, "bkt", "AWSLogs/1/CloudTrail/us-east-1/x.json.gz", gz.Bytes())
	cloud.SQS.Send(queue, shipNotification("bkt", "access/a.log"))
	cloud.SQS.Send(queue, shipNotification("bkt", "AWSLogs/1/CloudTrail/us-east-1/x.json.gz"))
	c := kafkatest.New(t, 2, "s3", "ct", "dlq")

	var stdout, stderr bytes.Buffer
	code := runShip([]string{"--brokers", strings.Join(c.Brokers(), ","), "--sqs", queue, "--endpoint-url", cloud.URL,
		"--set", "Topic_S3_Access=s3", "--set", "Topic_CloudTrail=ct", "--dlq-topic", "dlq",
		"--set", "Wait_Time=1", "--exit-when-empty"}, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if n := len(c.Consume(t, "s3")); n != 7 {
		t.Errorf("%d on s3, want 7", n)
	}
	if n := len(c.Consume(t, "ct")); n != 5 {
		t.Errorf("%d on ct, want 5", n)
	}
	if left := cloud.SQS.Messages(queue); len(left) != 0 {
		t.Errorf("%d messages left on the queue", len(left))
	}
	for _, want := range []string{"records=12 out=12 dead_lettered=0 dropped=0 undelivered=0", "messages_deleted=2"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), awsfake.FakeSecret) {
		t.Error("stderr shows the AWS secret key")
	}
}

// TestShipSQSKafkaDown: records Kafka never acknowledged leave their
// message on the queue, and ship exits 1.
func TestShipSQSKafkaDown(t *testing.T) {
	awsfake.Env(t)
	cloud := awsfake.New(t)
	queue := cloud.SQS.CreateQueue("logs", awsfake.QueueOptions{})
	cloud.S3.CreateBucket(t, "bkt")
	cloud.S3.Put(t, "bkt", "a.log", []byte(shipS3Line+"\n"))
	cloud.SQS.Send(queue, shipNotification("bkt", "a.log"))
	var stdout, stderr bytes.Buffer
	code := runShip([]string{"--brokers", "127.0.0.1:1", "--retries", "0", "--set", "Write_Timeout=1s",
		"--sqs", queue, "--endpoint-url", cloud.URL, "--set", "Wait_Time=1", "--set", "Visibility_Timeout=2", "--exit-when-empty"},
		strings.NewReader(""), &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "undelivered=1") {
		t.Fatalf("exit %d, want 1 with undelivered=1:\n%s", code, stderr.String())
	}
	left := cloud.SQS.Messages(queue)
	if len(left) != 1 {
		t.Fatalf("the message must stay on the queue: %+v", left)
	}
	if !strings.Contains(stderr.String(), "failures{consumer}=1") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}

func TestShipSQSErrors(t *testing.T) {
	for name, args := range map[string][]string{
		"files with --sqs": {"--brokers", "127.0.0.1:1", "--sqs", "https://sqs.us-east-1.amazonaws.com/1/q", "f.log"},
		"bad queue url":    {"--brokers", "127.0.0.1:1", "--sqs", "queue-name"},
		"bad input key":    {"--brokers", "127.0.0.1:1", "--sqs", "https://sqs.us-east-1.amazonaws.com/1/q", "--set", "Wait_Time=60"},
	} {
		var stdout, stderr bytes.Buffer
		if code := runShip(args, strings.NewReader(""), &stdout, &stderr); code != 1 {
			t.Errorf("%s: exit %d, want 1\n%s", name, code, stderr.String())
		}
	}
}
