package accesslog

import (
	"testing"

	"github.com/awsaudit/awsaudit/normalize/lineindex"
)

func TestStartsLikeOperation(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"REST.GET.OBJECT rest of line", true}, {"S3.COMPUTE.OBJECT.CHECKSUM", true}, {"SOAP.CreateBucket", true},
		{"REST.", false}, {"REST", false}, {".GET", false}, {"Origin Access", false}, {"E2QWRUHEXAMPLE 7K3M", false},
		{"REST..GET", false}, {"", false}, {"- -", false},
	}
	for _, tt := range tests {
		if got := startsLikeOperation([]byte(tt.in)); got != tt.want {
			t.Errorf("startsLikeOperation(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// splitTest indexes and splits line, as parseAccessLog does.
func splitTest(line string, f *[maxAccessFields][]byte) (int, int, error) {
	var x lineindex.Index
	x.Build([]byte(line))
	return splitAccessLog([]byte(line), &x, f)
}

func TestSplitAccessLogQuotes(t *testing.T) {
	const head = `o b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - ID REST.GET.OBJECT k `
	tests := []struct {
		name             string
		tail             string
		uri, referer, ua string
	}{
		{"plain", `"GET /k HTTP/1.1" 200 - 1 1 1 1 "ref" "ua" -`, "GET /k HTTP/1.1", "ref", "ua"},
		{"quote in uri", `"GET /a" HTTP/1.1" 403 - 1 1 1 1 "ref" "ua" -`, `GET /a" HTTP/1.1`, "ref", "ua"},
		{"quote then space then word in uri", `"GET /a" b HTTP/1.1" - - 1 1 1 1 "-" "ua"`, `GET /a" b HTTP/1.1`, "-", "ua"},
		{"quotes in ua", `"GET /k HTTP/1.1" 200 - 1 1 1 1 "-" "a "b" c" - x`, "GET /k HTTP/1.1", "-", `a "b" c`},
		{"ua starting with quote", `"GET /k HTTP/1.1" 200 - 1 1 1 1 "-" ""Mozilla" -`, "GET /k HTTP/1.1", "-", `"Mozilla`},
		{"empty referer", `"GET /k HTTP/1.1" 200 - 1 1 1 1 "" "ua"`, "GET /k HTTP/1.1", "", "ua"},
		{"quotes in referer", `"GET /k HTTP/1.1" 200 - 1 1 1 1 "a"b"c" "ua"`, "GET /k HTTP/1.1", `a"b"c`, "ua"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f [maxAccessFields][]byte
			n, _, err := splitTest(head+tt.tail, &f)
			if err != nil {
				t.Fatal(err)
			}
			if n < fieldUserAgent {
				t.Fatalf("%d fields", n)
			}
			got := []string{string(f[fieldRequestURI-1]), string(f[fieldReferrer-1]), string(f[fieldUserAgent-1])}
			want := []string{tt.uri, tt.referer, tt.ua}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("field %d = %q, want %q", []int{9, 16, 17}[i], got[i], want[i])
				}
			}
		})
	}
}
