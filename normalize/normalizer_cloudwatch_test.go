package normalize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/normalize/detect"
	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
)

// flatten turns decoded JSON into dotted paths to leaf values.
func flatten(prefix string, v any, out map[string]any) {
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			flatten(prefix+k+".", x, out)
		}
		return
	}
	out[strings.TrimSuffix(prefix, ".")] = v
}

// TestCloudWatchAccessLogTwins pairs hand-written text lines with their
// CloudWatch Logs JSON twins (testdata/access_log_2026.log lines 1 and 2
// and cloudwatch_access_log.jsonl line 1, plus the twins below) and checks
// the records agree field by field, apart from what only one form
// carries: the JSON's milliseconds and its extra keys.
func TestCloudWatchAccessLogTwins(t *testing.T) {
	const owner = "3f9a6c1e5b7d2f4a8c0e6b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a"
	text, err := os.ReadFile("testdata/access_log_2026.log")
	if err != nil {
		t.Fatal(err)
	}
	cw, err := os.ReadFile("testdata/cloudwatch_access_log.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	textLines, cwLines := bytes.Split(text, []byte("\n")), bytes.Split(cw, []byte("\n"))
	twins := []struct{ name, text, json string }{
		{"OAI GetObject", string(textLines[0]), string(cwLines[0])},
		{"anonymous denied list, nulls", owner + ` acme-media [14/Mar/2026:09:30:00 +0000] 192.0.2.99 - 5B6C7D8E9F0A1B2C REST.GET.BUCKET - "GET /?list-type=2&prefix=private%2F HTTP/1.1" 403 AccessDenied 243 - 4 - "-" "python-requests/2.32.3" - Qq1Ww2Ee3Rr4Tt5Yy6= - TLS_AES_128_GCM_SHA256 - acme-media.s3.amazonaws.com TLSv1.3 - -`,
			string(cwLines[1])},
		{"presigned PutObject through an access point", owner + ` acme-media [14/Mar/2026:09:31:00 +0000] 203.0.113.7 arn:aws:sts::111122223333:assumed-role/Uploader/ci 6C7D8E9F0A1B2C3D REST.PUT.OBJECT uploads/build.tar.gz "PUT /uploads/build.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260314%2Feu-central-1%2Fs3%2Faws4_request&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef HTTP/1.1" 200 - - 2048 30 12 "-" "curl/8.5.0" 3HL4kqtJvjVBH40Nrjfkd Ww2Ee3Rr4Tt5Yy6Qq1= SigV4 TLS_AES_128_GCM_SHA256 QueryString acme-media.s3.eu-central-1.amazonaws.com TLSv1.3 arn:aws:s3:eu-central-1:111122223333:accesspoint/uploads Yes eu-central-1`,
			string(cwLines[2])},
	}
	for _, tt := range twins {
		t.Run(tt.name, func(t *testing.T) {
			opts := DefaultOptions()
			opts.Rules = mustRules(detect.DefaultConfig())
			var records [2]map[string]any
			for i, in := range []string{tt.text, tt.json} {
				rs := normalizeAll(New(opts), []byte(in), SourceAuto)
				if len(rs) != 1 || rs[0].err != nil {
					t.Fatalf("input %d: outputs %+v", i, rs)
				}
				validateUnified(t, rs[0].json)
				records[i] = map[string]any{}
				flatten("", decode(t, rs[0].json), records[i])
			}
			fromText, fromJSON := records[0], records[1]
			if got := fromJSON["source"]; got != "s3_access" {
				t.Errorf("JSON twin source = %v, want s3_access", got)
			}
			// Only the JSON carries milliseconds and its own keys.
			if tt, tj := fmt.Sprint(fromText["time"]), fmt.Sprint(fromJSON["time"]); tj[:19] != tt[:19] {
				t.Errorf("time %s vs %s", tt, tj)
			}
			delete(fromText, "time")
			delete(fromJSON, "time")
			for path := range fromJSON {
				if strings.HasPrefix(path, "extra.") {
					delete(fromJSON, path)
				}
			}
			for path, v := range fromText {
				if w, ok := fromJSON[path]; !ok || !reflect.DeepEqual(v, w) {
					t.Errorf("%s: text %v, JSON %v", path, v, w)
				}
			}
			for path, w := range fromJSON {
				if _, ok := fromText[path]; !ok {
					t.Errorf("%s: only the JSON has it (%v)", path, w)
				}
			}
		})
	}
}

// TestCloudWatchAccessLogForms checks the three ways the JSON form
// arrives (a line, a Fluent Bit record's JSON, a subscription message)
// give the same record, and what is rejected.
func TestCloudWatchAccessLogForms(t *testing.T) {
	const rec = `{"schema_version_id":"V_1_0","bucket_name":"b","request_time":"2026-03-14T09:26:53.123Z","requester":null,"request_id":"R1","operation":"REST.GET.OBJECT","key_name":"k","http_status":200,"host_header":"b.s3.eu-west-3.amazonaws.com"}`
	quoted, _ := json.Marshal(rec)
	sub := `{"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"g","logStream":"s","logEvents":[{"id":"1","timestamp":1,"message":` + string(quoted) + `}]}`
	pretty := "{\n  \"schema_version_id\": \"V_1_0\",\n  \"bucket_name\": \"b\",\n  \"request_time\": \"2026-03-14T09:26:53.123Z\",\n  \"requester\": null,\n  \"request_id\": \"R1\",\n  \"operation\": \"REST.GET.OBJECT\",\n  \"key_name\": \"k\",\n  \"http_status\": 200,\n  \"host_header\": \"b.s3.eu-west-3.amazonaws.com\"\n}"
	var want []byte
	for _, in := range []string{rec, sub, pretty} {
		for _, hint := range []Source{SourceAuto, SourceCloudTrail} {
			rs := normalizeAll(New(DefaultOptions()), []byte(in), hint)
			if len(rs) != 1 || rs[0].err != nil {
				t.Fatalf("%.40s (hint %v): outputs %+v", in, hint, rs)
			}
			if want == nil {
				want = rs[0].json
				m := decode(t, want)
				for path, v := range map[string]any{"source": "s3_access", "time": "2026-03-14T09:26:53.123Z",
					"action": "GetObject", "region": "eu-west-3", "principal.type": "Anonymous", "object.key": "k"} {
					if got := get(m, path); got != v {
						t.Errorf("%s = %v, want %v", path, got, v)
					}
				}
			} else if !bytes.Equal(rs[0].json, want) {
				t.Errorf("%.40s (hint %v):\n got %s\nwant %s", in, hint, rs[0].json, want)
			}
		}
	}

	rejects := []struct{ in, reason string }{
		{`{"schema_version_id":"V_1_0","request_id":"R","operation":"REST.GET.OBJECT","http_status":"200x"}`, "http_status"},
		{`{"schema_version_id":"V_1_0","request_id":"R","operation":"REST.GET.OBJECT","http_status":700}`, "not an HTTP status"},
		{`{"schema_version_id":"V_1_0","request_id":"R","operation":"REST.GET.OBJECT","bytes_sent_size":-1}`, "bytes_sent_size"},
		{`{"schema_version_id":"V_1_0","request_id":7,"operation":"REST.GET.OBJECT"}`, "request_id"},
		{`{"schema_version_id":"V_1_0","request_time":"yesterday"}`, "request_time"},
	}
	for _, tt := range rejects {
		rs := normalizeAll(New(DefaultOptions()), []byte(tt.in), SourceAuto)
		if len(rs) != 1 || rs[0].err == nil || !strings.Contains(rs[0].err.Error(), tt.reason) ||
			!strings.HasPrefix(rs[0].err.Error(), "s3_access: ") {
			t.Errorf("%s: outputs %+v, want an s3_access reject about %s", tt.in, rs, tt.reason)
		}
	}
}

// FuzzCloudWatchAccessLog holds the usual invariants for the CloudWatch
// JSON form, on its own and inside a subscription message.
func FuzzCloudWatchAccessLog(f *testing.F) {
	testinput.AddSeeds(f, "testdata/cloudwatch_access_log*.json*")
	f.Add([]byte(`{"schema_version_id":"V_1_0","bucket_arn":"arn:aws:s3:::b","request_uri":"GET /k?X-Amz-Signature=abc HTTP/1.1","http_status":200,"acl_required":true}`))
	opts := DefaultOptions()
	opts.IncludeRaw = true
	opts.Rules = mustRules(detect.DefaultConfig())
	n := New(opts)
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkOutputs(t, n, doc, SourceAuto)
		if quoted, err := json.Marshal(string(doc)); err == nil {
			sub := `{"messageType":"DATA_MESSAGE","logEvents":[{"message":` + string(quoted) + `}]}`
			checkOutputs(t, n, []byte(sub), SourceCloudTrail)
		}
	})
}
