package conf

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/normalize/detect"
	"github.com/awsaudit/awsaudit/normalize/record"
)

// TestRulesExample: the shipped example states every built-in default, so
// loading it gives the defaults plus its buckets.
func TestRulesExample(t *testing.T) {
	got, err := LoadRules("rules.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := detect.DefaultConfig()
	want.Buckets = []detect.BucketConfig{
		{Name: "acme-reports", Requesters: []string{"role:DataReader", "arn:aws:iam::111122223333:user/ops-*", "service:*"},
			Writers: []string{"role:DataWriter", "service:*"}},
		{Name: "acme-public-*", Requesters: []string{"anonymous", "account:111122223333"}, Writers: []string{}},
	}
	// The example writes every severity out; the defaults leave them unset.
	got.AnonymousAccess.Severity = 0
	got.AccessDenied.Severity, got.AccessDenied.Rate.Severity = 0, 0
	got.SlowRequest.Severity, got.UnexpectedRequester.Severity, got.UnexpectedWrite.Severity = 0, 0, 0
	got.PresignedURL.Severity, got.PublicExposureChange.Severity, got.AuditTampering.Severity = 0, 0, 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("example:\n got %#v\nwant %#v", got, want)
	}
	if r, err := detect.New(got); err != nil || r == nil {
		t.Errorf("example does not compile: %v", err)
	}
	// The severities it writes are the built-in ones.
	ex, _ := LoadRules("rules.example.yaml")
	r, _ := detect.New(ex)
	def, _ := detect.New(detect.DefaultConfig())
	for a := record.Alert(0); a.String() != "Alert(9)"; a++ {
		if r.Severity(a) != def.Severity(a) {
			t.Errorf("%s: example severity %s, built-in %s", a, r.Severity(a), def.Severity(a))
		}
	}
}

