package pipeline

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/awsaudit/awsaudit/normalize/jsonw"
)

// appendJSON transcodes one msgpack value at r into JSON appended to dst,
// keeping map key order. str and bin both become JSON strings (invalid
// UTF-8 is replaced by U+FFFD); a time ext becomes an RFC 3339 string;
// other ext values become base64 strings; NaN and infinities, which JSON
// cannot carry, become null.
func appendJSON(dst []byte, r *mpReader, depth int) ([]byte, error) {
	if depth > maxDepth {
		return dst, fmt.Errorf("%w: nesting deeper than %d", errInvalid, maxDepth)
	}
	var v val
	err := r.value(&v)
	if err != nil {
		return dst, err
	}
	switch v.kind {
	case kindNil:
		return append(dst, "null"...), nil
	case kindBool:
		return strconv.AppendBool(dst, v.u == 1), nil
	case kindUint:
		return strconv.AppendUint(dst, v.u, 10), nil
	case kindInt:
		return strconv.AppendInt(dst, int64(v.u), 10), nil
	case kindFloat:
		f := math.Float64frombits(v.u)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(dst, "null"...), nil
		}
		return strconv.AppendFloat(dst, f, 'g', -1, v.n), nil
	case kindStr:
		return jsonw.AppendString(dst, v.data), nil
	case kindExt:
		dst = append(dst, '"')
		if t, ok := timeExt(v.typ, v.data); ok {
			dst = t.AppendFormat(dst, time.RFC3339Nano)
		} else {
			dst = base64.StdEncoding.AppendEncode(dst, v.data)
		}
		return append(dst, '"'), nil
	case kindArray:
		dst = append(dst, '[')
		for i := range v.n {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendJSON(dst, r, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
	// kindMap: value reported every other kind (0xc1) as an error.
	dst = append(dst, '{')
	for i := range v.n {
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, err = appendJSONKey(dst, r, depth+1); err != nil {
			return dst, err
		}
		dst = append(dst, ':')
		if dst, err = appendJSON(dst, r, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendJSONKey writes a map key: JSON keys are strings, so a non-string
// msgpack key (an int, say) is written as its JSON text inside quotes. A
// map or array key is refused: quoting nested structures escapes each
// level's quotes again, which doubles the text per level (a few hundred
// bytes of input asked for gigabytes), and no Fluent Bit input writes one.
func appendJSONKey(dst []byte, r *mpReader, depth int) ([]byte, error) {
	c, err := r.peek()
	if err != nil {
		return dst, err
	}
	switch kinds[c] {
	case kindArray, kindMap:
		return dst, fmt.Errorf("%w: a map key is a map or an array", errInvalid)
	case kindStr:
		var v val
		if err := r.value(&v); err != nil {
			return dst, err
		}
		return jsonw.AppendString(dst, v.data), nil
	}
	start := len(dst)
	if dst, err = appendJSON(dst, r, depth); err != nil {
		return dst, err
	}
	// Re-quote the scalar's text as a string.
	text := append([]byte(nil), dst[start:]...)
	return jsonw.AppendString(dst[:start], text), nil
}

// transcodeMap converts a whole msgpack map (one record body) to a JSON
// object.
func transcodeMap(dst, body []byte) ([]byte, error) {
	r := mpReader{b: body}
	out, err := appendJSON(dst, &r, 0)
	if err == nil && r.off != len(body) {
		err = fmt.Errorf("%w: %d trailing bytes", errInvalid, len(body)-r.off)
	}
	return out, err
}
