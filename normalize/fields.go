package normalize

import "strconv"

// Field writers for the unified record. Each appends one `,"name":value`
// and returns the buffer, so the buffer stays in registers across a whole
// record instead of going through memory after every append (the cost that
// dominated encoding when it was a field of a struct). Keys are passed
// ready to copy, leading comma included: `,"time":`. Objects are opened
// with openObj and closed with closeObj, which turns the comma of the
// object's first field into its '{', or drops the object when nothing was
// written, so callers write fields unconditionally and absence falls out
// of the data.

// strMode says how a string value is written.
type strMode uint8

const (
	// modeEscape escapes the value for JSON (the safe default).
	modeEscape strMode = 0
	// modePlain copies the value: it is a piece of an input proven to need
	// no escaping (see parseAccessLog).
	modePlain strMode = 1 << iota
	// modeRedact masks secrets in the value (see AppendRedacted).
	modeRedact
	// modeLevels, with modeRedact, says the value may need decoding to
	// show a secret (see needsLevels); without it the record's strings
	// are known to need none, which saves looking.
	modeLevels
)

// strMode is how n writes the strings of the record being encoded.
func (n *Normalizer) strMode() strMode {
	var m strMode
	if n.plainInput {
		m |= modePlain
	}
	if n.redactStrings {
		m |= modeRedact
		if n.redactLevels {
			m |= modeLevels
		}
	}
	return m
}

// redactMode is modeRedact when n redacts, for text the record-wide
// checks do not cover (raw).
func (n *Normalizer) redactMode() strMode {
	if n.opts.Redact {
		return modeRedact | modeLevels
	}
	return modeEscape
}

// str writes a string field; empty and "-" are absent, never "" or "-".
func (m strMode) str(b []byte, key string, v []byte) []byte {
	if len(v) == 0 || (len(v) == 1 && v[0] == '-') {
		return b
	}
	if m == modePlain { // the common case, kept free of calls
		b = append(b, key...)
		b = append(b, '"')
		b = append(b, v...)
		return append(b, '"')
	}
	b = append(b, key...)
	return m.value(b, v)
}

// value writes v as a JSON string.
func (m strMode) value(b, v []byte) []byte {
	switch m &^ modeLevels {
	case modePlain:
		b = append(b, '"')
		b = append(b, v...)
		return append(b, '"')
	case modePlain | modeRedact:
		return appendRedactedPlain(b, v, m&modeLevels != 0)
	case modeRedact:
		return appendRedactedJSONString(b, v, m&modeLevels != 0)
	default:
		return appendJSONString(b, v)
	}
}

// constStr writes a string the program chose (nothing to escape or redact).
func constStr(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, key...)
	b = append(b, '"')
	b = append(b, v...)
	return append(b, '"')
}

func boolField(b []byte, key string, v Bool) []byte {
	switch v {
	case BoolTrue:
		b = append(b, key...)
		return append(b, "true"...)
	case BoolFalse:
		b = append(b, key...)
		return append(b, "false"...)
	}
	return b
}

func intField(b []byte, key string, v optInt) []byte {
	if !v.ok {
		return b
	}
	b = append(b, key...)
	return appendInt(b, v.v)
}

// appendInt is strconv.AppendInt(b, v, 10) without its generality: log
// numbers are small and non-negative.
func appendInt(b []byte, v int64) []byte {
	if v < 0 || v >= 1e12 {
		return strconv.AppendInt(b, v, 10)
	}
	var digits [12]byte
	i := len(digits)
	for v >= 100 {
		q := v / 100
		r := v - q*100
		i -= 2
		digits[i], digits[i+1] = twoDigits[2*r], twoDigits[2*r+1]
		v = q
	}
	if v >= 10 {
		i -= 2
		digits[i], digits[i+1] = twoDigits[2*v], twoDigits[2*v+1]
	} else {
		i--
		digits[i] = byte('0' + v)
	}
	return append(b, digits[i:]...)
}

const twoDigits = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" +
	"30313233343536373839" + "40414243444546474849" + "50515253545556575859" +
	"60616263646566676869" + "70717273747576777879" + "80818283848586878889" + "90919293949596979899"

// objMark is an object opened by openObj: where its key starts, and where
// its body (the comma of its first field) starts.
type objMark struct{ start, body int }

func openObj(b []byte, key string) ([]byte, objMark) {
	m := objMark{start: len(b)}
	b = append(b, key...)
	m.body = len(b)
	return b, m
}

// closeObj ends the object opened at m, or removes it when it is empty.
func closeObj(b []byte, m objMark) []byte {
	if len(b) == m.body {
		return b[:m.start]
	}
	b[m.body] = '{'
	return append(b, '}')
}
