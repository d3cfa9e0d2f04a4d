package normalize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/awsaudit/awsaudit/normalize/schema"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

const unifiedSchemaID = "https://github.com/awsaudit/awsaudit/normalize/schema/unified-v1.json"

// The schema is compiled once per test binary: compiling is far slower than
// validating, and fuzz targets validate thousands of documents.
var unifiedSchema struct {
	once sync.Once
	sch  *jsonschema.Schema
	err  error
}

func compiledUnifiedSchema() (*jsonschema.Schema, error) {
	unifiedSchema.once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.JSON))
		if err != nil {
			unifiedSchema.err = fmt.Errorf("schema/unified-v1.json is not JSON: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		// Draft 2020-12 treats "format" as an annotation by default; assert
		// it so "time" is also checked as a real date-time (no month 13).
		c.AssertFormat()
		if err := c.AddResource(unifiedSchemaID, doc); err != nil {
			unifiedSchema.err = err
			return
		}
		unifiedSchema.sch, unifiedSchema.err = c.Compile(unifiedSchemaID)
	})
	return unifiedSchema.sch, unifiedSchema.err
}

// validateUnifiedErr reports why doc is not a valid unified record: not
// UTF-8, not exactly one JSON value, a duplicate key in an object (which
// encoding/json would silently resolve), or a schema violation. It is nil
// for a valid record. Fuzz targets call it directly.
func validateUnifiedErr(doc []byte) error {
	sch, err := compiledUnifiedSchema()
	if err != nil {
		return fmt.Errorf("compiling the schema: %w", err)
	}
	return validateDoc(sch, doc)
}

// validateDoc checks doc against a compiled schema: valid UTF-8, exactly one
// JSON value, no object naming a key twice (encoding/json would silently
// resolve it), and every keyword of the schema.
func validateDoc(sch *jsonschema.Schema, doc []byte) error {
	if !utf8.Valid(doc) {
		return errors.New("not valid UTF-8")
	}
	if err := checkNoDuplicateKeys(doc); err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := sch.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			// The Go-syntax form lists every failing keyword and location.
			return fmt.Errorf("%#v", ve)
		}
		return err
	}
	return nil
}

// validateUnified fails the test when doc is not a valid unified record,
// showing the validator's message and the document.
func validateUnified(t testing.TB, doc []byte) {
	t.Helper()
	if err := validateUnifiedErr(doc); err != nil {
		t.Errorf("record does not match schema/unified-v1.json: %v\ndocument: %s", err, doc)
	}
}

// checkNoDuplicateKeys walks doc token by token and rejects an object that
// names a key twice.
func checkNoDuplicateKeys(doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("not JSON: %w", err)
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return fmt.Errorf("not JSON: %w", err)
				}
				k := kt.(string)
				if seen[k] {
					return fmt.Errorf("duplicate key %q in %s", k, path)
				}
				seen[k] = true
				if err := walk(path + "." + k); err != nil {
					return err
				}
			}
			_, err = dec.Token() // '}'
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			_, err = dec.Token() // ']'
		}
		if err != nil {
			return fmt.Errorf("not JSON: %w", err)
		}
		return nil
	}
	if err := walk("$"); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("not JSON: data after the top-level value")
	}
	return nil
}

// unifiedKeyOrder is the key order the contract fixes for each object ("" is
// the top level).
var unifiedKeyOrder = map[string][]string{
	"": {"schema_version", "source", "time", "action", "operation", "service", "read_only", "outcome",
		"http_status", "error_code", "error_message", "region", "region_source", "account_id", "correlation_id", "bucket",
		"object", "principal", "client", "request", "cloudtrail", "alerts", "extra", "raw"},
	"bucket": {"name", "owner"},
	"object": {"key", "version_id", "size"},
	"principal": {"type", "arn", "partition", "account_id", "principal_id", "user_name", "role_name",
		"session_name", "role_arn", "access_key_id", "canonical_id", "service", "authenticated", "mfa_authenticated"},
	"client": {"ip", "user_agent", "invoked_by"},
	"request": {"id", "host_id", "method", "uri", "protocol", "host", "referrer", "bytes_sent", "total_time_ms",
		"turnaround_ms", "signature_version", "auth_type", "tls_version", "cipher_suite", "access_point_arn",
		"acl_required", "source_region", "vpc_endpoint_id"},
	"cloudtrail": {"event_id", "event_version", "event_type", "event_category", "management_event",
		"recipient_account_id", "shared_event_id", "request_parameters", "response_elements",
		"additional_event_data", "resources", "tls_details", "session_credential_from_console"},
}

