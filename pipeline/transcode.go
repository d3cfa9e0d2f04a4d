package pipeline

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/awsaudit/awsaudit/normalize/jsonw"
)

// appendJSON transcodes one msgpack value at r into JSON appended to dst,
// keeping map key order. str and bin both become JSON strings (invalid
// UTF-8 is replaced by U+FFFD); the EventTime ext becomes an RFC 3339
// string; other ext values become base64 strings; NaN and infinities, which
// JSON cannot carry, become null.
func appendJSON(dst []byte, r *mpReader, depth int) ([]byte, error) {
	if depth > maxDepth {
		return dst, fmt.Errorf("%w: nesting deeper than %d", errInvalid, maxDepth)
	}
	c, err := r.peek()
	if err != nil {
		return dst, err
	}
	switch {
	case c <= 0x7f:
		r.off++
		return strconv.AppendUint(dst, uint64(c), 10), nil
	case c >= 0xe0:
		r.off++
		return strconv.AppendInt(dst, int64(int8(c)), 10), nil
	case c == 0xc0:
		r.off++
		return append(dst, "null"...), nil
	case c == 0xc2:
		r.off++
		return append(dst, "false"...), nil
	case c == 0xc3:
		r.off++
		return append(dst, "true"...), nil
	case c >= 0xcc && c <= 0xcf:
		r.off++
		v, err := r.uint(1 << (c - 0xcc))
		return strconv.AppendUint(dst, v, 10), err
	case c >= 0xd0 && c <= 0xd3:
		r.off++
		n := 1 << (c - 0xd0)
		v, err := r.uint(n)
		return strconv.AppendInt(dst, signExtend(v, n), 10), err
	case c == 0xca:
		r.off++
		v, err := r.uint(4)
		return appendFloat(dst, float64(math.Float32frombits(uint32(v))), 32), err
	case c == 0xcb:
		r.off++
		v, err := r.uint(8)
		return appendFloat(dst, math.Float64frombits(v), 64), err
	case isStrCode(c):
		s, err := r.str()
		if err != nil {
			return dst, err
		}
		return jsonw.AppendString(dst, s), nil
	case isExtCode(c):
		typ, data, err := r.ext()
		if err != nil {
			return dst, err
		}
		if t, ok := extTime(typ, data); ok {
			dst = append(dst, '"')
			dst = t.AppendFormat(dst, time.RFC3339Nano)
			return append(dst, '"'), nil
		}
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, data)
		return append(dst, '"'), nil
	case isArrayCode(c):
		n, err := r.arrayLen()
		if err != nil {
			return dst, err
		}
		dst = append(dst, '[')
		for i := range n {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendJSON(dst, r, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case isMapCode(c):
		n, err := r.mapLen()
		if err != nil {
			return dst, err
		}
		dst = append(dst, '{')
		for i := range n {
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
	return dst, fmt.Errorf("%w: reserved code 0x%02x", errInvalid, c)
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
	if isContainerCode(c) {
		return dst, fmt.Errorf("%w: a map key is a map or an array", errInvalid)
	}
	if isStrCode(c) {
		s, err := r.str()
		if err != nil {
			return dst, err
		}
		return jsonw.AppendString(dst, s), nil
	}
	start := len(dst)
	if dst, err = appendJSON(dst, r, depth); err != nil {
		return dst, err
	}
	// Re-quote the scalar's text as a string.
	text := append([]byte(nil), dst[start:]...)
	return jsonw.AppendString(dst[:start], text), nil
}

// extTime decodes the two time extensions a record can carry: Fluent Bit's
// EventTime (type 0) and msgpack's own timestamp (type -1, which
// msgpack/v5 writes for time.Time).
func extTime(typ int8, data []byte) (time.Time, bool) {
	switch {
	case typ == 0 && len(data) == 8:
		t, err := eventTime(typ, data)
		return t, err == nil
	case typ == -1 && len(data) == 4:
		return time.Unix(int64(binary.BigEndian.Uint32(data)), 0).UTC(), true
	case typ == -1 && len(data) == 8:
		v := binary.BigEndian.Uint64(data)
		return time.Unix(int64(v&(1<<34-1)), int64(v>>34)).UTC(), true
	case typ == -1 && len(data) == 12:
		nsec := binary.BigEndian.Uint32(data[:4])
		sec := int64(binary.BigEndian.Uint64(data[4:]))
		return time.Unix(sec, int64(nsec)).UTC(), true
	}
	return time.Time{}, false
}

func appendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
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

// isContainerCode tells msgpack maps and arrays from everything else.
func isContainerCode(c byte) bool {
	return c&0xe0 == 0x80 || (c >= 0xdc && c <= 0xdf) // fixmap, fixarray; array16/32, map16/32
}
