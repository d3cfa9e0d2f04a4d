package s3sqs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// eventTime decodes Fluent Bit's EventTime (msgpack ext 0).
type eventTime struct{ time.Time }

func (e *eventTime) UnmarshalMsgpack(b []byte) error {
	if len(b) != 8 {
		return fmt.Errorf("EventTime of %d bytes", len(b))
	}
	e.Time = time.Unix(int64(binary.BigEndian.Uint32(b)), int64(binary.BigEndian.Uint32(b[4:]))).UTC()
	return nil
}

func init() { msgpack.RegisterExtDecoder(0, (*eventTime)(nil), decodeEventTime) }

func decodeEventTime(d *msgpack.Decoder, v reflect.Value, n int) error {
	b := make([]byte, n)
	if err := d.ReadFull(b); err != nil {
		return err
	}
	return v.Interface().(*eventTime).UnmarshalMsgpack(b)
}

func TestEncodeEvents(t *testing.T) {
	recs := []string{"", "short", strings.Repeat("m", 200), strings.Repeat("l", 70000), `{"eventName":"GetObject"}`}
	at := time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC)
	b1 := newBatch(nil, "audit-log-bucket", "k/"+strings.Repeat("x", 300), at, 0)
	for _, r := range recs[:3] {
		b1.add([]byte(r))
	}
	b2 := newBatch(nil, "b", "ct.json.gz", at, 16)
	for _, r := range recs[3:] {
		b2.add([]byte(r))
	}
	for i, r := range recs {
		b, j := b1, i
		if i >= 3 {
			b, j = b2, i-3
		}
		if string(b.Record(j)) != r {
			t.Fatalf("Record(%d) = %.40q, want %.40q", j, b.Record(j), r)
		}
	}
	batches := []*Batch{b1, b2}
	buf := EncodeEvents(nil, batches)
	if len(buf) != EventsSize(batches) {
		t.Fatalf("encoded %d bytes, EventsSize says %d", len(buf), EventsSize(batches))
	}
	dec := msgpack.NewDecoder(bytes.NewReader(buf))
	for i, want := range recs {
		var ev []any
		if err := dec.Decode(&ev); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		head, ok := ev[0].([]any)
		if len(ev) != 2 || !ok || len(head) != 2 {
			t.Fatalf("event %d is not [[time, meta], body]: %#v", i, ev)
		}
		if ts, ok := head[0].(*eventTime); !ok || !ts.Equal(at) {
			t.Errorf("event %d time %v, want %v", i, head[0], at)
		}
		if meta, ok := head[1].(map[string]any); !ok || len(meta) != 0 {
			t.Errorf("event %d metadata %#v", i, head[1])
		}
		body := ev[1].(map[string]any)
		bt := b1
		if i >= 3 {
			bt = b2
		}
		if body[KeyLog] != want || body[KeyBucket] != bt.Bucket || body[KeyKey] != bt.Key || len(body) != 3 {
			t.Errorf("event %d body %.100v", i, body)
		}
	}
	if dec.Buffered().(*bytes.Reader).Len() != 0 {
		t.Error("trailing bytes")
	}
}