// unifiedKeyOrderErr reports a key written out of the contract's order, at
// the top level or in one of the contract's nested objects. JSON Schema
// cannot express order, so encoder tests call this next to validateUnified.
func unifiedKeyOrderErr(doc []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return err
	}
	for obj, order := range unifiedKeyOrder {
		raw := doc
		if obj != "" {
			r, ok := top[obj]
			if !ok {
				continue
			}
			raw = r
		}
		keys, err := objectKeys(raw)
		if err != nil {
			return err
		}
		last := -1
		for _, k := range keys {
			i := slices.Index(order, k)
			if i < 0 {
				continue // unknown keys are the schema's business
			}
			if i < last {
				return fmt.Errorf("%s: key %q is out of order (want %s)", objName(obj), k, strings.Join(order, ","))
			}
			last = i
		}
	}
	return nil
}

func objName(obj string) string {
	if obj == "" {
		return "top level"
	}
	return obj
}

// objectKeys lists the keys of the JSON object raw in written order.
func objectKeys(raw []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object: %.40s", raw)
	}
	var keys []string
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, kt.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// Hand-written records. The full ones carry every key of the contract, in
// contract order.
const (
	schemaExampleS3Full = `{"schema_version":1,"source":"s3_access","time":"2023-11-02T17:45:09Z",` +
		`"action":"PutObject","operation":"REST.PUT.OBJECT","service":"s3.amazonaws.com","read_only":false,` +
		`"outcome":"failure","http_status":403,"error_code":"AccessDenied","region":"eu-central-2","region_source":"host",` +
		`"account_id":"555566667777","correlation_id":"0123456789abcdef0123456789abcdef",` +
		`"bucket":{"name":"ledger-archive","owner":"0f9e8d7c6b5a49382716051f2e3d4c5b6a79880716253f4e5d6c7b8a99a0b1c2"},` +
		`"object":{"key":"2023/11/ledger (1).csv","version_id":"nT0sX3mQe7JcLq1vPz9aYb2RkW4dHgUf","size":0},` +
		`"principal":{"type":"IAMUser","arn":"arn:aws:iam::555566667777:user/ops/ci-uploader","partition":"aws",` +
		`"account_id":"555566667777","user_name":"ci-uploader","authenticated":true},` +
		`"client":{"ip":"2001:db8::4c1","user_agent":"aws-cli/2.13.30 Python/3.11.6 Linux/6.2.0 \"quoted\" exe/x86_64"},` +
		`"request":{"id":"Q8M3V2X7K1B9T4RZ","host_id":"aGVsbG8gd29ybGQgdGhpcyBpcyBhIGhvc3QgaWQ=","method":"PUT",` +
		`"uri":"/2023/11/ledger%20%281%29.csv?X-Amz-Signature=REDACTED","protocol":"HTTP/1.1",` +
		`"host":"ledger-archive.s3.eu-central-2.amazonaws.com","referrer":"https://ops.example.net/",` +
		`"bytes_sent":243,"total_time_ms":12,"turnaround_ms":0,"signature_version":"SigV4","auth_type":"QueryString",` +
		`"tls_version":"TLSv1.3","cipher_suite":"TLS_AES_128_GCM_SHA256",` +
		`"access_point_arn":"arn:aws:s3:eu-central-2:555566667777:accesspoint/uploads","acl_required":true},` +
		`"alerts":["presigned_write_denied"],"extra":{"27":"eu-central-2","28":"future"},` +
		`"raw":"0f9e... ledger-archive [02/Nov/2023:17:45:09 +0000] ..."}`

	schemaExampleCTFull = `{"schema_version":1,"source":"cloudtrail","time":"2023-11-02T17:45:09.123Z",` +
		`"action":"DeleteObject","operation":"DeleteObject","service":"s3.amazonaws.com","read_only":false,` +
		`"outcome":"success","error_code":"NoSuchKey","error_message":"The specified key does not exist.",` +
		`"region":"us-gov-west-1","region_source":"event","account_id":"555566667777",` +
		`"correlation_id":"fedcba9876543210fedcba9876543210",` +
		`"bucket":{"name":"ledger-archive"},"object":{"key":"tmp/a b.txt","version_id":"v2"},` +
		`"principal":{"type":"AssumedRole","arn":"arn:aws-us-gov:sts::555566667777:assumed-role/Deployer/gh-run-42",` +
		`"partition":"aws-us-gov","account_id":"555566667777","principal_id":"AROAEXAMPLEID0000001:gh-run-42",` +
		`"role_name":"Deployer","session_name":"gh-run-42","role_arn":"arn:aws-us-gov:iam::555566667777:role/ci/Deployer",` +
		`"access_key_id":"ASIAEXAMPLEKEY000001","authenticated":true,"mfa_authenticated":false},` +
		`"client":{"ip":"AWS Internal","user_agent":"[aws-sdk-go-v2/1.21.0]","invoked_by":"cloudformation.amazonaws.com"},` +
		`"request":{"id":"Q8M3V2X7K1B9T4RZ","host_id":"aGVsbG8gd29ybGQ=","host":"ledger-archive.s3.us-gov-west-1.amazonaws.com",` +
		`"signature_version":"SigV4","auth_type":"AuthHeader","tls_version":"TLSv1.2",` +
		`"cipher_suite":"ECDHE-RSA-AES128-GCM-SHA256","vpc_endpoint_id":"vpce-0a1b2c3d4e5f60718"},` +
		`"cloudtrail":{"event_id":"0e4f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b","event_version":"1.09","event_type":"AwsApiCall",` +
		`"event_category":"Data","management_event":false,"recipient_account_id":"555566667777",` +
		`"shared_event_id":"9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",` +
		`"request_parameters":{"bucketName":"ledger-archive","key":"tmp/a b.txt","x-id":null,"versionId":""},` +
		`"response_elements":null,"additional_event_data":{"bytesTransferredIn":0,"x-amz-id-2":"aGVsbG8gd29ybGQ="},` +
		`"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws-us-gov:s3:::ledger-archive/tmp/a b.txt"}],` +
		`"tls_details":{"tlsVersion":"TLSv1.2"},"session_credential_from_console":"true"},` +
		`"extra":{"edgeDeviceDetails":null,"inScopeOf":{"sourceArn":"arn:aws:x"}}}`
)

