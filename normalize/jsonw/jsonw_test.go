package jsonw

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"unicode/utf8"
)

func TestAppendString(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", `""`},
		{"plain ascii text longer than eight bytes", `"plain ascii text longer than eight bytes"`},
		{`quote " and backslash \`, `"quote \" and backslash \\"`},
		{"tab\tnewline\ncr\r", `"tab\tnewline\ncr\r"`},
		{"\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"café ✓", `"café ✓"`},
		{"bad \xff byte", `"bad \ufffd byte"`},
		{"truncated \xe2\x82", `"truncated \ufffd\ufffd"`},
		{"line\u2028sep\u2029", `"line\u2028sep\u2029"`},
		{"12345678\"12345678", `"12345678\"12345678"`},
	}
	for _, tt := range tests {
		got := string(AppendString(nil, []byte(tt.in)))
		if got != tt.want {
			t.Errorf("AppendString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if !utf8.ValidString(got) || !json.Valid([]byte(got)) {
			t.Errorf("AppendString(%q) is not valid UTF-8 JSON: %s", tt.in, got)
		}
	}
}

func TestAppendInt(t *testing.T) {
	for _, v := range []int64{0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 482133, 1e11 - 1, 1e11, 1e12 - 1, 1e12, -1, math.MaxInt64, math.MinInt64} {
		if got, want := string(AppendInt([]byte("x"), v)), "x"+strconv.FormatInt(v, 10); got != want {
			t.Errorf("AppendInt(%d) = %q, want %q", v, got, want)
		}
	}
	for v := int64(0); v < 100000; v += 7 {
		if got, want := string(AppendInt(nil, v)), strconv.FormatInt(v, 10); got != want {
			t.Fatalf("AppendInt(%d) = %q, want %q", v, got, want)
		}
	}
}

// TestFieldWriters checks that absent values write nothing and that an
// object with no field written disappears, comma and all.
func TestFieldWriters(t *testing.T) {
	write := func(f func(b []byte) []byte) string {
		b := append([]byte(nil), `{"a":1`...)
		return string(append(f(b), '}'))
	}
	tests := []struct {
		name string
		f    func(b []byte) []byte
		want string
	}{
		{"const", func(b []byte) []byte { return ConstField(b, `,"k":`, "v") }, `{"a":1,"k":"v"}`},
		{"const empty", func(b []byte) []byte { return ConstField(b, `,"k":`, "") }, `{"a":1}`},
		{"string escaped", func(b []byte) []byte { return StringField(b, `,"k":`, []byte("a\"b")) }, `{"a":1,"k":"a\"b"}`},
		{"string dash", func(b []byte) []byte { return StringField(b, `,"k":`, []byte("-")) }, `{"a":1}`},
		{"string empty", func(b []byte) []byte { return StringField(b, `,"k":`, nil) }, `{"a":1}`},
		{"bool true", func(b []byte) []byte { return BoolField(b, `,"k":`, BoolOf(true)) }, `{"a":1,"k":true}`},
		{"bool false", func(b []byte) []byte { return BoolField(b, `,"k":`, BoolOf(false)) }, `{"a":1,"k":false}`},
		{"bool unset", func(b []byte) []byte { return BoolField(b, `,"k":`, BoolUnset) }, `{"a":1}`},
		{"int", func(b []byte) []byte { return IntField(b, `,"k":`, IntOf(0)) }, `{"a":1,"k":0}`},
		{"int absent", func(b []byte) []byte { return IntField(b, `,"k":`, Int{}) }, `{"a":1}`},
		{"object", func(b []byte) []byte {
			b, m := OpenObj(b, `,"o":`)
			b = ConstField(b, `,"x":`, "1")
			b = IntField(b, `,"y":`, IntOf(2))
			return CloseObj(b, m)
		}, `{"a":1,"o":{"x":"1","y":2}}`},
		{"empty object", func(b []byte) []byte {
			b, m := OpenObj(b, `,"o":`)
			b = ConstField(b, `,"x":`, "")
			return CloseObj(b, m)
		}, `{"a":1}`},
	}
	for _, tt := range tests {
		if got := write(tt.f); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}
