package jsondom

import "github.com/awsaudit/awsaudit/normalize/internal/text"

// IsNumber checks b against the JSON number grammar (RFC 8259).
func IsNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digitsFrom(b, i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		if i++; i == len(b) || !text.IsDigit(b[i]) {
			return false
		}
		i = digitsFrom(b, i)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i == len(b) || !text.IsDigit(b[i]) {
			return false
		}
		i = digitsFrom(b, i)
	}
	return i == len(b)
}

func digitsFrom(b []byte, i int) int {
	for i < len(b) && text.IsDigit(b[i]) {
		i++
	}
	return i
}
