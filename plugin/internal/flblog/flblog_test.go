package flblog

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		msg  string
		max  int
		want []string
	}{
		{"short", 10, []string{"short"}},
		{"", 10, []string{""}},
		{"aaaa\nbbbb\ncccc", 10, []string{"aaaa\nbbbb", "cccc"}},
		{strings.Repeat("x", 25), 10, []string{"xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"}},
		{"\nxxxxxxxxxxxx", 10, []string{"\nxxxxxxxxx", "xxx"}},
	}
	for _, tt := range tests {
		got := Split(tt.msg, tt.max)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Split(%q, %d) = %q, want %q", tt.msg, tt.max, got, tt.want)
		}
		for _, p := range got {
			if len(p) > tt.max {
				t.Errorf("piece %q longer than %d", p, tt.max)
			}
		}
	}
}
