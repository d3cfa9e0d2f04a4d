package kafkatest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// TimeForm is how an event's timestamp is encoded.
type TimeForm int

const (
	TimeEventTime TimeForm = iota // ext type 0: uint32 seconds, uint32 nanoseconds
	TimeInt                       // integer seconds
	TimeFloat                     // float64 seconds
)

// KV is one map entry; []KV is an ordered map.
type KV struct {
	Key   string
	Value any
}

// Event is one Fluent Bit event.
type Event struct {
	Time     time.Time
	TimeForm TimeForm
	// Legacy selects the old form [ts, map]; otherwise the current form
	// [[ts, metadata], map] with Metadata (nil: an empty map).
	Legacy   bool
	Metadata []KV
	// Fields is the record. Values: string, []byte (bin), []KV (nested
	// ordered map), or anything msgpack/v5 encodes.
	Fields []KV
	// Bin encodes every string (keys and values) as msgpack bin, as some
	// Fluent Bit inputs do.
	Bin bool
}

// Chunk builds a Fluent Bit chunk: a concatenation of msgpack events.
type Chunk struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
	n   int
}

// NewChunk returns an empty chunk.
func NewChunk() *Chunk {
	c := &Chunk{}
	c.enc = msgpack.NewEncoder(&c.buf)
	c.enc.SetSortMapKeys(true)
	return c
}

// Len is the number of events added (Raw bytes are not events).
func (c *Chunk) Len() int { return c.n }

// Bytes returns the chunk so far.
func (c *Chunk) Bytes() []byte { return bytes.Clone(c.buf.Bytes()) }

// Raw appends bytes as they are (a malformed tail, say).
func (c *Chunk) Raw(b []byte) *Chunk {
	c.buf.Write(b)
	return c
}

// Line adds a current-form event whose record is {key: line}.
func (c *Chunk) Line(t time.Time, key, line string) *Chunk {
	return c.Add(Event{Time: t, Fields: []KV{{key, line}}})
}

// Add appends one event. It panics on values msgpack cannot encode: test
// input is the test's own bug.
func (c *Chunk) Add(ev Event) *Chunk {
	if err := c.add(ev); err != nil {
		panic(fmt.Sprintf("kafkatest: encoding event: %v", err))
	}
	c.n++
	return c
}

func (c *Chunk) add(ev Event) error {
	if err := c.enc.EncodeArrayLen(2); err != nil {
		return err
	}
	if !ev.Legacy {
		if err := c.enc.EncodeArrayLen(2); err != nil {
			return err
		}
	}
	if err := c.time(ev.Time, ev.TimeForm); err != nil {
		return err
	}
	if !ev.Legacy {
		if err := c.fields(ev.Metadata, ev.Bin); err != nil {
			return err
		}
	}
	return c.fields(ev.Fields, ev.Bin)
}

func (c *Chunk) time(t time.Time, form TimeForm) error {
	switch form {
	case TimeInt:
		return c.enc.EncodeInt(t.Unix())
	case TimeFloat:
		return c.enc.EncodeFloat64(float64(t.UnixNano()) / 1e9)
	}
	if err := c.enc.EncodeExtHeader(0, 8); err != nil {
		return err
	}
	var b [8]byte
	binary.BigEndian.PutUint32(b[:4], uint32(t.Unix()))
	binary.BigEndian.PutUint32(b[4:], uint32(t.Nanosecond()))
	c.buf.Write(b[:]) // the encoder writes straight to buf, so order holds
	return nil
}

func (c *Chunk) fields(kvs []KV, bin bool) error {
	if err := c.enc.EncodeMapLen(len(kvs)); err != nil {
		return err
	}
	for _, kv := range kvs {
		if err := c.str(kv.Key, bin); err != nil {
			return err
		}
		if err := c.value(kv.Value, bin); err != nil {
			return err
		}
	}
	return nil
}

func (c *Chunk) str(s string, bin bool) error {
	if bin {
		return c.enc.EncodeBytes([]byte(s))
	}
	return c.enc.EncodeString(s)
}

func (c *Chunk) value(v any, bin bool) error {
	switch v := v.(type) {
	case string:
		return c.str(v, bin)
	case []KV:
		return c.fields(v, bin)
	case []any:
		if err := c.enc.EncodeArrayLen(len(v)); err != nil {
			return err
		}
		for _, e := range v {
			if err := c.value(e, bin); err != nil {
				return err
			}
		}
		return nil
	}
	return c.enc.Encode(v)
}

// M builds an ordered map from alternating keys and values:
// M("log", "line", "n", 3).
func M(kv ...any) []KV {
	if len(kv)%2 != 0 {
		panic("kafkatest.M: odd number of arguments")
	}
	out := make([]KV, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			panic(fmt.Sprintf("kafkatest.M: key %v is not a string", kv[i]))
		}
		out = append(out, KV{Key: k, Value: kv[i+1]})
	}
	return out
}
