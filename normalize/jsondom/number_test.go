package jsondom

import "testing"

func TestIsNumber(t *testing.T) {
	for _, ok := range []string{"0", "-0", "12", "1.5", "-1.5e10", "1E+2", "0.0e-1"} {
		if !IsNumber([]byte(ok)) {
			t.Errorf("IsNumber(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", ".", "-", "01", "1.", ".5", "1e", "1e+", "NaN", "inf", "+1", "1..2", "0x10"} {
		if IsNumber([]byte(bad)) {
			t.Errorf("IsNumber(%q) = true", bad)
		}
	}
}
