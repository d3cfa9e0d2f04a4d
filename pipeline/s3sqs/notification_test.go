package s3sqs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseNotification(t *testing.T) {
	const ctKey = "AWSLogs/123456789012/CloudTrail/ap-southeast-2/2024/03/01/123456789012_CloudTrail_ap-southeast-2_20240301T1200Z_Ab12Cd34Ef56Gh78.json.gz"
	put := Notification{Via: "s3", Objects: []Object{{Bucket: "audit-log-bucket", Key: "access/2024-03-01-12-00-00-1A2B3C4D5E6F7A8B", Size: 1234, Region: "eu-west-1"}}}
	tests := []struct {
		file string
		want Notification
		err  string // substring of the error; "" for none
	}{
		// S3 → SQS; also what S3 → SNS → SQS with raw message delivery gives.
		{"s3_put.json", put, ""},
		{"s3_encoded_key.json", Notification{Via: "s3", Objects: []Object{{Bucket: "audit-log-bucket", Key: "logs/access log+2024%3A01é.gz", Size: 99, Region: "us-east-1"}}}, ""},
		{"s3_mixed.json", Notification{Via: "s3", Ignored: 1, Objects: []Object{
			{Bucket: "audit-log-bucket", Key: "a.log", Size: 10, Region: "us-east-1"},
			{Bucket: "other-bucket", Key: "b.log", Size: 20, Region: "us-west-2"},
		}}, ""},
		{"sns_envelope.json", func() Notification { n := put; n.Via = "sns"; return n }(), ""},
		{"eventbridge_object_created.json", Notification{Via: "eventbridge", Objects: []Object{{Bucket: "ct-bucket", Key: ctKey, Size: 5678, Region: "ap-southeast-2"}}}, ""},
		{"eventbridge_object_deleted.json", Notification{Via: "eventbridge", Ignored: 1}, ""},
		{"eventbridge_api_call.json", Notification{Via: "eventbridge", Ignored: 1}, ""},
		{"s3_test_event.json", Notification{Via: "s3", TestEvent: true, Bucket: "audit-log-bucket"}, ""},
		{"sns_test_event.json", Notification{Via: "sns", TestEvent: true, Bucket: "audit-log-bucket"}, ""},
		{"sns_subscription_confirmation.json", Notification{}, "SNS SubscriptionConfirmation message"},
		{"not_s3.json", Notification{}, "no Records"},
		{"other_source.json", Notification{}, `eventSource "aws:kinesis"`},
		{"not_json.txt", Notification{}, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "notifications", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseNotification(body)
			if tt.err != "" {
				if !errors.Is(err, ErrNotS3) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want ErrNotS3 with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseNotificationRejects(t *testing.T) {
	for name, body := range map[string]string{
		"empty records":      `{"Records":[]}`,
		"no key":             `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{}}}]}`,
		"bad escape":         `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"a%zz"}}}]}`,
		"sns message not js": `{"Type":"Notification","Message":"plain text"}`,
		"eventbridge no key": `{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"},"object":{}}}`,
		"eventbridge bad":    `{"source":"aws.s3","detail-type":"Object Created","detail":[1]}`,
		"array":              `[1,2]`,
	} {
		if _, err := ParseNotification([]byte(body)); !errors.Is(err, ErrNotS3) {
			t.Errorf("%s: error %v, want ErrNotS3", name, err)
		}
	}
}

func FuzzParseNotification(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "notifications", "*"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := ParseNotification(body)
		if err != nil {
			if !errors.Is(err, ErrNotS3) {
				t.Fatalf("error does not wrap ErrNotS3: %v", err)
			}
			return
		}
		for _, o := range n.Objects {
			if o.Bucket == "" || o.Key == "" {
				t.Fatalf("object without bucket or key: %+v", o)
			}
		}
	})
}
