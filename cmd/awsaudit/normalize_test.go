package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const samplesDir = "../../../shared/samples"

const goodLine = `5f1c7e2d9a8b4c3e6f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6 b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 3E57427F3EXAMPLE REST.GET.OBJECT k "GET /k?X-Amz-Signature=abc123secret HTTP/1.1" 200 - 113 - 7 - "-" "curl" -`

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestNormalizeStdinAndExitCodes(t *testing.T) {
	code, out, errOut := runCLI(t, goodLine+"\n", "normalize")
	if code != exitOK || strings.Count(out, "\n") != 1 || errOut != "" {
		t.Fatalf("good input: code %d, stdout %q, stderr %q", code, out, errOut)
	}
	if strings.Contains(out, "abc123secret") || !strings.Contains(out, "X-Amz-Signature=REDACTED") {
		t.Errorf("secret not redacted: %s", out)
	}

	code, out, errOut = runCLI(t, goodLine+"\nnot a log line ?Signature=leaky\n\n"+goodLine+"\n", "normalize")
	if code != exitRejected {
		t.Errorf("exit %d, want %d when some inputs are rejected", code, exitRejected)
	}
	if strings.Count(out, "\n") != 2 {
		t.Errorf("good lines must still be written, got %q", out)
	}
	var rej rejectLine
	if err := json.Unmarshal([]byte(errOut), &rej); err != nil {
		t.Fatalf("stderr is not one JSON line: %q", errOut)
	}
	if rej.Line != 2 || rej.File != "<stdin>" || rej.Error == "" || strings.Contains(rej.Input, "leaky") {
		t.Errorf("reject line %+v: want line 2 of <stdin>, a reason, the input redacted", rej)
	}
	// A reason that quotes a field is redacted too.
	bad := strings.Replace(goodLine, " 200 - 113", " /k?X-Amz-Signature=quotedsecret - 113", 1)
	if _, _, errOut := runCLI(t, bad, "normalize"); strings.Contains(errOut, "quotedsecret") || errOut == "" {
		t.Errorf("reason leaks a secret: %s", errOut)
	}

	if code, _, _ := runCLI(t, "", "normalize", "--source", "nope"); code != exitUsage {
		t.Errorf("bad --source: exit %d, want %d", code, exitUsage)
	}
	if code, _, errOut := runCLI(t, "", "normalize", filepath.Join(t.TempDir(), "missing")); code != exitUsage || errOut == "" {
		t.Errorf("missing file: exit %d (%q), want %d", code, errOut, exitUsage)
	}
	if code, out, _ := runCLI(t, "", "normalize", "--help"); code != exitOK || !strings.Contains(out, "Exit status") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
	if code, _, _ := runCLI(t, "", "bogus"); code != exitUsage {
		t.Errorf("unknown command: exit %d", code)
	}
}

// TestNormalizeRejectsRedacted: a rejected input whose reason or text
// carries a secret in some spelling (issue 11) reaches stderr masked.
func TestNormalizeRejectsRedacted(t *testing.T) {
	for name, tt := range map[string]struct{ input, secret string }{
		"bad field X-Amz-Signature=": {strings.Replace(goodLine, " 200 - 113", " 200 - X-Amz-Signature=SIGBARE01abc", 1), "SIGBARE01abc"},
		"bad field, encoded '='":     {strings.Replace(goodLine, " 200 - 113", " 200 - X-Amz-Signature%3DSIGENC02abc", 1), "SIGENC02abc"},
		"name after a space":         {"short line agent/1.0 X-Amz-Security-Token=TOKSPACE03abc x", "TOKSPACE03abc"},
		"broken JSON, escaped key":   {`{"eventVersion":"1.08","responseElements":{"session\u0054oken":"TOKJSON04abc", broken`, "TOKJSON04abc"},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.input+"\n", "normalize")
			if code != exitRejected {
				t.Fatalf("exit %d, want %d", code, exitRejected)
			}
			var rej rejectLine
			if err := json.Unmarshal([]byte(errOut), &rej); err != nil {
				t.Fatalf("stderr is not one JSON line: %q", errOut)
			}
			if strings.Contains(errOut, tt.secret) || !strings.Contains(rej.Input, "REDACTED") {
				t.Errorf("stderr leaks the secret or drops it: %s", errOut)
			}
		})
	}
}

func TestNormalizeFlags(t *testing.T) {
	_, out, _ := runCLI(t, goodLine, "normalize", "--redact=false", "--include-raw", "--default-region", "eu-west-3")
	var rec map[string]any
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["region"] != "eu-west-3" || rec["region_source"] != "config" {
		t.Errorf("--default-region not applied: %v %v", rec["region"], rec["region_source"])
	}
	if raw, _ := rec["raw"].(string); !strings.Contains(raw, "abc123secret") {
		t.Errorf("--redact=false --include-raw must keep the raw line as logged, got %q", raw)
	}
}