// schemaMutate applies edits to a copy of the full access-log example: each
// key is a dotted path ("request.uri"); a nil value deletes the key, the
// schemaNull sentinel writes a JSON null.
func schemaMutate(t *testing.T, base string, edits map[string]any) []byte {
	t.Helper()
	var rec map[string]any
	if err := json.Unmarshal([]byte(base), &rec); err != nil {
		t.Fatalf("bad base example: %v", err)
	}
	for path, v := range edits {
		parts := strings.Split(path, ".")
		m := rec
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		last := parts[len(parts)-1]
		switch v {
		case nil:
			delete(m, last)
		case schemaNull:
			m[last] = nil
		default:
			m[last] = v
		}
	}
	out, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type schemaNullType struct{}

var schemaNull = schemaNullType{}

func TestSchemaCompiles(t *testing.T) {
	if _, err := compiledUnifiedSchema(); err != nil {
		t.Fatal(err)
	}
	var s struct {
		ID     string `json:"$id"`
		Schema string `json:"$schema"`
	}
	if err := json.Unmarshal(schema.JSON, &s); err != nil {
		t.Fatal(err)
	}
	if s.ID != unifiedSchemaID || s.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$id/$schema = %q, %q", s.ID, s.Schema)
	}
}

// TestSchemaKeyOrderMatchesSchema keeps unifiedKeyOrder and the schema's
// property lists naming the same keys.
func TestSchemaKeyOrderMatchesSchema(t *testing.T) {
	type props struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	var top props
	if err := json.Unmarshal(schema.JSON, &top); err != nil {
		t.Fatal(err)
	}
	for obj, order := range unifiedKeyOrder {
		p := top
		if obj != "" {
			p = props{}
			if err := json.Unmarshal(top.Properties[obj], &p); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		for k := range p.Properties {
			names = append(names, k)
		}
		slices.Sort(names)
		want := slices.Sorted(slices.Values(order))
		if !slices.Equal(names, want) {
			t.Errorf("%s: schema has %v, key order list has %v", objName(obj), names, want)
		}
	}
}

func TestSchemaAcceptsExamples(t *testing.T) {
	cases := map[string]string{
		"minimal s3_access":  `{"schema_version":1,"source":"s3_access"}`,
		"minimal cloudtrail": `{"schema_version":1,"source":"cloudtrail"}`,
		"full s3_access":     schemaExampleS3Full,
		"full cloudtrail":    schemaExampleCTFull,
		"anonymous lifecycle": `{"schema_version":1,"source":"s3_access","time":"2019-02-06T00:00:38Z",` +
			`"operation":"S3.EXPIRE.OBJECT","service":"s3.amazonaws.com","read_only":false,"outcome":"success",` +
			`"http_status":204,"region":"cn-north-1","region_source":"config",` +
			`"principal":{"type":"Anonymous","authenticated":false}}`,
		"service principal": `{"schema_version":1,"source":"s3_access","region":"il-central-1","region_source":"record",` +
			`"principal":{"type":"AWSService","service":"delivery.logs.amazonaws.com","authenticated":true}}`,
		"console flag as boolean": `{"schema_version":1,"source":"cloudtrail",` +
			`"cloudtrail":{"session_credential_from_console":true,"request_parameters":"odd but copied"}}`,
		"unicode key and dash inside a value": `{"schema_version":1,"source":"s3_access",` +
			`"object":{"key":"résumé - 2024/-/\u00e9"},"client":{"user_agent":"-x-"}}`,
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			validateUnified(t, []byte(doc))
		})
	}
	for _, doc := range []string{schemaExampleS3Full, schemaExampleCTFull} {
		if err := unifiedKeyOrderErr([]byte(doc)); err != nil {
			t.Errorf("full example out of contract order: %v", err)
		}
	}
}

