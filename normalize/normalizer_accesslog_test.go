package normalize

import (
	"fmt"
	"strings"
	"testing"
)

// line26 is detect_test.go's accessLine with a requester, request id and
// operation, and what follows the aclRequired field (field 27 on).
func line26(requester, requestID, operation, tail string) string {
	line := accessLine(map[int]string{5: requester, 6: requestID, 7: operation, 8: "img/a.png",
		9: `"GET /img/a.png HTTP/1.1"`, 23: "acme-media.s3.eu-central-1.amazonaws.com"})
	if tail != "" {
		line += " " + tail
	}
	return line
}

// TestAccessLogRequesterWithSpaces checks that the splitter finds where a
// requester ends by the request id and operation that follow it, so
// requesters with spaces keep the line's fields in place, and that words
// that do not have that shape are not taken for the requester's.
func TestAccessLogRequesterWithSpaces(t *testing.T) {
	const oai = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHEXAMPLE"
	tests := []struct {
		name, line string
		want       map[string]any // dotted path -> value; nil value: absent
		reject     string         // a substring of the reject reason
	}{
		{"OAI requester", line26(oai, "7K3M9P2Q4R6S8T0V", "REST.GET.OBJECT", ""), map[string]any{
			"principal.arn": oai, "request.id": "7K3M9P2Q4R6S8T0V", "operation": "REST.GET.OBJECT",
			"http_status": 200.0, "object.key": "img/a.png",
		}, ""},
		{"OAI requester, UUID request id, four-part operation",
			line26(oai, "0f8e2b6c-3d4a-4b1e-9c7d-2a5b8e1f4c3d", "S3.COMPUTE.OBJECT.CHECKSUM", ""), map[string]any{
				"principal.arn": oai, "request.id": "0f8e2b6c-3d4a-4b1e-9c7d-2a5b8e1f4c3d",
				"operation": "S3.COMPUTE.OBJECT.CHECKSUM", "action": nil, "read_only": true,
			}, ""},
		{"requester of two words, SOAP operation", line26("svc:some service", "ABCDEF0123456789", "SOAP.CreateBucket", ""), map[string]any{
			"principal.arn": nil, "request.id": "ABCDEF0123456789", "operation": "SOAP.CreateBucket",
		}, ""},
		{"one-word requester is not extended", line26("arn:aws:iam::111122223333:user/dave", "1111222233334444", "REST.GET.OBJECT", ""), map[string]any{
			"principal.user_name": "dave", "request.id": "1111222233334444",
		}, ""},
		{"anonymous requester", line26("-", "1111222233334444", "REST.GET.OBJECT", ""), map[string]any{
			"principal.type": "Anonymous", "operation": "REST.GET.OBJECT",
		}, ""},
		// With no operation-shaped word anywhere after it, the requester
		// stays one word and the line is rejected as before.
		{"no operation after the requester", line26("a b c", "rid", "not-an-operation", ""), nil, "HTTP status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := normalizeAll(New(DefaultOptions()), []byte(tt.line), SourceS3Access)
			if len(rs) != 1 {
				t.Fatalf("got %d outputs, want 1", len(rs))
			}
			if tt.reject != "" {
				if rs[0].err == nil || !strings.Contains(rs[0].err.Error(), tt.reject) {
					t.Fatalf("err = %v, want a reject mentioning %q", rs[0].err, tt.reject)
				}
				return
			}
			if rs[0].err != nil {
				t.Fatalf("rejected: %v", rs[0].err)
			}
			validateUnified(t, rs[0].json)
			m := decode(t, rs[0].json)
			for path, want := range tt.want {
				if got := get(m, path); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v\n%s", path, got, want, rs[0].json)
				}
			}
		})
	}
}

// TestAccessLogSourceRegion checks field 27: a region code is the
// request's source region, never the record's region; anything else is
// kept by position in extra.
func TestAccessLogSourceRegion(t *testing.T) {
	const id, op = "1111222233334444", "REST.GET.OBJECT"
	tests := []struct {
		name, tail string
		want       map[string]any
	}{
		{"26 fields", "", map[string]any{"request.source_region": nil, "extra": nil, "region": "eu-central-1"}},
		{"source region", "us-east-1", map[string]any{
			"request.source_region": "us-east-1", "region": "eu-central-1", "region_source": "host", "extra": nil,
		}},
		{"source region in GovCloud", "us-gov-west-1", map[string]any{"request.source_region": "us-gov-west-1"}},
		{"dash", "-", map[string]any{"request.source_region": nil, "extra": nil}},
		{"not a region code", "Yes", map[string]any{"request.source_region": nil, "extra.27": "Yes"}},
		{"source region and a later field", "ap-southeast-2 future", map[string]any{
			"request.source_region": "ap-southeast-2", "extra.27": nil, "extra.28": "future",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := normalizeAll(New(DefaultOptions()), []byte(line26("-", id, op, tt.tail)), SourceS3Access)
			if len(rs) != 1 || rs[0].err != nil {
				t.Fatalf("outputs %+v", rs)
			}
			validateUnified(t, rs[0].json)
			m := decode(t, rs[0].json)
			for path, want := range tt.want {
				if got := get(m, path); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v\n%s", path, got, want, rs[0].json)
				}
			}
		})
	}
}