func TestNormalizeGzipAndDocuments(t *testing.T) {
	dir := t.TempDir()
	doc := `{
  "Records": [
    {"eventVersion": "1.09", "eventName": "ListBuckets", "eventTime": "2025-01-01T00:00:00Z"},
    {"eventVersion": "1.09", "eventName": "GetObject", "eventTime": "2025-01-01T00:00:01Z"}
  ]
}`
	gz := filepath.Join(dir, "trail.json.gz")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(doc))
	zw.Close()
	if err := os.WriteFile(gz, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	jsonl := filepath.Join(dir, "records.jsonl")
	os.WriteFile(jsonl, []byte(`{"eventVersion":"1.09","eventName":"A"}`+"\n"+`{"eventVersion":"1.09","eventName":"B"}`+"\n"), 0o644)
	code, out, errOut := runCLI(t, "", "normalize", gz, jsonl)
	if code != exitOK || strings.Count(out, "\n") != 4 {
		t.Errorf("exit %d, %d records (want 4), stderr %q", code, strings.Count(out, "\n"), errOut)
	}
}

// TestNormalizeSamples is the acceptance run: the published samples
// through the CLI, every input line normalized, exit 0.
func TestNormalizeSamples(t *testing.T) {
	if _, err := os.Stat(samplesDir); err != nil {
		t.Skipf("samples not found at %s: %v", samplesDir, err)
	}
	files := []string{filepath.Join(samplesDir, "s3_access.log"), filepath.Join(samplesDir, "cloudtrail.jsonl")}
	want := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.TrimSpace(line) != "" {
				want++
			}
		}
	}
	code, out, errOut := runCLI(t, "", append([]string{"normalize"}, files...)...)
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if got := strings.Count(out, "\n"); got != want {
		t.Errorf("%d records for %d input lines", got, want)
	}
}

func TestSchemaCommand(t *testing.T) {
	code, out, _ := runCLI(t, "", "schema")
	if code != exitOK || !json.Valid([]byte(out)) || !strings.Contains(out, "unified-v1.json") {
		t.Errorf("schema: exit %d, %.100s", code, out)
	}
}

func TestNormalizeRulesAndFormat(t *testing.T) {
	// goodLine is a presigned URL: presigned_url is on by default, in the
	// CLI as in the plugin; anonymous_access (its requester is "-") is not.
	for _, args := range [][]string{{"normalize"}, {"normalize", "--rules", "default"}} {
		code, out, errOut := runCLI(t, goodLine, args...)
		if code != exitOK || !strings.Contains(out, `"alerts":["presigned_url"]`) {
			t.Errorf("%v: exit %d, %s %s", args, code, out, errOut)
		}
	}
	if code, out, _ := runCLI(t, goodLine, "normalize", "--rules", "off"); code != exitOK || strings.Contains(out, `"alerts"`) {
		t.Errorf("--rules off: exit %d, %s", code, out)
	}
	rules := filepath.Join(t.TempDir(), "anon.yaml")
	if err := os.WriteFile(rules, []byte("rules:\n  anonymous_access: {enabled: true}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runCLI(t, goodLine, "normalize", "--rules", rules); code != exitOK || !strings.Contains(out, `"alerts":["anonymous_access","presigned_url"]`) {
		t.Errorf("--rules FILE: exit %d, %s", code, out)
	}
	code, out, _ := runCLI(t, goodLine, "normalize", "--format", "ocsf")
	if code != exitOK || !strings.Contains(out, `"class_uid":6003`) {
		t.Errorf("--format ocsf: exit %d, %s", code, out)
	}
	if code, _, _ := runCLI(t, goodLine, "normalize", "--format", "xml"); code != exitUsage {
		t.Errorf("--format xml: exit %d", code)
	}
	if code, _, errOut := runCLI(t, goodLine, "normalize", "--rules", filepath.Join(t.TempDir(), "none.yaml")); code != exitUsage || errOut == "" {
		t.Errorf("missing rules file: exit %d %q", code, errOut)
	}
}

// TestNormalizePrettyPrintedStream checks a file of pretty-printed
// documents one after another gives one input per document, with the line
// each starts on, and that a digest file is noted and counted, not
// rejected.
func TestNormalizePrettyPrintedStream(t *testing.T) {
	dir := t.TempDir()
	rec := "{\n  \"eventVersion\": \"1.09\",\n  \"eventTime\": \"2026-05-04T10:00:00Z\",\n  \"eventSource\": \"s3.amazonaws.com\",\n  \"eventName\": \"GetObject\",\n  \"awsRegion\": \"eu-west-1\"\n}\n"
	digest := "{\n  \"awsAccountId\": \"111122223333\",\n  \"digestStartTime\": \"2026-05-04T10:00:00Z\",\n  \"digestPublicKeyFingerprint\": \"00\",\n  \"logFiles\": []\n}\n"
	tests := []struct {
		name, content string
		outputs       int
		code          int
		stderr        []string
	}{
		{"two pretty documents", rec + rec, 2, exitOK, nil},
		{"a record and a digest file", rec + "\n" + digest, 1, exitOK,
			[]string{"line 9: skipped a CloudTrail digest file", "digest_files=1"}},
		{"a broken second document falls back to lines", rec + "{\n  \"eventVersion\": \n", 0, exitRejected,
			[]string{`"line":1`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "in.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := runNormalize([]string{path}, strings.NewReader(""), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if got := bytes.Count(stdout.Bytes(), []byte("\n")); got != tt.outputs {
				t.Errorf("%d records, want %d:\n%s", got, tt.outputs, stdout.String())
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
				}
			}
		})
	}
}
