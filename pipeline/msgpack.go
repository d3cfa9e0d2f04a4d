package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// A small zero-copy msgpack reader over one chunk. It is used instead of
// msgpack/v5's Decoder on the hot path because strings must alias the chunk
// (no per-value allocation), because a malformed tail must be located at an
// exact byte offset to dead-letter it, and because every read is bounds
// checked so hostile input can only produce an error, never a panic. The
// tests check it against chunks encoded by msgpack/v5.

var (
	errShort   = errors.New("truncated msgpack")
	errInvalid = errors.New("invalid msgpack")
)

// maxDepth bounds nesting in the transcoder: the JSON we produce must stay
// parseable by ordinary decoders, and recursion must stay bounded.
const maxDepth = 100

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

// arrayLen reads an array header.
func (r *mpReader) arrayLen() (int, error) {
	c, err := r.peek()
	if err != nil {
		return 0, err
	}
	switch {
	case c >= 0x90 && c <= 0x9f:
		r.off++
		n := int(c & 0x0f)
		if n > r.remaining() {
			return 0, errShort
		}
		return n, nil
	case c == 0xdc:
		r.off++
		return r.length(2, 1)
	case c == 0xdd:
		r.off++
		return r.length(4, 1)
	}
	return 0, fmt.Errorf("%w: want array, got 0x%02x", errInvalid, c)
}

// mapLen reads a map header.
func (r *mpReader) mapLen() (int, error) {
	c, err := r.peek()
	if err != nil {
		return 0, err
	}
	switch {
	case c >= 0x80 && c <= 0x8f:
		r.off++
		n := int(c & 0x0f)
		if 2*n > r.remaining() {
			return 0, errShort
		}
		return n, nil
	case c == 0xde:
		r.off++
		return r.length(2, 2)
	case c == 0xdf:
		r.off++
		return r.length(4, 2)
	}
	return 0, fmt.Errorf("%w: want map, got 0x%02x", errInvalid, c)
}

func isMapCode(c byte) bool   { return c >= 0x80 && c <= 0x8f || c == 0xde || c == 0xdf }
func isArrayCode(c byte) bool { return c >= 0x90 && c <= 0x9f || c == 0xdc || c == 0xdd }

// isStrCode tells str and bin apart from everything else: Fluent Bit sends
// strings as either.
func isStrCode(c byte) bool {
	return c >= 0xa0 && c <= 0xbf || c >= 0xc4 && c <= 0xc6 || c >= 0xd9 && c <= 0xdb
}

// str reads a str or bin value and returns it aliasing the chunk.
func (r *mpReader) str() ([]byte, error) {
	c, err := r.peek()
	if err != nil {
		return nil, err
	}
	var n int
	switch {
	case c >= 0xa0 && c <= 0xbf:
		r.off++
		n = int(c & 0x1f)
	case c == 0xd9 || c == 0xc4:
		r.off++
		n, err = r.length(1, 1)
	case c == 0xda || c == 0xc5:
		r.off++
		n, err = r.length(2, 1)
	case c == 0xdb || c == 0xc6:
		r.off++
		n, err = r.length(4, 1)
	default:
		return nil, fmt.Errorf("%w: want string, got 0x%02x", errInvalid, c)
	}
	if err != nil {
		return nil, err
	}
	return r.next(n)
}

// extHeader reads an ext header (after checking the code is one) and
// returns its type and data.
func (r *mpReader) ext() (int8, []byte, error) {
	c, err := r.peek()
	if err != nil {
		return 0, nil, err
	}
	var n int
	switch c {
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		r.off++
		n = 1 << (c - 0xd4)
	case 0xc7:
		r.off++
		n, err = r.length(1, 1)
	case 0xc8:
		r.off++
		n, err = r.length(2, 1)
	case 0xc9:
		r.off++
		n, err = r.length(4, 1)
	default:
		return 0, nil, fmt.Errorf("%w: want ext, got 0x%02x", errInvalid, c)
	}
	if err != nil {
		return 0, nil, err
	}
	t, err := r.uint(1)
	if err != nil {
		return 0, nil, err
	}
	data, err := r.next(n)
	return int8(t), data, err
}

func isExtCode(c byte) bool { return c >= 0xd4 && c <= 0xd8 || c >= 0xc7 && c <= 0xc9 }

