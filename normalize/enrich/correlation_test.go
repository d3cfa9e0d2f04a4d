package enrich

import (
	"crypto/sha256"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
)

// TestCorrelationIDVectors pins the algorithm: these values were computed
// outside Go and must never change within schema version 1.
func TestCorrelationIDVectors(t *testing.T) {
	cases := []struct{ id, host, want string }{
		{"9Q2W3E4R5T6Y7U8I", "AbCdEfGhIjKlMnOp=", testinput.ReadmeCorrelationID},
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

// TestReadmeDocumentsCorrelation keeps the README's statement of the
// algorithm and its example value in step with the code.
func TestReadmeDocumentsCorrelation(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{testinput.ReadmeCorrelationID, "SHA-256", `"correlation_id"`} {
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