func TestParseRules(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want func(c *detect.Config)
	}{
		{"empty file", "", func(*detect.Config) {}},
		{"comments only", "# nothing\n", func(*detect.Config) {}},
		{"version only", "version: 1\n", func(*detect.Config) {}},
		{"rule off", "rules:\n  slow_request:\n    enabled: false\n", func(c *detect.Config) { c.SlowRequest.Enabled = false }},
		{"threshold", "rules:\n  slow_request: {threshold_ms: 250}\n", func(c *detect.Config) { c.SlowRequest.ThresholdMS = 250 }},
		{"severity", "rules:\n  presigned_url: {severity: HIGH}\n", func(c *detect.Config) { c.PresignedURL.Severity = detect.SeverityHigh }},
		{"rate", "rules:\n  access_denied:\n    rate: {threshold: 3, window: 30s, by: [ip], max_keys: 500}\n", func(c *detect.Config) {
			r := &c.AccessDenied.Rate
			r.Threshold, r.Window, r.ByPrincipal, r.ByIP, r.MaxKeys = 3, 30*time.Second, false, true, 500
		}},
		{"rate window in seconds", "rules:\n  access_denied:\n    rate: {window: 90}\n", func(c *detect.Config) { c.AccessDenied.Rate.Window = 90 * time.Second }},
		{"rate off, access_denied on", "rules:\n  access_denied:\n    rate: {enabled: false}\n", func(c *detect.Config) { c.AccessDenied.Rate.Enabled = false }},
		{"error codes replaced", "rules:\n  access_denied: {error_codes: [AccessDenied]}\n", func(c *detect.Config) {
			c.AccessDenied.ErrorCodes = []string{"AccessDenied"}
		}},
		{"write actions", "rules:\n  unexpected_write: {actions: [DeleteObject, DeleteObjects]}\n", func(c *detect.Config) {
			c.UnexpectedWrite.Actions = []string{"DeleteObject", "DeleteObjects"}
		}},
		{"public failures", "rules:\n  public_exposure_change: {include_failures: true}\n", func(c *detect.Config) {
			c.PublicExposureChange.IncludeFailures = true
		}},
		{"tampering without PutBucketLogging", "rules:\n  audit_tampering: {put_bucket_logging: false, actions: [StopLogging]}\n", func(c *detect.Config) {
			c.AuditTampering.PutBucketLogging = false
			c.AuditTampering.Actions = []string{"StopLogging"}
		}},
		{"bucket, writers absent", "buckets:\n  - name: a\n    requesters: [role:R]\n", func(c *detect.Config) {
			c.Buckets = []detect.BucketConfig{{Name: "a", Requesters: []string{"role:R"}}}
		}},
		{"bucket source regions", "buckets:\n  - name: a\n    requesters: [role:R]\n    source_regions: [eu-west-1, us-*]\n", func(c *detect.Config) {
			c.Buckets = []detect.BucketConfig{{Name: "a", Requesters: []string{"role:R"}, SourceRegions: []string{"eu-west-1", "us-*"}}}
		}},
		{"bucket, writers empty", "buckets:\n  - name: a\n    requesters: [role:R]\n    writers: []\n", func(c *detect.Config) {
			c.Buckets = []detect.BucketConfig{{Name: "a", Requesters: []string{"role:R"}, Writers: []string{}}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRules([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			want := detect.DefaultConfig()
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("\n got %#v\nwant %#v", got, want)
			}
			// Writers: absent and empty must stay distinguishable.
			for i := range got.Buckets {
				if (got.Buckets[i].Writers == nil) != (want.Buckets[i].Writers == nil) {
					t.Errorf("bucket %d writers nil=%v, want nil=%v", i, got.Buckets[i].Writers == nil, want.Buckets[i].Writers == nil)
				}
			}
		})
	}
}

func TestParseRulesErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // one entry per expected problem, in order
	}{
		{"typo in a rule", "rules:\n  slow_request:\n    threshold: 20\n", []string{"line 3: field threshold not found"}},
		{"unknown rule", "rules:\n  slow_requests: {}\n", []string{"line 2: field slow_requests not found"}},
		{"unknown top-level", "bucket:\n  - name: a\n", []string{"line 1: field bucket not found"}},
		{"wrong type", "rules:\n  slow_request: {threshold_ms: fast}\n", []string{"line 2: cannot unmarshal"}},
		{"not YAML", "rules: [\n", []string{"yaml:"}},
		{"version", "version: 2\n", []string{"version: 2 is not a rules file version"}},
		{"severity", "rules:\n  presigned_url: {severity: urgent}\n", []string{`rules.presigned_url.severity: severity "urgent"`}},
		{"window", "rules:\n  access_denied:\n    rate: {window: soon}\n", []string{`rules.access_denied.rate.window: "soon" is not a duration`}},
		{"by", "rules:\n  access_denied:\n    rate: {by: [user]}\n", []string{`rules.access_denied.rate.by[0]: "user" is not principal or ip`, "rules.access_denied.rate.by: is empty"}},
		{"validation", "rules:\n  slow_request: {enabled: true, threshold_ms: 0}\n", []string{"rules.slow_request.threshold_ms: 0 must be at least 1"}},
		{"bad pattern", "buckets:\n  - name: a\n    requesters: [bob]\n", []string{`buckets[0].requesters[0]: "bob" is not a principal pattern`}},
		{"bad source region", "buckets:\n  - name: a\n    requesters: [role:R]\n    source_regions: [mars]\n", []string{`buckets[0].source_regions[0]: "mars" is not a region code`}},
		{"every problem at once", "rules:\n  presigned_url: {severity: urgent}\n  slow_request: {enabled: true, threshold_ms: -1}\nbuckets:\n  - requesters: [role:x]\n",
			[]string{"rules.presigned_url.severity", "rules.slow_request.threshold_ms", "buckets[0].name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseRules([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("no error; rules %v", c)
			}
			var got []error
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				got = j.Unwrap()
			} else {
				got = []error{err}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(got), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i].Error(), w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], w)
				}
			}
			if strings.Contains(err.Error(), "conf.") {
				t.Errorf("error leaks Go type names: %v", err)
			}
		})
	}
}

