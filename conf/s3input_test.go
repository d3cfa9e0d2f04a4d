package conf

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

const testQueue = "https://sqs.eu-west-1.amazonaws.com/123456789012/audit-logs"

// parseInput parses m plus a valid Queue_URL unless m sets its own.
func parseInput(m map[string]string) (S3Input, error) {
	props := map[string]string{"Queue_URL": testQueue}
	for k, v := range m {
		props[k] = v
	}
	return ParseS3Input(FromMap(props))
}

func TestS3InputDefaults(t *testing.T) {
	c, err := parseInput(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultS3Input()
	want.QueueURL = testQueue
	want.Region = "eu-west-1" // from the queue URL
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
}

func TestParseS3InputKeys(t *testing.T) {
	c, err := ParseS3Input(FromMap(map[string]string{
		"queue_url":          "http://127.0.0.1:9324/000000000000/q",
		"REGION":             "US-GOV-WEST-1",
		"Endpoint_URL":       "http://127.0.0.1:9000/",
		"Visibility_Timeout": "2m",
		"Wait_Time":          "0",
		"Max_Messages":       "3",
		"Workers":            "16",
		"Key_Prefix":         "AWSLogs/",
		"Key_Pattern":        `/CloudTrail/.*\.json\.gz$`,
		"Chunk_Max_Size":     "512k",
		"Max_Record_Size":    "1M",
		"Metrics_Interval":   "off",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.QueueURL != "http://127.0.0.1:9324/000000000000/q" || c.Region != "us-gov-west-1" ||
		c.EndpointURL != "http://127.0.0.1:9000" || c.VisibilityTimeout != 2*time.Minute ||
		c.WaitTime != 0 || c.MaxMessages != 3 || c.Workers != 16 || c.KeyPrefix != "AWSLogs/" ||
		c.KeyPattern == nil || !c.KeyPattern.MatchString("o/AWSLogs/1/CloudTrail/x.json.gz") ||
		c.ChunkMaxSize != 512<<10 || c.MaxRecordSize != 1<<20 || c.MetricsInterval != 0 {
		t.Errorf("unexpected config %+v", c)
	}
}

func TestRegionFromQueueURL(t *testing.T) {
	for q, want := range map[string]string{
		"https://sqs.us-east-1.amazonaws.com/1/q":          "us-east-1",
		"https://sqs.cn-north-1.amazonaws.com.cn/1/q":      "cn-north-1",
		"https://eu-central-1.queue.amazonaws.com/1/q":     "eu-central-1",
		"https://SQS.AP-SOUTHEAST-2.AMAZONAWS.COM/1/q":     "ap-southeast-2",
		"http://127.0.0.1:9324/000000000000/q":             "",
		"https://vpce-1.sqs.us-east-1.vpce.amazonaws.com/": "",
	} {
		if got := regionFromQueueURL(q); got != want {
			t.Errorf("regionFromQueueURL(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestS3InputValidationErrors(t *testing.T) {
	tests := []struct {
		name    string
		props   map[string]string
		key     string
		contain string
	}{
		{"queue missing", map[string]string{"Queue_URL": ""}, "Queue_URL", "is required"},
		{"queue not url", map[string]string{"Queue_URL": "audit-logs"}, "Queue_URL", "want an http:// or https:// URL"},
		{"queue no path", map[string]string{"Queue_URL": "https://sqs.us-east-1.amazonaws.com/"}, "Queue_URL", "has no queue path"},
		{"queue bad escape", map[string]string{"Queue_URL": "https://sqs.us-east-1.amazonaws.com/%zz"}, "Queue_URL", "is not a URL"},
		{"queue credentials", map[string]string{"Queue_URL": "https://AKIA:s3cr3t@sqs.us-east-1.amazonaws.com/1/q"}, "Queue_URL", "carries credentials"},
		{"endpoint scheme", map[string]string{"Endpoint_URL": "ftp://x"}, "Endpoint_URL", "want an http:// or https:// URL"},
		{"endpoint no host", map[string]string{"Endpoint_URL": "http://"}, "Endpoint_URL", "has no host"},
		{"region junk", map[string]string{"Region": "useast1"}, "Region", "does not look like a region"},
		{"visibility zero", map[string]string{"Visibility_Timeout": "0"}, "Visibility_Timeout", "out of range 1s-12h0m0s"},
		{"visibility too long", map[string]string{"Visibility_Timeout": "13h"}, "Visibility_Timeout", "out of range"},
		{"visibility fraction", map[string]string{"Visibility_Timeout": "1.5"}, "Visibility_Timeout", "whole number of seconds"},
		{"visibility junk", map[string]string{"Visibility_Timeout": "long"}, "Visibility_Timeout", "not a duration"},
		{"wait too long", map[string]string{"Wait_Time": "21s"}, "Wait_Time", "out of range 0s-20s"},
		{"wait negative", map[string]string{"Wait_Time": "-1"}, "Wait_Time", "out of range"},
		{"max messages", map[string]string{"Max_Messages": "11"}, "Max_Messages", "out of range 1-10"},
		{"workers zero", map[string]string{"Workers": "0"}, "Workers", "out of range 1-256"},
		{"key pattern", map[string]string{"Key_Pattern": "(unclosed"}, "Key_Pattern", "is not a regular expression"},
		{"chunk size small", map[string]string{"Chunk_Max_Size": "1K"}, "Chunk_Max_Size", "out of range 64K-256M"},
		{"chunk size junk", map[string]string{"Chunk_Max_Size": "4 megs"}, "Chunk_Max_Size", "is not a size"},
		{"chunk size fraction", map[string]string{"Chunk_Max_Size": "1.5M"}, "Chunk_Max_Size", "is not a size"},
		{"record size big", map[string]string{"Max_Record_Size": "1G"}, "Max_Record_Size", "out of range 1K-256M"},
		{"metrics junk", map[string]string{"Metrics_Interval": "hourly"}, "Metrics_Interval", "not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseInput(tt.props)
			if err == nil {
				t.Fatalf("no error; config %+v", c)
			}
			if !reflect.DeepEqual(c, S3Input{}) {
				t.Errorf("config returned with an error: %+v", c)
			}
			ps := problems(t, err)
			if len(ps) != 1 {
				t.Fatalf("want exactly one problem, got %d:\n%v", len(ps), err)
			}
			if ps[0].Key != tt.key || !strings.Contains(ps[0].Error(), tt.contain) {
				t.Errorf("got %q, want key %s and text %q", ps[0].Error(), tt.key, tt.contain)
			}
		})
	}
}

func TestS3InputAllProblemsAtOnce(t *testing.T) {
	_, err := ParseS3Input(FromMap(map[string]string{
		"Endpoint_URL": "https://user:hunter2@minio.internal",
		"Wait_Time":    "1m",
		"Workers":      "many",
	}))
	ps := problems(t, err)
	var keys []string
	for _, p := range ps {
		keys = append(keys, p.Key)
	}
	if want := []string{"Queue_URL", "Endpoint_URL", "Wait_Time", "Workers"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("problem keys = %v, want %v\n%v", keys, want, err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error echoes the password in the URL: %v", err)
	}
}

// TestS3InputReadsDocumentedKeys keeps S3InputKeys and ParseS3Input in step.
func TestS3InputReadsDocumentedKeys(t *testing.T) {
	asked := map[string]bool{}
	_, _ = ParseS3Input(func(k string) string {
		asked[k] = true
		if k == keyQueueURL {
			return testQueue
		}
		return ""
	})
	want := map[string]bool{}
	for _, k := range S3InputKeys() {
		want[k.Name] = true
		if k.Description == "" {
			t.Errorf("%s has no description", k.Name)
		}
	}
	if !reflect.DeepEqual(asked, want) {
		t.Errorf("ParseS3Input asks for %v\nS3InputKeys documents %v", sortedKeys(asked), sortedKeys(want))
	}
}

// TestS3InputDocumentedDefaults: writing a documented default changes
// nothing.
func TestS3InputDocumentedDefaults(t *testing.T) {
	want, err := parseInput(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range S3InputKeys() {
		if k.Default == "" {
			continue
		}
		t.Run(k.Name, func(t *testing.T) {
			got, err := parseInput(map[string]string{k.Name: k.Default})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("setting the documented default %q changed the config:\n got %+v\nwant %+v", k.Default, got, want)
			}
		})
	}
}

func TestS3InputKeysMarkdown(t *testing.T) {
	const path = "KEYS_S3_INPUT.md"
	got := S3InputMarkdownTable()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./conf -run TestS3InputKeysMarkdown -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s is stale; run go test ./conf -run TestS3InputKeysMarkdown -update", path)
	}
}

// TestS3InputKeyNamesAvoidFluentBitCore: input properties Fluent Bit's core
// takes itself (src/flb_input.c, flb_input_set_property) never reach a Go
// input.
func TestS3InputKeyNamesAvoidFluentBitCore(t *testing.T) {
	core := map[string]bool{
		"name": true, "tag": true, "alias": true, "log_level": true, "log_suppress_interval": true,
		"mem_buf_limit": true, "listen": true, "host": true, "port": true, "ipv6": true,
		"routable": true, "threaded": true, "storage.type": true, "storage.pause_on_chunks_overlimit": true,
		"processors": true,
	}
	for _, k := range S3InputKeys() {
		lk := strings.ToLower(k.Name)
		if core[lk] || strings.HasPrefix(lk, "tls") || strings.HasPrefix(lk, "net.") ||
			strings.HasPrefix(lk, "thread.") || strings.HasPrefix(lk, "rate_") {
			t.Errorf("%s is taken by Fluent Bit's core and would never reach the plugin", k.Name)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"4M", "512k", "1G", "65536", "", "K", "1.5M", "99999999999999G"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseSize(s)
		if ok && n < 0 {
			t.Fatalf("parseSize(%q) = %d", s, n)
		}
	})
}
