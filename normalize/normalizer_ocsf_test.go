package normalize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/normalize/detect"
	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
	"github.com/awsaudit/awsaudit/normalize/ocsf"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var ocsfSchema struct {
	once sync.Once
	sch  *jsonschema.Schema
	err  error
}

// compiledOCSFSchema compiles testdata/ocsf's JSON Schema of API Activity
// (the OCSF server's export, see TestGenerateOCSFSchema) as draft-07, the
// dialect it declares.
func compiledOCSFSchema() (*jsonschema.Schema, error) {
	ocsfSchema.once.Do(func() {
		f, err := os.Open(ocsfSchemaFile)
		if err != nil {
			ocsfSchema.err = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			ocsfSchema.err = err
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft7)
		const id = "https://schema.ocsf.io/schema/classes/api_activity"
		if err := c.AddResource(id, doc); err != nil {
			ocsfSchema.err = err
			return
		}
		ocsfSchema.sch, ocsfSchema.err = c.Compile(id)
	})
	return ocsfSchema.sch, ocsfSchema.err
}

// validateOCSFErr reports why doc is not a valid OCSF API Activity event.
func validateOCSFErr(doc []byte) error {
	sch, err := compiledOCSFSchema()
	if err != nil {
		return fmt.Errorf("compiling %s: %w", ocsfSchemaFile, err)
	}
	return validateDoc(sch, doc)
}

func validateOCSF(t testing.TB, doc []byte) {
	t.Helper()
	if err := validateOCSFErr(doc); err != nil {
		t.Errorf("event does not match %s: %v\ndocument: %s", ocsfSchemaFile, err, doc)
	}
}

// testRulesConfig is the rules file the golden tests use: the defaults,
// plus allow-lists for buckets that the testdata inputs touch.
func testRulesConfig() detect.Config {
	c := allRulesOn()
	c.AccessDenied.Rate.Threshold = 2
	c.Buckets = []detect.BucketConfig{
		{Name: "acme-data", Requesters: []string{"role:DataReader", "arn:aws:iam::111122223333:user/ops-*"}, Writers: []string{"role:DataWriter"}},
		{Name: "team-*", Requesters: []string{"arn:aws:iam::123456789012:role/AWSReservedSSO_*"}},
		{Name: "logs-bucket", Requesters: []string{"user:ops"}},
	}
	return c
}

func testRules(t testing.TB) *detect.Rules {
	t.Helper()
	r, err := detect.New(testRulesConfig())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestOCSFSchemaIsStrict keeps the validation honest: the shipped schema
// must reject events that break OCSF, or every other OCSF test proves
// nothing.
func TestOCSFSchemaIsStrict(t *testing.T) {
	n := New(Options{Redact: true, Format: FormatOCSF})
	var good []byte
	n.Normalize([]byte(testinput.AccessLogLine), SourceAuto, nil, func(o *Output) { good = bytes.Clone(o.JSON) })
	validateOCSF(t, good)
	mutations := map[string]func(m map[string]any){
		"class_uid":            func(m map[string]any) { m["class_uid"] = 3001 },
		"activity_id":          func(m map[string]any) { m["activity_id"] = 7 },
		"no actor":             func(m map[string]any) { delete(m, "actor") },
		"empty actor":          func(m map[string]any) { m["actor"] = map[string]any{} },
		"unknown top-level":    func(m map[string]any) { m["bucket"] = "x" },
		"unknown in object":    func(m map[string]any) { m["api"].(map[string]any)["name"] = "x" },
		"time as string":       func(m map[string]any) { m["time"] = "2024-03-14T09:26:53Z" },
		"no metadata.product":  func(m map[string]any) { delete(m["metadata"].(map[string]any), "product") },
		"no cloud.provider":    func(m map[string]any) { delete(m["cloud"].(map[string]any), "provider") },
		"empty src_endpoint":   func(m map[string]any) { m["src_endpoint"] = map[string]any{} },
		"http method":          func(m map[string]any) { m["http_request"].(map[string]any)["http_method"] = "PATCH" },
		"resources not array":  func(m map[string]any) { m["resources"] = map[string]any{"uid": "x"} },
		"request without uid":  func(m map[string]any) { m["api"].(map[string]any)["request"] = map[string]any{} },
		"severity_id too high": func(m map[string]any) { m["severity_id"] = 7 },
	}
	for name, mutate := range mutations {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		mutate(m)
		doc, _ := json.Marshal(m)
		if validateOCSFErr(doc) == nil {
			t.Errorf("%s: the OCSF schema accepted %s", name, doc)
		}
	}
}

// TestGoldenOCSF runs every testdata input through Format ocsf with the
// test rules and compares with testdata/ocsf/NAME.golden (-update rewrites
// them). Every event must match the OCSF schema and hold no secret.
func TestGoldenOCSF(t *testing.T) {
	goldenInputs(t, func(t *testing.T, name, path string) {
		opts := DefaultOptions()
		opts.Format = FormatOCSF
		opts.Rules = testRules(t)
		if name == "access_log_bytes.log" || strings.HasPrefix(name, "redaction_") {
			opts.IncludeRaw = true
		}
		n := New(opts)
		n.now = func() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC) }
		got := goldenRun(t, n, name, path, func(doc []byte) { validateOCSF(t, doc) })
		compareGolden(t, filepath.Join("testdata", "ocsf", strings.TrimSuffix(name, filepath.Ext(name))+".golden"), got)
	})
}

