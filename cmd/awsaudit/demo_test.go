package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestDemoRunsEmbedded(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "demo")
	if code != exitOK {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"=== aws.audit.s3_access: 3 messages (first 2 shown)\n",
		"=== aws.audit.cloudtrail: 2 messages\n",
		"=== aws.audit.dlq: 1 message\n",
		// The garbage line is dead-lettered, with a reason.
		`"input": "this is not an S3 access log line nor CloudTrail JSON (the demo's dead letter)"`,
		`reason="s3_access: line has 15 fields, want at least 17"`,
		`"reason": "s3_access: line has 15 fields, want at least 17"`,
		// The records the demo data is about.
		`"uri": "/q1/summary.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED&`,
		`"http_status": 403`, `"type": "Anonymous"`,
		`"action": "AssumeRole"`, `"sessionToken": "REDACTED"`, `"action": "PutBucketPolicy"`,
		"key=demo-reports  source=s3_access  schema_version=1",
		"6 inputs read, 5 records normalized, 1 dead-lettered",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// The third access-log line (the assumed role) is counted, not shown.
	if strings.Contains(stdout, "glue-job-7731") {
		t.Error("output shows more than 2 messages of aws.audit.s3_access")
	}
	// Secrets of the demo data never reach Kafka.
	for _, secret := range []string{"DemoSessionTokenDoNotShip", "3f9a1c7e5b2d4f6a", "AKIADEMOKEY7EXAMPLE%2F"} {
		if strings.Contains(stdout, secret) || strings.Contains(stderr, secret) {
			t.Errorf("secret %q printed", secret)
		}
	}
	counters := map[string]string{
		"records_in": "6", "records_out{aws.audit.s3_access}": "3", "records_out{aws.audit.cloudtrail}": "2",
		"dead_lettered": "1", "dropped": "0", "flushes_ok": "1", "flushes_retry": "0", "kafka_errors": "0",
	}
	for k, v := range counters {
		re := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(k) + ` +` + v + `$`)
		if !re.MatchString(stdout) {
			t.Errorf("counter %s is not %s", k, v)
		}
	}
	if stderr != "" {
		t.Errorf("stderr not empty:\n%s", stderr)
	}
}