func TestParseRulesFileKey(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(good, []byte("rules:\n  slow_request: {threshold_ms: 100}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("rules:\n  slow_request: {enabled: true, threshold_ms: 0}\n  presigned_url: {severity: x}\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	c, err := parseMap(map[string]string{"Rules_File": good})
	if err != nil {
		t.Fatal(err)
	}
	if c.RulesFile != good || c.Rules.SlowRequest.ThresholdMS != 100 || !c.Rules.PresignedURL.Enabled {
		t.Errorf("Rules_File not applied: %v", c)
	}

	for _, off := range []string{"off", "None", "false"} {
		c, err = parseMap(map[string]string{"Rules_File": off})
		if err != nil {
			t.Fatal(err)
		}
		if r, err := detect.New(c.Rules); err != nil || r != nil || c.RulesFile != "" {
			t.Errorf("Rules_File %s: rules %v (%v)", off, c.Rules, err)
		}
	}

	c, err = parseMap(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Rules, detect.DefaultConfig()) || c.RulesFile != "" {
		t.Errorf("no Rules_File should give the built-in rules: %v", c.Rules)
	}

	_, err = parseMap(map[string]string{"Rules_File": filepath.Join(dir, "missing.yaml")})
	ps := problems(t, err)
	if len(ps) != 1 || ps[0].Key != "Rules_File" || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	_, err = parseMap(map[string]string{"Rules_File": dir})
	if ps = problems(t, err); len(ps) != 1 || !strings.Contains(ps[0].Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	// Every problem of the file, each keyed Rules_File and naming the file.
	_, err = parseMap(map[string]string{"Rules_File": bad})
	ps = problems(t, err)
	if len(ps) != 2 {
		t.Fatalf("want 2 problems, got %v", err)
	}
	for _, p := range ps {
		if p.Key != "Rules_File" || !strings.Contains(p.Error(), bad+": rules.") {
			t.Errorf("problem %q", p)
		}
	}
}

func TestParseFormatAndAlertsTopic(t *testing.T) {
	for in, want := range map[string]normalize.Format{"ocsf": normalize.FormatOCSF, "OCSF": normalize.FormatOCSF, "Unified": normalize.FormatUnified} {
		c, err := parseMap(map[string]string{"Format": in})
		if err != nil || c.OutputFormat != want {
			t.Errorf("Format %s: %v, %v", in, c.OutputFormat, err)
		}
	}
	if _, err := parseMap(map[string]string{"Format": "cef"}); err == nil || !strings.Contains(err.Error(), `Format: "cef" is not one of unified, ocsf`) {
		t.Errorf("Format cef: %v", err)
	}

	c, err := parseMap(map[string]string{"Topic_Alerts": "aws.audit.alerts"})
	if err != nil || c.TopicAlerts != "aws.audit.alerts" {
		t.Errorf("Topic_Alerts: %q, %v", c.TopicAlerts, err)
	}
	cases := map[string]struct {
		props map[string]string
		key   string
	}{
		"alerts in the record topic": {map[string]string{"Topic_Alerts": "aws.audit.normalized"}, "Topic_Alerts"},
		"alerts in a source topic":   {map[string]string{"Topic_CloudTrail": "ct", "Topic_Alerts": "ct"}, "Topic_Alerts"},
		"alerts in the DLQ":          {map[string]string{"Topic_Alerts": "aws.audit.dlq"}, "DLQ_Topic"},
		"bad alerts topic":           {map[string]string{"Topic_Alerts": "a/b"}, "Topic_Alerts"},
	}
	for name, tc := range cases {
		_, err := parseMap(tc.props)
		ps := problems(t, err)
		if len(ps) != 1 || ps[0].Key != tc.key {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestReadmeAlertExample keeps the README's example alert record what the
// code writes for its input line under rules.example.yaml.
func TestReadmeAlertExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := func(marker, fence string) string {
		t.Helper()
		s := string(readme)
		i := strings.Index(s, marker)
		if i < 0 {
			t.Fatalf("README.md has no %q", marker)
		}
		s = s[i:]
		start := strings.Index(s, fence+"\n")
		end := strings.Index(s[start+len(fence)+1:], "\n```")
		if start < 0 || end < 0 {
			t.Fatalf("no %s block after %q", fence, marker)
		}
		return s[start+len(fence)+1 : start+len(fence)+1+end]
	}
	input := block("<!-- alert example: input -->", "```text")
	want := block("<!-- alert example: output -->", "```json")

	rc, err := LoadRules("rules.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := detect.New(rc)
	if err != nil {
		t.Fatal(err)
	}
	n := normalize.New(normalize.Options{Redact: true, Rules: r})
	var got []byte
	n.Normalize([]byte(input), normalize.SourceAuto, nil, func(o *normalize.Output) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		got = bytes.Clone(o.JSON)
	})
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(want)); err != nil {
		t.Fatalf("README example is not JSON: %v", err)
	}
	if !bytes.Equal(compact.Bytes(), got) {
		t.Errorf("README example alert record differs from the output:\nREADME: %s\noutput: %s", compact.Bytes(), got)
	}
	if !bytes.Contains(got, []byte(`"alerts":[`)) {
		t.Error("the example fires no alert")
	}
}
