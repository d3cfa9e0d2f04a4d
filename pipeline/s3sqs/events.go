package s3sqs

import (
	"encoding/binary"
	"sync"
	"time"
)

// Record keys of the events the input emits.
const (
	KeyLog    = "log"
	KeyBucket = "s3_bucket"
	KeyKey    = "s3_key"
)

// A batch holds its records already encoded as Fluent Bit events of the
// current format, [[EventTime, {}], {"log": record, "s3_bucket": bucket,
// "s3_key": key}], stamped when the batch was started: handing them over
// is one copy.

// newBatch starts a batch of obj's records read at t.
func newBatch(m *message, bucket, key string, t time.Time, capacity int) *Batch {
	b := &Batch{Bucket: bucket, Key: key, msg: m}
	if p, ok := bufPool.Get().(*[]byte); ok && cap(*p) >= capacity {
		b.data = (*p)[:0]
	} else {
		b.data = make([]byte, 0, capacity)
	}
	var h [14]byte
	h[0], h[1] = 0x92, 0x92
	h[2], h[3] = 0xd7, 0x00 // fixext8, type 0: EventTime
	binary.BigEndian.PutUint32(h[4:], uint32(t.Unix()))
	binary.BigEndian.PutUint32(h[8:], uint32(t.Nanosecond()))
	h[12], h[13] = 0x80, 0x83 // no metadata; three keys
	b.head = appendStr(h[:], KeyLog)
	b.tail = appendStr(appendStr(appendStr(appendStr(nil, KeyBucket), bucket), KeyKey), key)
	return b
}

// bufPool recycles the event buffers of finished batches: the input
// would otherwise allocate (and the GC sweep) its whole throughput.
var bufPool sync.Pool

// recycle returns the batch's buffer to the pool; its records must not be
// used any more.
func (b *Batch) recycle() {
	if b.data != nil {
		d := b.data[:0]
		b.data, b.spans = nil, nil
		bufPool.Put(&d)
	}
}

func (b *Batch) add(rec []byte) {
	b.data = append(b.data, b.head...)
	b.data = appendStr(b.data, rec)
	end := len(b.data)
	b.spans = append(b.spans, span{int32(end - len(rec)), int32(end)})
	b.data = append(b.data, b.tail...)
	b.size = len(b.data)
}

// span locates a record's text in a batch's data.
type span struct{ start, end int32 }

// EventsSize is the size EncodeEvents adds for batches.
func EventsSize(batches []*Batch) int {
	n := 0
	for _, b := range batches {
		n += len(b.data)
	}
	return n
}

// EncodeEvents appends the events of batches to dst.
func EncodeEvents(dst []byte, batches []*Batch) []byte {
	for _, b := range batches {
		dst = append(dst, b.data...)
	}
	return dst
}

func appendStr[S string | []byte](dst []byte, s S) []byte {
	switch n := len(s); {
	case n < 32:
		dst = append(dst, 0xa0|byte(n))
	case n < 1<<8:
		dst = append(dst, 0xd9, byte(n))
	case n < 1<<16:
		dst = append(dst, 0xda, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, s...)
}
