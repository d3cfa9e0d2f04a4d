package kafkatest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/vmihailenco/msgpack/v5"
)

func produce(t *testing.T, c *Cluster, recs ...*kgo.Record) error {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers()...), kgo.RecordRetries(1), kgo.RecordDeliveryTimeout(time.Second), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return cl.ProduceSync(ctx, recs...).FirstErr()
}

func TestConsumeAndFault(t *testing.T) {
	c := New(t, 2, "t")
	if got := c.Consume(t, "t"); len(got) != 0 {
		t.Fatalf("empty topic gave %d", len(got))
	}
	recs := []*kgo.Record{
		{Topic: "t", Key: []byte("a"), Value: []byte("1"), Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("v")}}},
		{Topic: "t", Key: []byte("b"), Value: []byte("2")},
		{Topic: "t", Key: []byte("a"), Value: []byte("3")},
	}
	if err := produce(t, c, recs...); err != nil {
		t.Fatal(err)
	}
	got := c.Consume(t, "t")
	if len(got) != 3 || CountDistinct(got) != 3 {
		t.Fatalf("consumed %v", Values(got))
	}
	for _, m := range got {
		if string(m.Value) == "1" && m.Headers["h"] != "v" {
			t.Errorf("headers %v", m.Headers)
		}
	}

	f := c.FailProduce(CodeMessageTooLarge) // not retriable: kgo fails at once
	err := produce(t, c, &kgo.Record{Topic: "t", Value: []byte("x")})
	if !errors.Is(err, kerr.MessageTooLarge) || f.Hits() == 0 {
		t.Fatalf("produce under fault: %v (hits %d)", err, f.Hits())
	}
	f.Remove()
	if err := produce(t, c, &kgo.Record{Topic: "t", Value: []byte("y")}); err != nil {
		t.Fatalf("produce after Remove: %v", err)
	}
	if n := len(c.Consume(t, "t")); n != 4 {
		t.Errorf("%d records, want 4", n)
	}
}

func TestChunkForms(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)
	c := NewChunk().
		Add(Event{Time: ts, Fields: M("log", "a")}).
		Add(Event{Time: ts, Legacy: true, TimeForm: TimeInt, Bin: true, Fields: M("log", "b")}).
		Add(Event{Time: ts, TimeForm: TimeFloat, Metadata: M("m", 1), Fields: M("n", M("x", []any{1, "y"}))})
	if c.Len() != 3 {
		t.Fatalf("Len %d", c.Len())
	}
	data := c.Bytes()
	dec := msgpack.NewDecoder(bytes.NewReader(data))
	for i := range 3 {
		if err := dec.Skip(); err != nil {
			t.Fatalf("msgpack/v5 cannot skip event %d: %v", i, err)
		}
	}
	if err := dec.Skip(); err == nil {
		t.Fatal("more than 3 events")
	}

	// Current form: [[EventTime ext 0, {}], {log: a}].
	dec = msgpack.NewDecoder(bytes.NewReader(data))
	if n, _ := dec.DecodeArrayLen(); n != 2 {
		t.Fatalf("event length %d", n)
	}
	if n, _ := dec.DecodeArrayLen(); n != 2 {
		t.Fatalf("header length %d", n)
	}
	if id, n, err := dec.DecodeExtHeader(); id != 0 || n != 8 || err != nil {
		t.Fatalf("EventTime ext %d/%d: %v", id, n, err)
	}
	var raw [8]byte
	if err := dec.ReadFull(raw[:]); err != nil {
		t.Fatal(err)
	}
	if sec := uint32(raw[0])<<24 | uint32(raw[1])<<16 | uint32(raw[2])<<8 | uint32(raw[3]); int64(sec) != ts.Unix() {
		t.Errorf("seconds %d", sec)
	}
	if err := dec.Skip(); err != nil { // metadata
		t.Fatal(err)
	}
	if rec, err := dec.DecodeMap(); err != nil || rec["log"] != "a" {
		t.Errorf("record %v %v", rec, err)
	}

	// Legacy form, int time, bin strings: [ts, {log: b}].
	if n, _ := dec.DecodeArrayLen(); n != 2 {
		t.Fatalf("event length %d", n)
	}
	if sec, err := dec.DecodeInt64(); sec != ts.Unix() || err != nil {
		t.Errorf("int time %d %v", sec, err)
	}
	if rec, err := dec.DecodeMap(); err != nil || !bytes.Equal(rec["log"].([]byte), []byte("b")) {
		t.Errorf("bin record %v %v", rec, err)
	}
}
