package normalize

import (
	"crypto/sha256"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
)

// The README's example request, seen through both sources.
const (
	readmeAccessLogLine = `7e1c5f0d9a2b4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e acme-reports [03/Mar/2025:14:05:09 +0000] 203.0.113.7 ` +
		`arn:aws:sts::111122223333:assumed-role/DataReader/carol@example.com 9Q2W3E4R5T6Y7U8I REST.GET.OBJECT q1/summary%202025.csv ` +
		`"GET /q1/summary%202025.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20250303%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Signature=6f1e0c... HTTP/1.1" ` +
		`200 - 5120 5120 42 17 "-" "aws-cli/2.15.0" - AbCdEfGhIjKlMnOp= SigV4 ECDHE-RSA-AES128-GCM-SHA256 QueryString ` +
		`acme-reports.s3.eu-west-1.amazonaws.com TLSv1.3 - - eu-west-1`

	readmeCloudTrailEvent = `{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEID:carol@example.com",` +
		`"arn":"arn:aws:sts::111122223333:assumed-role/DataReader/carol@example.com","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE",` +
		`"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEID","arn":"arn:aws:iam::111122223333:role/DataReader",` +
		`"accountId":"111122223333","userName":"DataReader"},"attributes":{"creationDate":"2025-03-03T14:00:00Z","mfaAuthenticated":"true"}}},` +
		`"eventTime":"2025-03-03T14:05:09Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1",` +
		`"sourceIPAddress":"203.0.113.7","userAgent":"[aws-cli/2.15.0]","requestParameters":{"bucketName":"acme-reports",` +
		`"Host":"acme-reports.s3.eu-west-1.amazonaws.com","key":"q1/summary 2025.csv"},"responseElements":null,` +
		`"additionalEventData":{"SignatureVersion":"SigV4","AuthenticationMethod":"QueryString","x-amz-id-2":"AbCdEfGhIjKlMnOp=",` +
		`"bytesTransferredOut":5120},"requestID":"9Q2W3E4R5T6Y7U8I","eventID":"6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d","readOnly":true,` +
		`"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"111122223333","eventCategory":"Data"}`

	// readmeCorrelationID is SHA-256("9Q2W3E4R5T6Y7U8I\nAbCdEfGhIjKlMnOp=")
	// cut to 16 bytes, computed independently (Python hashlib).
	readmeCorrelationID = "39a1789bab73ac70661f05c098d4b7e5"
)

// TestCorrelationIDVectors pins the algorithm: these values were computed
// outside Go and must never change within schema version 1.
func TestCorrelationIDVectors(t *testing.T) {
	cases := []struct{ id, host, want string }{
		{"9Q2W3E4R5T6Y7U8I", "AbCdEfGhIjKlMnOp=", readmeCorrelationID},
		{"9Q2W3E4R5T6Y7U8I", "", "2fa24f227cad7768b698e0537d6c2563"},
		{"7KQ2M9XW4TB1RZ8P", "z7hBUKIKRZTptgh28R2SI1vp4t4GT2muHSNeA1Q3k7Yz/1a6e5WPkjk3UPVBR++hktZi/fdJHjBj=", "47c6146a73a09c5e1c3205ad296efab6"},
		{strings.Repeat("x", 300), strings.Repeat("y", 10), "f29f37bc268f55f7d2157e634100ed14"}, // past the stack buffer
		{"", "AbCdEfGhIjKlMnOp=", ""},
	}
	for _, c := range cases {
		if got := string(AppendCorrelationID(nil, []byte(c.id), []byte(c.host))); got != c.want {
			t.Errorf("AppendCorrelationID(%.20q, %.20q) = %q, want %q", c.id, c.host, got, c.want)
		}
	}
}

// TestCorrelationTwins: an access-log record and its CloudTrail twin carry
// the same correlation_id; records of other requests do not.
func TestCorrelationTwins(t *testing.T) {
	n := New(DefaultOptions())
	id := func(doc string) any {
		t.Helper()
		rs := normalizeAll(n, []byte(doc), SourceAuto)
		if len(rs) != 1 || rs[0].err != nil {
			t.Fatalf("%+v", rs)
		}
		return get(decode(t, rs[0].json), "correlation_id")
	}
	if a, c := id(readmeAccessLogLine), id(readmeCloudTrailEvent); a != readmeCorrelationID || c != readmeCorrelationID {
		t.Errorf("README pair: access log %v, CloudTrail %v, want %s", a, c, readmeCorrelationID)
	}
	if a, c := id(testinput.AccessLogLine), id(testinput.CloudTrailEvent); a == nil || a != c {
		t.Errorf("benchmark pair: access log %v, CloudTrail %v", a, c)
	}
	if a, b := id(testinput.AccessLogLine), id(readmeAccessLogLine); a == b {
		t.Error("two requests share a correlation_id")
	}
	// No request id, no correlation_id.
	if c := id(`{"eventVersion":"1.09","eventName":"ListBuckets"}`); c != nil {
		t.Errorf("record without a request id has correlation_id %v", c)
	}
	// A CloudTrail record without x-amz-id-2 hashes an empty host id.
	if c := id(`{"eventVersion":"1.09","eventName":"StopLogging","requestID":"9Q2W3E4R5T6Y7U8I"}`); c != "2fa24f227cad7768b698e0537d6c2563" {
		t.Errorf("no host id: %v", c)
	}
}

// TestReadmeDocumentsCorrelation keeps the README's statement of the
// algorithm and its example value in step with the code.
func TestReadmeDocumentsCorrelation(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{readmeCorrelationID, "SHA-256", `"correlation_id"`} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md does not mention %q", want)
		}
	}
}

func BenchmarkCorrelationID(b *testing.B) {
	id, host := []byte("7KQ2M9XW4TB1RZ8P"), []byte("z7hBUKIKRZTptgh28R2SI1vp4t4GT2muHSNeA1Q3k7Yz/1a6e5WPkjk3UPVBR++hktZi/fdJHjBj=")
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendCorrelationID(dst[:0], id, host)
	}
}

// TestSum256 holds sum256 (one buffer up to 256 bytes, incremental
// beyond) to crypto/sha256 over the joined input, for every size around
// the boundaries.
func TestSum256(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for size := 1; size <= 300; size++ {
		for trial := 0; trial < 4; trial++ {
			buf := make([]byte, size)
			for i := range buf {
				buf[i] = byte(rng.IntN(256))
			}
			cut := rng.IntN(size)
			id, host := buf[:cut+1], buf[cut+1:]
			want := sha256.Sum256(append(append(append([]byte{}, id...), '\n'), host...))
			if s := sum256(id, host); s != want {
				t.Fatalf("sum256: got %x, want %x", s, want)
			}
		}
	}

}
