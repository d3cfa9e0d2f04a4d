package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// A small zero-copy msgpack reader over one chunk. It is used instead of
// msgpack/v5's Decoder (or fluent-bit-go's, which copies and reflects) on
// the hot path because strings must alias the chunk (no per-value
// allocation), because a malformed tail must be located at an exact byte
// offset to dead-letter it, and because every read is bounds checked so
// hostile input can only produce an error, never a panic. The tests check
// it against chunks encoded by msgpack/v5.
//
// kinds classifies a value by its first byte and value decodes one: every
// other read (strings, numbers, timestamps, skipping, the transcoder)
// goes through these two.

var (
	errShort   = errors.New("truncated msgpack")
	errInvalid = errors.New("invalid msgpack")
)

// maxDepth bounds nesting in the transcoder: the JSON we produce must stay
// parseable by ordinary decoders, and recursion must stay bounded.
const maxDepth = 100

// kind is what a msgpack value is.
type kind uint8

const (
	kindReserved kind = iota // 0xc1, never used
	kindNil
	kindBool
	kindUint // positive fixint, uint 8..64
	kindInt  // negative fixint, int 8..64
	kindFloat
	kindStr // str or bin: Fluent Bit sends strings as either
	kindExt
	kindArray
	kindMap
)

// kinds is the kind of a value by its first byte.
var kinds = func() (t [256]kind) {
	for i := range t {
		c := byte(i)
		switch {
		case c <= 0x7f || c >= 0xcc && c <= 0xcf:
			t[i] = kindUint
		case c >= 0xe0 || c >= 0xd0 && c <= 0xd3:
			t[i] = kindInt
		case c <= 0x8f || c == 0xde || c == 0xdf:
			t[i] = kindMap
		case c <= 0x9f || c == 0xdc || c == 0xdd:
			t[i] = kindArray
		case c <= 0xbf || c >= 0xc4 && c <= 0xc6 || c >= 0xd9 && c <= 0xdb:
			t[i] = kindStr
		case c == 0xc0:
			t[i] = kindNil
		case c == 0xc2 || c == 0xc3:
			t[i] = kindBool
		case c == 0xca || c == 0xcb:
			t[i] = kindFloat
		case c >= 0xc7 && c <= 0xc9 || c >= 0xd4 && c <= 0xd8:
			t[i] = kindExt
		}
	}
	return t
}()

// val is one decoded value; a container only by its header (its n
// elements follow).
type val struct {
	kind kind
	code byte // the first byte, for messages
	typ  int8 // ext type
	// n is an array's or a map's length, a float's bit size.
	n int
	// u is a bool (0 or 1), a uint, an int's two's complement or a float's
	// float64 bits (a float32 is widened, which is exact).
	u uint64
	// data is a str's or bin's bytes, an ext's data: aliasing the input.
	data []byte
}

// items is the number of values a container header announces.
func (v *val) items() int {
	switch v.kind {
	case kindArray:
		return v.n
	case kindMap:
		return 2 * v.n
	}
	return 0
}

// number is an int, uint or float as float64 (timestamps only).
func (v *val) number() float64 {
	switch v.kind {
	case kindUint:
		return float64(v.u)
	case kindInt:
		return float64(int64(v.u))
	}
	return math.Float64frombits(v.u)
}

type mpReader struct {
	b   []byte
	off int
}

func (r *mpReader) remaining() int { return len(r.b) - r.off }

func (r *mpReader) peek() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errShort
	}
	return r.b[r.off], nil
}

func (r *mpReader) next(n int) ([]byte, error) {
	if n < 0 || n > len(r.b)-r.off {
		return nil, errShort
	}
	s := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return s, nil
}

func (r *mpReader) uint(n int) (uint64, error) {
	s, err := r.next(n)
	if err != nil {
		return 0, err
	}
	switch n {
	case 1:
		return uint64(s[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(s)), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(s)), nil
	default:
		return binary.BigEndian.Uint64(s), nil
	}
}

// length reads an n-byte big-endian length and checks it against what is
// left, so a corrupt length cannot make a caller loop or allocate for long.
func (r *mpReader) length(n, minItemSize int) (int, error) {
	v, err := r.uint(n)
	if err != nil {
		return 0, err
	}
	if v > uint64(r.remaining()/minItemSize) {
		return 0, errShort
	}
	return int(v), nil
}

// value reads one value into v: a scalar whole, a container's header
// only. (Filled in place: returning a val by value cost a slow copy per
// value.)
func (r *mpReader) value(v *val) error {
	c, err := r.peek()
	if err != nil {
		*v = val{}
		return err
	}
	r.off++
	*v = val{kind: kinds[c], code: c}
	switch v.kind {
	case kindNil:
	case kindBool:
		v.u = uint64(c & 1)
	case kindUint:
		if c <= 0x7f {
			v.u = uint64(c)
		} else {
			v.u, err = r.uint(1 << (c - 0xcc))
		}
	case kindInt:
		if c >= 0xe0 {
			v.u = uint64(int64(int8(c)))
		} else {
			n := 1 << (c - 0xd0)
			v.u, err = r.uint(n)
			v.u = uint64(signExtend(v.u, n))
		}
	case kindFloat:
		if c == 0xca {
			v.n = 32
			v.u, err = r.uint(4)
			v.u = math.Float64bits(float64(math.Float32frombits(uint32(v.u))))
		} else {
			v.n = 64
			v.u, err = r.uint(8)
		}
	case kindStr:
		var n int
		switch {
		case c <= 0xbf:
			n = int(c & 0x1f)
		case c == 0xd9 || c == 0xc4:
			n, err = r.length(1, 1)
		case c == 0xda || c == 0xc5:
			n, err = r.length(2, 1)
		default: // 0xdb, 0xc6
			n, err = r.length(4, 1)
		}
		if err == nil {
			v.data, err = r.next(n)
		}
	case kindExt:
		var n int
		switch c {
		case 0xc7:
			n, err = r.length(1, 1)
		case 0xc8:
			n, err = r.length(2, 1)
		case 0xc9:
			n, err = r.length(4, 1)
		default: // fixext 1..16
			n = 1 << (c - 0xd4)
		}
		var t uint64
		if err == nil {
			t, err = r.uint(1)
		}
		if err == nil {
			v.typ = int8(t)
			v.data, err = r.next(n)
		}
	case kindArray, kindMap:
		per := 1 // values an element takes: a map's are pairs
		if v.kind == kindMap {
			per = 2
		}
		switch c {
		case 0xdc, 0xde: // array16, map16
			v.n, err = r.length(2, per)
		case 0xdd, 0xdf: // array32, map32
			v.n, err = r.length(4, per)
		default: // fixarray, fixmap
			if v.n = int(c & 0x0f); per*v.n > r.remaining() {
				err = errShort
			}
		}
	default:
		err = fmt.Errorf("%w: reserved code 0x%02x", errInvalid, c)
	}
	return err
}