func TestSchemaRejects(t *testing.T) {
	mut := func(edits map[string]any) func(t *testing.T) []byte {
		return func(t *testing.T) []byte { return schemaMutate(t, schemaExampleS3Full, edits) }
	}
	mutCT := func(edits map[string]any) func(t *testing.T) []byte {
		return func(t *testing.T) []byte { return schemaMutate(t, schemaExampleCTFull, edits) }
	}
	lit := func(s string) func(t *testing.T) []byte {
		return func(*testing.T) []byte { return []byte(s) }
	}
	cases := map[string]func(t *testing.T) []byte{
		"null top-level value":       mut(map[string]any{"error_code": schemaNull}),
		"null nested value":          mut(map[string]any{"principal.arn": schemaNull}),
		"null object":                mut(map[string]any{"bucket": schemaNull}),
		"dash string":                mut(map[string]any{"error_code": "-"}),
		"dash nested string":         mut(map[string]any{"request.referrer": "-"}),
		"dash alert":                 mut(map[string]any{"alerts": []any{"-"}}),
		"correlation_id upper case":  mut(map[string]any{"correlation_id": "0123456789ABCDEF0123456789ABCDEF"}),
		"correlation_id too short":   mut(map[string]any{"correlation_id": "0123456789abcdef"}),
		"correlation_id empty":       mut(map[string]any{"correlation_id": ""}),
		"empty string":               mut(map[string]any{"action": ""}),
		"empty nested string":        mut(map[string]any{"object.version_id": ""}),
		"unknown top-level key":      mut(map[string]any{"bucket_name": "ledger-archive"}),
		"unknown nested key":         mut(map[string]any{"request.user_agent": "curl/8"}),
		"http_status as string":      mut(map[string]any{"http_status": "403"}),
		"http_status fractional":     mut(map[string]any{"http_status": 403.5}),
		"http_status too small":      mut(map[string]any{"http_status": 99}),
		"http_status too large":      mut(map[string]any{"http_status": 600}),
		"time without Z":             mut(map[string]any{"time": "2023-11-02T17:45:09+00:00"}),
		"time with space":            mut(map[string]any{"time": "2023-11-02 17:45:09Z"}),
		"time access-log form":       mut(map[string]any{"time": "02/Nov/2023:17:45:09 +0000"}),
		"time impossible month":      mut(map[string]any{"time": "2023-13-02T17:45:09Z"}),
		"empty bucket object":        mut(map[string]any{"bucket": map[string]any{}}),
		"empty request object":       mut(map[string]any{"request": map[string]any{}}),
		"empty extra":                mut(map[string]any{"extra": map[string]any{}}),
		"empty alerts":               mut(map[string]any{"alerts": []any{}}),
		"region dualstack":           mut(map[string]any{"region": "dualstack"}),
		"region account id":          mut(map[string]any{"region": "123456789012"}),
		"region upper case":          mut(map[string]any{"region": "US-EAST-1"}),
		"region without source":      mut(map[string]any{"region_source": nil}),
		"region_source without":      mut(map[string]any{"region": nil}),
		"region_source unknown":      mut(map[string]any{"region_source": "guess"}),
		"schema_version 2":           mut(map[string]any{"schema_version": 2}),
		"schema_version string":      mut(map[string]any{"schema_version": "1"}),
		"schema_version missing":     mut(map[string]any{"schema_version": nil}),
		"source missing":             mut(map[string]any{"source": nil}),
		"source unknown":             mut(map[string]any{"source": "s3"}),
		"outcome unknown":            mut(map[string]any{"outcome": "ok"}),
		"read_only as string":        mut(map[string]any{"read_only": "false"}),
		"principal type unknown":     mut(map[string]any{"principal.type": "Service"}),
		"authenticated as string":    mut(map[string]any{"principal.authenticated": "true"}),
		"acl_required as Yes":        mut(map[string]any{"request.acl_required": "Yes"}),
		"negative size":              mut(map[string]any{"object.size": -1}),
		"bytes_sent as string":       mut(map[string]any{"request.bytes_sent": "243"}),
		"cloudtrail on s3_access":    mut(map[string]any{"cloudtrail.event_id": "x"}),
		"management_event as string": mutCT(map[string]any{"cloudtrail.management_event": "false"}),
		"console flag as number":     mutCT(map[string]any{"cloudtrail.session_credential_from_console": 1}),
		"resources as object":        mutCT(map[string]any{"cloudtrail.resources": map[string]any{"ARN": "x"}}),
		"unknown cloudtrail key":     mutCT(map[string]any{"cloudtrail.eventName": "DeleteObject"}),
		"empty cloudtrail object":    mutCT(map[string]any{"cloudtrail": map[string]any{}}),
		"top level array":            lit(`[{"schema_version":1,"source":"s3_access"}]`),
		"not JSON":                   lit(`{"schema_version":1,"source":"s3_access"`),
		"trailing data":              lit(`{"schema_version":1,"source":"s3_access"}{}`),
		"duplicate key":              lit(`{"schema_version":1,"source":"s3_access","source":"cloudtrail"}`),
		"duplicate nested key":       lit(`{"schema_version":1,"source":"s3_access","bucket":{"name":"a","name":"b"}}`),
		"invalid UTF-8":              lit("{\"schema_version\":1,\"source\":\"s3_access\",\"raw\":\"\xff\"}"),
		"empty document":             lit(``),
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			doc := build(t)
			if err := validateUnifiedErr(doc); err == nil {
				t.Errorf("schema accepted a bad record: %s", doc)
			}
		})
	}
}

func TestSchemaKeyOrderCheck(t *testing.T) {
	bad := map[string]string{
		"top level": `{"source":"s3_access","schema_version":1}`,
		"nested":    `{"schema_version":1,"source":"s3_access","request":{"uri":"/","method":"GET"}}`,
	}
	for name, doc := range bad {
		if unifiedKeyOrderErr([]byte(doc)) == nil {
			t.Errorf("%s: out-of-order keys not reported", name)
		}
	}
}