// number reads any msgpack integer or float as float64 (timestamps only).
func (r *mpReader) number() (float64, bool, error) {
	c, err := r.peek()
	if err != nil {
		return 0, false, err
	}
	switch {
	case c <= 0x7f:
		r.off++
		return float64(c), true, nil
	case c >= 0xe0:
		r.off++
		return float64(int8(c)), true, nil
	case c >= 0xcc && c <= 0xcf: // uint 8..64
		r.off++
		v, err := r.uint(1 << (c - 0xcc))
		return float64(v), true, err
	case c >= 0xd0 && c <= 0xd3: // int 8..64
		r.off++
		n := 1 << (c - 0xd0)
		v, err := r.uint(n)
		return float64(signExtend(v, n)), true, err
	case c == 0xca:
		r.off++
		v, err := r.uint(4)
		return float64(math.Float32frombits(uint32(v))), true, err
	case c == 0xcb:
		r.off++
		v, err := r.uint(8)
		return math.Float64frombits(v), true, err
	}
	return 0, false, nil
}

func signExtend(v uint64, n int) int64 {
	shift := 64 - 8*uint(n)
	return int64(v<<shift) >> shift
}

// eventTime decodes Fluent Bit's EventTime ext (type 0: big-endian uint32
// seconds then uint32 nanoseconds).
func eventTime(typ int8, data []byte) (time.Time, error) {
	if typ != 0 || len(data) != 8 {
		return time.Time{}, fmt.Errorf("%w: timestamp ext type %d with %d bytes", errInvalid, typ, len(data))
	}
	sec := binary.BigEndian.Uint32(data[:4])
	nsec := binary.BigEndian.Uint32(data[4:])
	return time.Unix(int64(sec), int64(nsec)).UTC(), nil
}

// timestamp reads an event timestamp: int, float or EventTime ext.
func (r *mpReader) timestamp() (time.Time, error) {
	c, err := r.peek()
	if err != nil {
		return time.Time{}, err
	}
	if isExtCode(c) {
		typ, data, err := r.ext()
		if err != nil {
			return time.Time{}, err
		}
		return eventTime(typ, data)
	}
	f, ok, err := r.number()
	if err != nil {
		return time.Time{}, err
	}
	if !ok {
		return time.Time{}, fmt.Errorf("%w: timestamp of type 0x%02x", errInvalid, c)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<40 {
		return time.Time{}, fmt.Errorf("%w: timestamp %v out of range", errInvalid, f)
	}
	// A float64 around 1.7e9 resolves about 0.2µs: round to microseconds
	// rather than invent nanoseconds.
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC(), nil
}

// skip steps over one complete value of any type. It is iterative: the
// count of values still to skip grows with each container header, and each
// value takes at least one byte, so the loop is bounded by the input.
func (r *mpReader) skip() error {
	for pending := 1; pending > 0; pending-- {
		if pending > r.remaining() {
			return errShort
		}
		c, err := r.peek()
		if err != nil {
			return err
		}
		switch {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
			r.off++
		case isMapCode(c):
			n, err := r.mapLen()
			if err != nil {
				return err
			}
			pending += 2 * n
		case isArrayCode(c):
			n, err := r.arrayLen()
			if err != nil {
				return err
			}
			pending += n
		case isStrCode(c):
			if _, err := r.str(); err != nil {
				return err
			}
		case isExtCode(c):
			if _, _, err := r.ext(); err != nil {
				return err
			}
		case c >= 0xcc && c <= 0xcf:
			r.off++
			if _, err := r.next(1 << (c - 0xcc)); err != nil {
				return err
			}
		case c >= 0xd0 && c <= 0xd3:
			r.off++
			if _, err := r.next(1 << (c - 0xd0)); err != nil {
				return err
			}
		case c == 0xca:
			r.off++
			if _, err := r.next(4); err != nil {
				return err
			}
		case c == 0xcb:
			r.off++
			if _, err := r.next(8); err != nil {
				return err
			}
		default: // 0xc1 is never used
			return fmt.Errorf("%w: reserved code 0x%02x", errInvalid, c)
		}
	}
	return nil
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
	if isArrayCode(c) { // [ts, metadata]
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
	if !isMapCode(c) {
		return ev, fmt.Errorf("%w: event record of type 0x%02x, want map", errInvalid, c)
	}
	start := r.off
	if err := r.skip(); err != nil {
		return ev, err
	}
	ev.body = r.b[start:r.off:r.off]
	return ev, nil
}
