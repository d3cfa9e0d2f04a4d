package redact

import (
	"strings"
	"testing"
)

// TestDecodeRound checks one decoding round and the map from decoded
// bytes back to the bytes that spell them.
func TestDecodeRound(t *testing.T) {
	src := `a%41\u00e9\uD83D\uDE00\"%zz\q\x3d%2541`
	text, recs := decodeRound(nil, nil, []byte(src))
	if want := "aAé😀\"%zz\\q=%41"; string(text) != want {
		t.Fatalf("decoded %q, want %q", text, want)
	}
	// Each decoded byte maps back to the whole unit that spells it.
	for _, c := range []struct {
		dec  string // a piece of the decoded text
		orig string // what spells it
	}{
		{"a", "a"}, {"A", "%41"}, {"é", `\u00e9`}, {"😀", `\uD83D\uDE00`}, {`"`, `\"`},
		{"%zz", "%zz"}, {`\q`, `\q`}, {"=", `\x3d`}, {"%41", "%2541"}, {"Aé", `%41\u00e9`},
	} {
		i := strings.Index(string(text), c.dec)
		start, end := mapStart(recs, i), mapEnd(recs, i+len(c.dec))
		if got := src[start:end]; got != c.orig {
			t.Errorf("%q maps back to %q, want %q", c.dec, got, c.orig)
		}
	}
	// A byte inside a multi-byte rune maps to the whole escape.
	i := strings.Index(string(text), "😀") + 1
	if got := src[mapStart(recs, i):mapEnd(recs, i+1)]; got != `\uD83D\uDE00` {
		t.Errorf("inside a rune: %q", got)
	}
	if text, recs := decodeRound(nil, nil, []byte("no escapes, 100% plain")); len(recs) != 0 || len(text) != 0 {
		t.Errorf("a fixed point should decode to nothing: %q %v", text, recs)
	}
}

// TestNeedsLevels: what takes the decoding path. Common percent-escapes
// (base64 padding in a signature, a "year=" key, an encoded URL) must not,
// every spelling that only decoding shows must.
func TestNeedsLevels(t *testing.T) {
	for _, s := range []string{
		"/a.mp3?Signature=E3ehd6nkXjNg7vr%2F4b3LtxCWads%3D&Expires=1",
		"logs/year%3D2024/month%3D01/part%200.parquet",
		"https://h/login?next=https%3A%2F%2Fb.example%2Fp",
		"q1/p%26l%202024.pdf", "100% sure", "%zz",
	} {
		if NeedsLevels([]byte(s)) {
			t.Errorf("NeedsLevels(%q) = true, want false", s)
		}
	}
	for _, s := range []string{
		"/k?X-Amz-Signature%3Dsig", "/k%3FX%2DAmz%2DSignature%3Dsig", "x%253D", "a%22b", "%7B", "%5B", "%5Cu003d",
		`"sessionToken"%3A"v"`, `"k" %20%3A`, `a\b`, "%3%44", "%%32%32",
	} {
		if !NeedsLevels([]byte(s)) {
			t.Errorf("NeedsLevels(%q) = false, want true", s)
		}
	}
}