// TestSamplesOCSF puts every published sample through Format ocsf: each
// event must match the OCSF schema.
func TestSamplesOCSF(t *testing.T) {
	requireSamples(t)
	opts := DefaultOptions()
	opts.Format = FormatOCSF
	opts.Rules = testRules(t)
	n := New(opts)
	var docs [][]byte
	docs = append(docs, readLines(t, filepath.Join(samplesDir, "s3_access.log"))...)
	docs = append(docs, readLines(t, filepath.Join(samplesDir, "cloudtrail.jsonl"))...)
	envelopes, _ := filepath.Glob(filepath.Join(samplesDir, "cloudtrail_envelopes", "*"))
	for _, f := range envelopes {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b)
	}
	events := 0
	for _, doc := range docs {
		if len(bytes.TrimSpace(doc)) == 0 || doc[0] == '#' {
			continue
		}
		for _, r := range normalizeAll(n, doc, SourceAuto) {
			if r.err != nil {
				continue
			}
			events++
			validateOCSF(t, r.json)
			assertNoSecrets(t, doc, r.json)
		}
	}
	if events == 0 {
		t.Fatal("no sample produced an event")
	}
}

// TestOCSFMapping spot-checks the mapping of the README's example request.
func TestOCSFMapping(t *testing.T) {
	opts := DefaultOptions()
	opts.Format = FormatOCSF
	opts.Rules = testRules(t)
	n := New(opts)
	check := func(doc []byte, want map[string]any) {
		t.Helper()
		rs := normalizeAll(n, doc, SourceAuto)
		if len(rs) != 1 || rs[0].err != nil {
			t.Fatalf("got %+v", rs)
		}
		validateOCSF(t, rs[0].json)
		m := decode(t, rs[0].json)
		for path, w := range want {
			got := get(m, path)
			if i, ok := w.(int); ok {
				w = float64(i) // encoding/json decodes numbers as float64
			}
			if fmt.Sprint(got) != fmt.Sprint(w) {
				t.Errorf("%s = %v, want %v\n%s", path, got, w, rs[0].json)
			}
		}
	}
	check([]byte(testinput.ReadmeAccessLogLine), map[string]any{
		"class_uid": 6003, "category_uid": 6, "activity_id": 2, "type_uid": 600302,
		"type_name":                      "API Activity: Read",
		"time":                           1741010709000,
		"status_id":                      1,
		"severity_id":                    2, // presigned_url + slow_request
		"metadata.version":               ocsf.Version,
		"metadata.product.name":          "Amazon S3",
		"metadata.correlation_uid":       testinput.ReadmeCorrelationID,
		"metadata.labels":                []any{"alert:slow_request", "alert:presigned_url"},
		"actor.user.uid":                 "arn:aws:sts::111122223333:assumed-role/DataReader/carol@example.com",
		"actor.user.name":                "carol@example.com",
		"actor.user.type_id":             99,
		"actor.user.type":                "AssumedRole",
		"actor.user.account.uid":         "111122223333",
		"actor.session.issuer":           "arn:aws:iam::111122223333:role/DataReader",
		"api.operation":                  "GetObject",
		"api.service.name":               "s3.amazonaws.com",
		"api.request.uid":                "9Q2W3E4R5T6Y7U8I",
		"api.response.code":              200,
		"src_endpoint.ip":                "203.0.113.7",
		"dst_endpoint.hostname":          "acme-reports.s3.eu-west-1.amazonaws.com",
		"http_request.http_method":       "GET",
		"http_request.version":           "1.1",
		"http_request.url.path":          "/q1/summary%202025.csv",
		"http_request.url.hostname":      "acme-reports.s3.eu-west-1.amazonaws.com",
		"cloud.provider":                 "AWS",
		"cloud.region":                   "eu-west-1",
		"unmapped.request.host_id":       "AbCdEfGhIjKlMnOp=",
		"unmapped.request.auth_type":     "QueryString",
		"unmapped.principal.role_name":   "DataReader",
		"unmapped.request.source_region": "eu-west-1",
		"unmapped.region_source":         "host",
	})
	check([]byte(testinput.ReadmeCloudTrailEvent), map[string]any{
		"activity_id":                        2,
		"metadata.product.name":              "CloudTrail",
		"metadata.product.feature.name":      "Data",
		"metadata.uid":                       "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
		"metadata.log_version":               "1.09",
		"metadata.correlation_uid":           testinput.ReadmeCorrelationID,
		"actor.user.uid_alt":                 "AROAEXAMPLEID:carol@example.com",
		"actor.user.credential_uid":          "ASIAEXAMPLE",
		"actor.session.is_mfa":               true,
		"cloud.account.uid":                  "111122223333",
		"cloud.account.type_id":              10,
		"unmapped.cloudtrail.event_type":     "AwsApiCall",
		"unmapped.request.signature_version": "SigV4",
	})
}