func TestDemoData(t *testing.T) {
	// Every line but the last normalizes; the last is the dead letter.
	lines := strings.Split(strings.TrimRight(string(demoInput), "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("demo data has %d lines, want 6", len(lines))
	}
	for _, secret := range []string{"X-Amz-Signature=", "X-Amz-Security-Token=", `"sessionToken":"`} {
		if !bytes.Contains(demoInput, []byte(secret)) {
			t.Errorf("demo data lacks %s", secret)
		}
	}
}

func TestDemoFiles(t *testing.T) {
	dir := t.TempDir()
	s3 := filepath.Join(dir, "access.log.gz")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(goodLine + "\n" + goodLine + "\n"))
	zw.Close()
	if err := os.WriteFile(s3, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ct := filepath.Join(dir, "delivered.json")
	doc := "{\n  \"Records\": [\n" +
		`    {"eventVersion":"1.08","eventTime":"2025-01-02T03:04:05Z","eventSource":"s3.amazonaws.com","eventName":"GetBucketAcl","awsRegion":"us-east-2","sourceIPAddress":"192.0.2.9","userIdentity":{"type":"Root","accountId":"111122223333"},"requestParameters":{"bucketName":"b1"},"eventID":"e1"},` + "\n" +
		`    {"eventVersion":"1.08","eventTime":"2025-01-02T03:04:06Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-2","sourceIPAddress":"192.0.2.9","userIdentity":{"type":"Root","accountId":"111122223333"},"eventID":"e2"}` + "\n" +
		"  ]\n}\n"
	if err := os.WriteFile(ct, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.log")
	if err := os.WriteFile(bad, []byte("nope\n{\"eventVersion\":\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "demo", "--show", "1", s3, ct, bad)
	if code != exitOK {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"=== aws.audit.s3_access: 2 messages (first 1 shown)\n",
		"=== aws.audit.cloudtrail: 2 messages (first 1 shown)\n",
		"=== aws.audit.dlq: 2 messages (first 1 shown)\n",
		`"uri": "/k?X-Amz-Signature=REDACTED"`,
		"5 inputs read, 4 records normalized, 2 dead-lettered",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "abc123secret") || strings.Contains(stdout, "REDACTED.") {
		t.Error("secret printed, or the embedded-data note shown for files")
	}
}

func TestDemoErrors(t *testing.T) {
	code, _, stderr := runCLI(t, "", "demo", filepath.Join(t.TempDir(), "missing.log"))
	if code != exitUsage || !strings.Contains(stderr, "missing.log") {
		t.Errorf("missing file: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := runCLI(t, "", "demo", "--show", "-1"); code != exitUsage {
		t.Errorf("--show -1: exit %d", code)
	}
	code, stdout, _ := runCLI(t, "", "demo", "--help")
	if code != exitOK || !strings.Contains(stdout, "fluent-bit") || !strings.Contains(stdout, "aws.audit.dlq") {
		t.Errorf("--help: exit %d:\n%s", code, stdout)
	}
}

// demo --read prints topics that something else filled (Fluent Bit in
// make demo's other branch) the way the Go demo prints its own.
func TestDemoRead(t *testing.T) {
	addr := startTestBroker(t, "--topics", "aws.audit.s3_access,aws.audit.cloudtrail,aws.audit.dlq")
	produce(t, addr, "aws.audit.s3_access", &kgo.Record{Value: []byte(`{"source":"s3_access"}`)})
	produce(t, addr, "aws.audit.dlq", &kgo.Record{Value: []byte(`{"reason":"x"}`)})
	code, stdout, stderr := runCLI(t, "", "demo", "--read", addr, "--settle", "300ms")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"=== aws.audit.s3_access: 1 message\n", "=== aws.audit.cloudtrail: 0 messages", "=== aws.audit.dlq: 1 message\n", "1 records normalized, 1 dead-lettered."} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

// make demo with fluent-bit on the PATH but no C compiler falls back to
// the Go demo, over every DEMO_ARGS file.
func TestMakeDemoFallsBack(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make not found: %v", err)
	}
	bin := t.TempDir()
	fake := filepath.Join(bin, "fluent-bit")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'fake fluent-bit: must not run' >&2\nexit 99\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.json")
	if err := os.WriteFile(a, []byte(goodLine+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A pretty-printed CloudTrail file: the Go demo reads it whole.
	pretty := "{\n  \"Records\": [\n    {\n      \"eventVersion\": \"1.08\",\n      \"eventSource\": \"s3.amazonaws.com\",\n      \"eventName\": \"GetObject\",\n      \"eventTime\": \"2024-03-01T12:00:00Z\",\n      \"awsRegion\": \"eu-west-1\",\n      \"requestID\": \"MAKEDEMO00000001\",\n      \"eventID\": \"e-1\",\n      \"userIdentity\": {\"type\": \"AWSAccount\", \"accountId\": \"111122223333\"}\n    }\n  ]\n}\n"
	if err := os.WriteFile(b, []byte(pretty), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "--no-print-directory", "-C", "../..", "demo",
		"BUILD="+t.TempDir(), "FLUENT_BIT=fluent-bit", "DEMO_ARGS="+a+" "+b)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "CC=/bin/false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make demo: %v\n%s", err, out)
	}
	for _, want := range []string{"the plugin does not build here", "running the Go demo",
		"=== aws.audit.s3_access: 1 message", "=== aws.audit.cloudtrail: 1 message", "2 inputs read, 2 records normalized, 0 dead-lettered"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("make demo output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "must not run") {
		t.Errorf("make demo ran fluent-bit without a plugin:\n%s", out)
	}
}
