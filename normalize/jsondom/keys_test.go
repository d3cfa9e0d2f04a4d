package jsondom

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestKeysUnique checks that the first of repeated keys wins, whether the
// parser vouched for the object (Distinct) or Unique had to check, at the
// sizes where one gives way to the other, with keys that share length and
// both ends (so the filters collide and the pairwise checks run).
func TestKeysUnique(t *testing.T) {
	members := func(n int, extra ...string) string {
		var parts []string
		for i := range n {
			parts = append(parts, fmt.Sprintf(`"k%03dz":%d`, i, i))
		}
		for i, k := range extra {
			parts = append(parts, fmt.Sprintf(`%q:"extra%d"`, k, i))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	for _, tc := range []struct {
		name     string
		doc      string
		distinct bool
	}{
		{"empty", `{}`, true},
		{"one", `{"a":1}`, true},
		{"repeat", `{"a":1,"b":2,"a":3}`, false},
		{"colliding names", `{"axa":1,"aya":2,"aza":3}`, true},
		{"colliding repeat", `{"axa":1,"aya":2,"axa":3}`, false},
		{"16 members", members(16), true},
		{"63 then a repeat", members(63, "k000z"), false},
		{"64 members", members(64), true},
		{"65 members", members(65), false},
		{"65 with a repeat", members(64, "k010z"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Parser
			v, err := p.ParseBytes([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if v.Distinct() != tc.distinct {
				t.Errorf("Distinct() = %v, want %v", v.Distinct(), tc.distinct)
			}
			var want, got []string
			first := map[string]bool{}
			for _, m := range v.Members() {
				if !first[string(m.Key)] {
					first[string(m.Key)] = true
					want = append(want, string(m.Key)+"="+string(m.V.Raw()))
				}
			}
			var k Keys
			for key, val := range k.Unique(v) {
				got = append(got, string(key)+"="+string(val.Raw()))
			}
			if !slices.Equal(got, want) {
				t.Errorf("Unique yields %q, want %q", got, want)
			}
		})
	}
}