func signExtend(v uint64, n int) int64 {
	shift := 64 - 8*uint(n)
	return int64(v<<shift) >> shift
}

// container reads the header of a value of kind want (kindArray or
// kindMap) and returns its length; what names the kind in a message.
func (r *mpReader) container(want kind, what string) (int, error) {
	c, err := r.peek()
	if err != nil {
		return 0, err
	}
	if kinds[c] != want {
		return 0, fmt.Errorf("%w: want %s, got 0x%02x", errInvalid, what, c)
	}
	var v val
	err = r.value(&v)
	return v.n, err
}

func (r *mpReader) arrayLen() (int, error) { return r.container(kindArray, "array") }
func (r *mpReader) mapLen() (int, error)   { return r.container(kindMap, "map") }

// skipItems steps over n complete values. It is iterative: the count of
// values still to skip grows with each container header, and each value
// takes at least one byte, so the loop is bounded by the input.
func (r *mpReader) skipItems(n int) error {
	var v val
	for pending := n; pending > 0; pending-- {
		if pending > r.remaining() {
			return errShort
		}
		if err := r.value(&v); err != nil {
			return err
		}
		pending += v.items()
	}
	return nil
}

// skip steps over one complete value of any type.
func (r *mpReader) skip() error { return r.skipItems(1) }

// timeExt decodes the two time extensions a record can carry: Fluent
// Bit's EventTime (type 0: big-endian uint32 seconds then uint32
// nanoseconds) and msgpack's own timestamp (type -1, which msgpack/v5
// writes for time.Time).
func timeExt(typ int8, data []byte) (time.Time, bool) {
	switch {
	case typ == 0 && len(data) == 8:
		sec := binary.BigEndian.Uint32(data[:4])
		nsec := binary.BigEndian.Uint32(data[4:])
		return time.Unix(int64(sec), int64(nsec)).UTC(), true
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

// timestamp reads an event timestamp: int, float or EventTime ext.
func (r *mpReader) timestamp() (time.Time, error) {
	c, err := r.peek()
	if err != nil {
		return time.Time{}, err
	}
	switch kinds[c] {
	case kindExt, kindUint, kindInt, kindFloat:
	default:
		return time.Time{}, fmt.Errorf("%w: timestamp of type 0x%02x", errInvalid, c)
	}
	var v val
	if err := r.value(&v); err != nil {
		return time.Time{}, err
	}
	if v.kind == kindExt {
		// Only Fluent Bit's own form is an event time.
		if t, ok := timeExt(v.typ, v.data); ok && v.typ == 0 {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("%w: timestamp ext type %d with %d bytes", errInvalid, v.typ, len(v.data))
	}
	f := v.number()
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<40 {
		return time.Time{}, fmt.Errorf("%w: timestamp %v out of range", errInvalid, f)
	}
	// A float64 around 1.7e9 resolves about 0.2µs: round to microseconds
	// rather than invent nanoseconds.
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC(), nil
}

// event is one decoded Fluent Bit event: its time and its record map as raw
// msgpack (aliasing the chunk).
type event struct {
	time time.Time
	body []byte
}

// nextEvent decodes one event in either form, [ts, map] or
// [[ts, metadata], map]. On error r.off is unspecified; the caller restarts
// from the offset it saved before the call.
func (r *mpReader) nextEvent() (event, error) {
	var ev event
	n, err := r.arrayLen()
	if err != nil {
		return ev, err
	}
	if n != 2 {
		return ev, fmt.Errorf("%w: event array of %d elements, want 2", errInvalid, n)
	}
	c, err := r.peek()
	if err != nil {
		return ev, err
	}
	if kinds[c] == kindArray { // [ts, metadata]
		m, err := r.arrayLen()
		if err != nil {
			return ev, err
		}
		if m < 1 {
			return ev, fmt.Errorf("%w: empty event header", errInvalid)
		}
		if ev.time, err = r.timestamp(); err != nil {
			return ev, err
		}
		for ; m > 1; m-- { // metadata map (and anything a future version adds)
			if err := r.skip(); err != nil {
				return ev, err
			}
		}
	} else if ev.time, err = r.timestamp(); err != nil {
		return ev, err
	}
	if c, err = r.peek(); err != nil {
		return ev, err
	}
	if kinds[c] != kindMap {
		return ev, fmt.Errorf("%w: event record of type 0x%02x, want map", errInvalid, c)
	}
	start := r.off
	if err := r.skip(); err != nil {
		return ev, err
	}
	ev.body = r.b[start:r.off:r.off]
	return ev, nil
}
