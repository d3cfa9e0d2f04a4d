package testinput

import (
	"fmt"
	"strings"
)

// EncodeTimes percent-encodes every byte of s rounds times (the first
// round JSON-style, \u00XX, when json).
func EncodeTimes(s string, rounds int, json bool) string {
	for r := 0; r < rounds; r++ {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if r == 0 && json {
				fmt.Fprintf(&b, "\\u%04x", s[i])
			} else {
				fmt.Fprintf(&b, "%%%02X", s[i])
			}
		}
		s = b.String()
	}
	return s
}
