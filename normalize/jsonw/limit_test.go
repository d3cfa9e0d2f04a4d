package jsonw

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestAppendStringLimit(t *testing.T) {
	tests := []struct {
		in      string
		limit   int
		want    string
		wantCut bool
	}{
		{"hello", 10, `"hello"`, false},
		{"hello", 5, `"hello"`, false},
		{"hello", 3, `"hel"`, true},
		{"ab\ncd", 3, `"ab"`, true}, // the escape does not fit whole
		{"ab\ncd", 4, `"ab\n"`, true},
		{"é✓", 3, `"é"`, true}, // never half a character
		{"\xff", 5, `""`, true},
		{"\xff", 6, `"\ufffd"`, false},
		{"", 0, `""`, false},
		{"x", 0, `""`, true},
		{"plain ascii text longer than eight bytes", 20, `"plain ascii text lon"`, true},
		{"12345678\"12345678", 9, `"12345678"`, true},
		{"12345678\"12345678", 10, `"12345678\""`, true},
		{"line\u2028sep", 9, `"line"`, true},
		{"line\u2028sep", 10, `"line\u2028"`, true},
		{"\x01", 6, `"\u0001"`, false},
		{"truncated \xe2\x82", 16, `"truncated \ufffd"`, true},
	}
	for _, tt := range tests {
		got, cut := AppendStringLimit([]byte("x"), []byte(tt.in), tt.limit)
		if string(got[1:]) != tt.want || cut != tt.wantCut {
			t.Errorf("AppendStringLimit(%q, %d) = %s, %v; want %s, %v", tt.in, tt.limit, got[1:], cut, tt.want, tt.wantCut)
		}
		if !json.Valid(got[1:]) || !utf8.Valid(got) {
			t.Errorf("not a JSON string: %s", got[1:])
		}
	}
}

// TestAppendStringLimitIsAppendString: the output is AppendString of the
// longest prefix of whole characters whose escaping fits the limit.
func TestAppendStringLimitIsAppendString(t *testing.T) {
	in := []byte("plain, \"quoted\"\t\x01 é✓𝄞 \xff\xe2\x82 \u2028 and plain ascii again, long enough")
	cuts := []int{0}
	for i := 0; i < len(in); {
		_, size := utf8.DecodeRune(in[i:])
		i += size
		cuts = append(cuts, i)
	}
	full := AppendString(nil, in)
	for limit := 0; limit <= len(full); limit++ {
		var want []byte
		var wantCut bool
		for _, i := range cuts {
			if p := AppendString(nil, in[:i]); len(p)-2 <= limit {
				want, wantCut = p, i < len(in)
			}
		}
		got, cut := AppendStringLimit(nil, in, limit)
		if !bytes.Equal(got, want) || cut != wantCut {
			t.Fatalf("limit %d: %s, %v; want %s, %v", limit, got, cut, want, wantCut)
		}
	}
}
