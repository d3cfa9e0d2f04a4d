package redact

import "github.com/awsaudit/awsaudit/normalize/jsonw"

// AppendJSONString is appendJSONString of Append(s) in one
// pass: most strings hold no secret and are escaped straight from s.
// levels false promises s needs no decoding (see AppendText).
func AppendJSONString(dst, s []byte, levels bool) []byte {
	dst = append(dst, '"')
	dst = AppendText(dst, s, true, levels)
	return append(dst, '"')
}

// AppendPlain is AppendJSONString for text known to need
// no escaping (the quotes of a replaced JSON value are spelled by the
// text, so they need none either).
func AppendPlain(dst, s []byte, levels bool) []byte {
	dst = append(dst, '"')
	dst = AppendText(dst, s, false, levels)
	return append(dst, '"')
}

// Mode says how a string value is written.
type Mode uint8

const (
	// ModeEscape escapes the value for JSON (the safe default).
	ModeEscape Mode = 0
	// ModePlain copies the value: it is a piece of an input proven to need
	// no escaping (see parseAccessLog).
	ModePlain Mode = 1 << iota
	// ModeRedact masks secrets in the value (see Append).
	ModeRedact
	// ModeLevels, with ModeRedact, says the value may need decoding to
	// show a secret (see NeedsLevels); without it the record's strings
	// are known to need none, which saves looking.
	ModeLevels
)

// Str writes a string field; empty and "-" are absent, never "" or "-".
func (m Mode) Str(b []byte, key string, v []byte) []byte {
	if len(v) == 0 || (len(v) == 1 && v[0] == '-') {
		return b
	}
	if m == ModePlain { // the common case, kept free of calls
		b = append(b, key...)
		b = append(b, '"')
		b = append(b, v...)
		return append(b, '"')
	}
	b = append(b, key...)
	return m.Value(b, v)
}

// Value writes v as a JSON string.
func (m Mode) Value(b, v []byte) []byte {
	switch m &^ ModeLevels {
	case ModePlain:
		b = append(b, '"')
		b = append(b, v...)
		return append(b, '"')
	case ModePlain | ModeRedact:
		return AppendPlain(b, v, m&ModeLevels != 0)
	case ModeRedact:
		return AppendJSONString(b, v, m&ModeLevels != 0)
	default:
		return jsonw.AppendString(b, v)
	}
}