// TestOCSFKeyPath: Message_Key paths name unified-record fields in every
// format.
func TestOCSFKeyPath(t *testing.T) {
	for _, path := range []string{"bucket.name", "principal.role_name", "correlation_id", "request.host_id"} {
		var keys [2]string
		for i, f := range []Format{FormatUnified, FormatOCSF} {
			n := New(Options{Redact: true, KeyPath: path, Format: f})
			rs := normalizeAll(n, []byte(testinput.ReadmeAccessLogLine), SourceAuto)
			keys[i] = string(rs[0].key)
		}
		if keys[0] == "" || keys[0] != keys[1] {
			t.Errorf("KeyPath %s: unified %q, ocsf %q", path, keys[0], keys[1])
		}
	}
}

// TestOCSFWithoutTime: OCSF requires time; a record without one gets the
// normalization time and no original_time.
func TestOCSFWithoutTime(t *testing.T) {
	n := New(Options{Redact: true, Format: FormatOCSF})
	n.now = func() time.Time { return time.UnixMilli(1700000000123) }
	rs := normalizeAll(n, []byte(`{"eventVersion":"1.09","eventName":"ListBuckets"}`), SourceAuto)
	if len(rs) != 1 || rs[0].err != nil {
		t.Fatalf("%+v", rs)
	}
	validateOCSF(t, rs[0].json)
	m := decode(t, rs[0].json)
	if get(m, "time") != float64(1700000000123) || get(m, "metadata.original_time") != nil {
		t.Errorf("time fallback: %s", rs[0].json)
	}
	if get(m, "actor.user.name") != "unknown" || get(m, "src_endpoint.name") != "unknown" {
		t.Errorf("required actor/src_endpoint placeholders: %s", rs[0].json)
	}
}

func TestOCSFAllocations(t *testing.T) {
	n := New(Options{Redact: true, KeyPath: "bucket.name", Format: FormatOCSF})
	line := []byte(testinput.AccessLogLine)
	emit := func(o *Output) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
	}
	n.Normalize(line, SourceAuto, nil, emit)
	if allocs := testing.AllocsPerRun(200, func() { n.Normalize(line, SourceAuto, nil, emit) }); allocs > 0 {
		t.Errorf("%.1f allocations per OCSF access-log line, want 0", allocs)
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": FormatUnified, "unified": FormatUnified, " OCSF ": FormatOCSF} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("cef"); err == nil {
		t.Error("ParseFormat(cef) succeeded")
	}
	if FormatOCSF.String() != "ocsf" || FormatUnified.String() != "unified" {
		t.Error("Format.String")
	}
}
