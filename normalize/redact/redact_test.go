package redact

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
	"github.com/awsaudit/awsaudit/normalize/lineindex"
)

func TestAppendRedacted(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"no query", "/bucket/key", "/bucket/key"},
		{"sigv4 all three", "/k?X-Amz-Credential=AKIA%2F1&X-Amz-Date=1&X-Amz-Security-Token=tok&X-Amz-Signature=abc",
			"/k?X-Amz-Credential=REDACTED&X-Amz-Date=1&X-Amz-Security-Token=REDACTED&X-Amz-Signature=REDACTED"},
		{"sigv2", "/k?Signature=abc%3D&Expires=1&AWSAccessKeyId=AKIA", "/k?Signature=REDACTED&Expires=1&AWSAccessKeyId=REDACTED"},
		{"mixed case", "/k?x-AMZ-signature=abc&X-AMZ-SECURITY-TOKEN=t", "/k?x-AMZ-signature=REDACTED&X-AMZ-SECURITY-TOKEN=REDACTED"},
		{"percent-encoded name", "/k?X%2DAmz%2DSignature=abc&x%2damz%2dcredential=c", "/k?X%2DAmz%2DSignature=REDACTED&x%2damz%2dcredential=REDACTED"},
		{"lower-case token", "/k?x-amz-security-token=t", "/k?x-amz-security-token=REDACTED"},
		{"empty value stays empty", "/k?X-Amz-Signature=&a=1", "/k?X-Amz-Signature=&a=1"},
		{"similar names untouched", "/k?X-Amz-SignedHeaders=host&MySignature=1&Signatures=2", "/k?X-Amz-SignedHeaders=host&MySignature=1&Signatures=2"},
		{"bare query string", "X-Amz-Signature=abc&b=2", "X-Amz-Signature=REDACTED&b=2"},
		{"url inside text ends at space", `GET /k?Signature=abc HTTP/1.1`, `GET /k?Signature=REDACTED HTTP/1.1`},
		{"url inside quotes", `"https://h/p?X-Amz-Signature=abc" "UA"`, `"https://h/p?X-Amz-Signature=REDACTED" "UA"`},
		{"fragment ends value", "/k?Signature=abc#frag", "/k?Signature=REDACTED#frag"},
		{"two urls", "a?Signature=1 b?Signature=2", "a?Signature=REDACTED b?Signature=REDACTED"},
		{"semicolon separator", "/k?a=1;Signature=2", "/k?a=1;Signature=REDACTED"},
		{"trailing separator", "/k?a=1&", "/k?a=1&"},
		{"json session token", `{"sessionToken": "FwoG/abc\"def","expiration":"x"}`, `{"sessionToken": "REDACTED","expiration":"x"}`},
		{"json secret key any case", `{"SecretAccessKey":"wJalr"}`, `{"SecretAccessKey":"REDACTED"}`},
		{"json nested in a string", `{"message":"{\"sessionToken\":\"abc\",\"a\":1}"}`, `{"message":"{\"sessionToken\":\"REDACTED\",\"a\":1}"}`},
		{"json non-string value kept", `{"sessionToken":null,"accessKeyId":"AKIA"}`, `{"sessionToken":null,"accessKeyId":"AKIA"}`},
		{"json and query together", `{"u":"/k?Signature=s1","sessionToken":"t1"}`, `{"u":"/k?Signature=REDACTED","sessionToken":"REDACTED"}`},
		// Spellings only decoding shows (issue 11).
		{"encoded separators", "/k?X-Amz-Signature%3Dsig1%26X-Amz-Credential%3DAKIA%2F20250101%2Fus-east-1&b=2",
			"/k?X-Amz-Signature%3DREDACTED%26X-Amz-Credential%3DREDACTED&b=2"},
		{"presigned url nested in a referer", "https://app.example/login?next=https%3A%2F%2Fbkt.s3.amazonaws.com%2Fk%3FX-Amz-Security-Token%3Dtok1%26X-Amz-Date%3D1",
			"https://app.example/login?next=https%3A%2F%2Fbkt.s3.amazonaws.com%2Fk%3FX-Amz-Security-Token%3DREDACTED%26X-Amz-Date%3D1"},
		{"double encoding", "/k%3FX-Amz-Signature%253Dsig2%2526a%253D1", "/k%3FX-Amz-Signature%253DREDACTED%2526a%253D1"},
		{"triple encoding", "next%253FSignature%25253Dsig3", "next%253FSignature%25253DREDACTED"},
		{"encoded name", "/k?X%252DAmz%252DSignature=sig4", "/k?X%252DAmz%252DSignature=REDACTED"},
		{"encoded value separator kept whole", "/k?Signature=ab%26cd&e=1", "/k?Signature=REDACTED&e=1"},
		{"name after a space", "agent/1.0 X-Amz-Security-Token=tok5 other", "agent/1.0 X-Amz-Security-Token=REDACTED other"},
		{"name after a quote", `bad field "X-Amz-Signature=sig6" is not a number`, `bad field "X-Amz-Signature=REDACTED" is not a number`},
		{"name after a comma", "a,Signature=sig7,b", "a,Signature=REDACTED,b"},
		{"name at the start", "Signature=sig8", "Signature=REDACTED"},
		{"authorization header", "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abcd1234",
			"AWS4-HMAC-SHA256 Credential=REDACTED, SignedHeaders=host, Signature=REDACTED"},
		{"json-escaped key", `{"session\u0054oken":"tok9","a":1}`, `{"session\u0054oken":"REDACTED","a":1}`},
		{"json-escaped separator", `{"u":"/k?X-Amz-Signature\u003dsig10\u0026a=1"}`, `{"u":"/k?X-Amz-Signature\u003dREDACTED\u0026a=1"}`},
		{"json-escaped slashes", `{"u":"https:\/\/h\/k?X-Amz-Signature=sig11"}`, `{"u":"https:\/\/h\/k?X-Amz-Signature=REDACTED"}`},
		{"percent-encoded backslash escape", "/k?X-Amz-Signature%5Cu003dsig12", "/k?X-Amz-Signature%5Cu003dREDACTED"},
		{"credential object", `{"sessionToken":{"value":"tok13","n":1},"b":2}`, `{"sessionToken":"REDACTED","b":2}`},
		{"credential array", `{"secretAccessKey":["k14a","k14b"],"b":2}`, `{"secretAccessKey":"REDACTED","b":2}`},
		{"credential number", `{"sessionToken": 1415926535, "b":2}`, `{"sessionToken": "REDACTED", "b":2}`},
		{"credential true", `{"sessionToken":true}`, `{"sessionToken":"REDACTED"}`},
		{"empty credential kept", `{"sessionToken":"","b":{}}`, `{"sessionToken":"","b":{}}`},
		{"credential object in a json string", `{"m":"{\"sessionToken\":{\"v\":\"tok15\"}}"}`, `{"m":"{\"sessionToken\":\"REDACTED\"}"}`},
		{"percent-encoded json", "/k?q=%7B%22sessionToken%22%3A%22tok16%22%7D", "/k?q=%7B%22sessionToken%22%3A%22REDACTED%22%7D"},
		{"percent-encoded json object", "/k?q=%7B%22sessionToken%22%3A%7B%22v%22%3A1%7D%7D", "/k?q=%7B%22sessionToken%22%3A%22REDACTED%22%7D"},
		{"broken json with an escaped key", `{"session\u0054oken":"tok17", broken`, `{"session\u0054oken":"REDACTED", broken`},
		{"encoded blanks around a colon", `/k?q={"sessionToken"%20:%20"tok18"}`, `/k?q={"sessionToken"%20:%20"REDACTED"}`},
		{"query-style json key", "/k?sessionToken=tok19", "/k?sessionToken=REDACTED"},
		{"c-style escape", `UA X-Amz-Signature\x3dsig20`, `UA X-Amz-Signature\x3dREDACTED`},
		{"escape formed by decoding", "/k?X-Amz-Signature%3%44sig21&a=%%32%32", "/k?X-Amz-Signature%3%44REDACTED&a=%%32%32"},
		{"quote formed by decoding", "/k?q=%%37B%%322sessionToken%%322:%%322tok22%%322%%37D", "/k?q=%%37B%%322sessionToken%%322:%%322REDACTED%%322%%37D"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(Append(nil, []byte(tt.in))); got != tt.want {
				t.Errorf("Append(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsSecretKey(t *testing.T) {
	for _, k := range []string{"sessionToken", "SessionToken", "secretAccessKey", "X-Amz-Signature", "x-amz-security-token", "AWSAccessKeyId"} {
		if !IsSecretKey([]byte(k)) {
			t.Errorf("IsSecretKey(%q) = false", k)
		}
	}
	for _, k := range []string{"accessKeyId", "token", "expiration", "X-Amz-Date", strings.Repeat("a", 100)} {
		if IsSecretKey([]byte(k)) {
			t.Errorf("IsSecretKey(%q) = true", k)
		}
	}
}

// TestIsSecretKeyForms checks IsSecretKey and secretName against the
// plain definition (decode to a fixed point, lower-case, compare; for a
// parameter, what follows the last separator) over every secret name in
// random case with random letters encoded up to three times, percent or
// JSON style, behind a prefix, and near misses.
func TestIsSecretKeyForms(t *testing.T) {
	unescape := regexp.MustCompile(`%[0-9a-fA-F]{2}|\\u00[0-7][0-9a-fA-F]|\\x[0-7][0-9a-fA-F]`)
	naive := func(name string, param bool) bool {
		for {
			dec := unescape.ReplaceAllStringFunc(name, func(e string) string {
				v, _ := strconv.ParseUint(e[len(e)-2:], 16, 8)
				return string(rune(v))
			})
			if dec == name {
				break
			}
			name = dec
		}
		name = strings.ToLower(name)
		if param {
			name = name[strings.LastIndexFunc(name, func(r rune) bool {
				return !strings.ContainsRune("abcdefghijklmnopqrstuvwxyz0123456789-_.~%", r)
			})+1:]
		}
		return slices.Contains(SecretNames, name)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 20000; trial++ {
		base := []byte(SecretNames[rng.IntN(len(SecretNames))])
		switch rng.IntN(4) {
		case 0:
			base[rng.IntN(len(base))] ^= 1 // a near miss
		case 1:
			base = base[:len(base)-1]
		}
		var name strings.Builder
		if rng.IntN(4) == 0 {
			name.WriteString([]string{"a%26", "x%3F", "b%20", "q-", "%2541"}[rng.IntN(5)])
		}
		for _, c := range base {
			if rng.IntN(2) == 0 && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			name.WriteString(testinput.EncodeTimes(string(c), rng.IntN(8)/5*(1+rng.IntN(3)), rng.IntN(3) == 0))
		}
		s := name.String()
		if len(s) > nameWindow {
			continue
		}
		if got, want := IsSecretKey([]byte(s)), naive(s, false); got != want {
			t.Fatalf("IsSecretKey(%q) = %v, want %v", s, got, want)
		}
		if got, want := secretName([]byte(s), true), naive(s, true); got != want {
			t.Fatalf("secretName(%q, true) = %v, want %v", s, got, want)
		}
	}
}

// FuzzIndexMayHoldSecret: the indexed prefilters are supersets of the
// scans they stand in for, so skipping redaction on their word is safe.
func FuzzIndexMayHoldSecret(f *testing.F) {
	f.Add([]byte(`x "{\"sessionToken\" :\"abc\"}" "a" "sessionToken"\t: "v"`))
	f.Add([]byte(`"GET /k?X-Amz-Credential=AKIA%2F&X-Amz-Signature=abc HTTP/1.1" 200`))
	f.Add([]byte("a\\u0053ignature=1 %5C"))
	f.Fuzz(func(t *testing.T, line []byte) {
		var x lineindex.Index
		x.Build(line)
		if !IndexMayHoldSecret(&x, line) && HasSecret(line, false) {
			t.Fatalf("IndexMayHoldSecret(%q) = false, but it holds a secret", line)
		}
		if !IndexNeedsLevels(&x, line) && NeedsLevels(line) {
			t.Fatalf("IndexNeedsLevels(%q) = false, NeedsLevels true", line)
		}
	})
}
