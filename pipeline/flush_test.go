package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/segmentio/kafka-go"
)

// hugeRecords is a delivered CloudTrail log file of n records (each its
// own eventID and bucket; every 500th one rejected by the mapper) as one
// line: what tail makes of a file without newlines.
func hugeRecords(n int) string {
	var b strings.Builder
	b.WriteString(`{"Records":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		rec := strings.Replace(ctRecord, `"cdc4b7ed-e171-4cef-975a-ad829d4123e8"`, fmt.Sprintf(`"%08d-e171-4cef-975a-ad829d4123e8"`, i), 1)
		rec = strings.Replace(rec, `"requestParameters":{`, fmt.Sprintf(`"requestParameters":{"bucketName":"bucket-%d",`, i%7), 1)
		if i%500 == 499 {
			rec = strings.Replace(rec, `"eventVersion":"1.03"`, `"eventVersion":5`, 1)
		}
		b.WriteString(rec)
	}
	b.WriteString("]}")
	return b.String()
}

// hugeRecordsDigest are the messages of hugeRecords(4000) as the flush
// wrote them before it was cut into pieces (commit b13c982: the whole
// document parsed at once, every message in one write): how many, and the
// SHA-256 of their topics, keys, values and headers in order.
const hugeRecordsDigest = "4000 messages 7d3abb19fabba0a66f7b1f81f8228de4603bf885f0ebe0f568bf9735a22dc948"

// digest is what hugeRecordsDigest states about msgs.
func digest(msgs []kafka.Message) string {
	h := sha256.New()
	for _, m := range msgs {
		fmt.Fprintf(h, "%s\x00%q\x00%q\x00", m.Topic, m.Key, m.Value)
		for _, hd := range m.Headers {
			fmt.Fprintf(h, "%s=%q\x00", hd.Key, hd.Value)
		}
		h.Write([]byte{'\n'})
	}
	return fmt.Sprintf("%d messages %s", len(msgs), hex.EncodeToString(h.Sum(nil)))
}

func hugeChunk(n int) []byte {
	c := kafkatest.NewChunk()
	c.Line(t0, "log", hugeRecords(n))
	return c.Bytes()
}

// TestHugeRecordsInPieces flushes a 3 MB Records document in pieces of
// 64 KiB and of the default 1 MiB and wants every message, in order and
// byte for byte, that the flush wrote in one piece before, each write at
// most a piece (plus one message) and acknowledged before the next starts.
func TestHugeRecordsInPieces(t *testing.T) {
	chunk := hugeChunk(4000)
	for _, piece := range []int{64 << 10, minPieceBytes} {
		t.Run(fmt.Sprint(piece), func(t *testing.T) {
			var sizes []int
			fs := &fakeSender{fail: func(msgs []kafka.Message) error {
				n := 0
				for _, m := range msgs {
					n += len(m.Key) + len(m.Value)
				}
				sizes = append(sizes, n)
				return nil
			}}
			p, _ := newTestPipeline(t, testConfig(), fs, withPieceBytes(piece))
			if st := p.Flush(chunk, "ct"); st != StatusOK {
				t.Fatalf("status %v", st)
			}
			if got := digest(fs.msgs); got != hugeRecordsDigest {
				t.Errorf("messages: %s\nwant:     %s", got, hugeRecordsDigest)
			}
			total := 0
			for _, n := range sizes {
				total += n
				if n > piece+p.maxMsg {
					t.Errorf("a write of %d bytes, pieces of %d", n, piece)
				}
			}
			if want := total/piece + 1; len(sizes) < want {
				t.Errorf("%d writes of %d bytes in all, want at least %d", len(sizes), total, want)
			}
			s := p.Stats()
			if s.RecordsOut[topicMain] != 3992 || s.DeadLettered != 8 || s.FlushesOK != 1 {
				t.Errorf("counters %+v", s)
			}
		})
	}
}

// TestHugeRecordsPieceFails fails the write of the third piece: the flush
// stops there and asks for a retry, and the retry delivers everything
// (the first two pieces twice).
func TestHugeRecordsPieceFails(t *testing.T) {
	chunk := hugeChunk(4000)
	for _, tc := range []struct {
		err  error
		want Status
	}{
		{errInjected, StatusRetry},
		{kafka.InvalidTopic, StatusError},
	} {
		t.Run(tc.err.Error(), func(t *testing.T) {
			failing := true
			fs := &fakeSender{}
			fs.fail = func([]kafka.Message) error {
				if failing && fs.calls == 3 {
					return tc.err
				}
				return nil
			}
			p, logs := newTestPipeline(t, testConfig(), fs, withPieceBytes(64<<10))
			if st := p.Flush(chunk, "ct"); st != tc.want {
				t.Fatalf("status %v, want %v", st, tc.want)
			}
			if fs.calls != 3 {
				t.Errorf("%d writes: the flush went on after the failed one", fs.calls)
			}
			first := len(fs.msgs)
			if first == 0 || first >= 4000 {
				t.Fatalf("%d messages delivered before the failure", first)
			}
			if s := p.Stats(); s.RecordsOut[topicMain]+s.DeadLettered != int64(first) {
				t.Errorf("counters %+v for %d messages delivered", s, first)
			}
			if !strings.Contains(logs.all(), fmt.Sprintf("(%d messages of the chunk written before were acknowledged)", first)) {
				t.Errorf("log does not say what was delivered: %s", logs.all())
			}
			if tc.want == StatusError {
				return
			}
			failing = false
			if st := p.Flush(chunk, "ct"); st != StatusOK {
				t.Fatalf("retry: status %v", st)
			}
			if got := digest(fs.msgs[first:]); got != hugeRecordsDigest {
				t.Errorf("retry: %s\nwant:   %s", got, hugeRecordsDigest)
			}
		})
	}
}

// manyThenPanic stands in for the normalizer: an input starting with
// "many" gives 100 outputs of about 116 bytes and then panics; others go
// to fakeNormalize.
func manyThenPanic(n *normalize.Normalizer, input []byte, hint normalize.Source, region []byte, emit func(*normalize.Output)) {
	if !bytes.HasPrefix(input, []byte("many")) {
		fakeNormalize(n, input, hint, region, emit)
		return
	}
	for i := range 100 {
		emit(&normalize.Output{Source: normalize.SourceS3Access, JSON: fmt.Appendf(nil, `{"i":%d,"pad":"%0100d"}`, i, 0), Input: input})
	}
	panic("after 100 outputs")
}

// beforeManyAnd is a chunk of the lines "before", "many outputs" and last.
func beforeManyAnd(last string) []byte {
	c := kafkatest.NewChunk()
	c.Line(t0, "log", "before")
	c.Line(t0, "log", "many outputs")
	c.Line(t0, "log", last)
	return c.Bytes()
}

// TestPieceThenPanic has a record whose outputs fill several pieces panic
// half-way: what it queued since the last piece is undone and the record
// is dead-lettered, next to the pieces already delivered; the chunk's
// other records are not disturbed.
func TestPieceThenPanic(t *testing.T) {
	fs := &fakeSender{}
	p, _ := newTestPipeline(t, testConfig(), fs, withPieceBytes(4<<10), withNormalize(manyThenPanic))
	if st := p.Flush(beforeManyAnd("after"), "t"); st != StatusOK {
		t.Fatalf("status %v", st)
	}
	var records, dead []string
	for _, m := range fs.msgs {
		if m.Topic == topicDLQ {
			dead = append(dead, decodeDLQ(t, m.Value).Input)
		} else {
			records = append(records, string(m.Value))
		}
	}
	if len(dead) != 1 || !strings.Contains(dead[0], "many outputs") {
		t.Errorf("dead letters %q", dead)
	}
	// "before", then the outputs of the pieces written (a prefix: the
	// last ones were queued after the last piece), then "after".
	if len(records) < 3 || !strings.Contains(records[0], `"before"`) || !strings.Contains(records[len(records)-1], `"after"`) {
		t.Fatalf("%d records: %.80q", len(records), records)
	}
	many := records[1 : len(records)-1]
	for i, r := range many {
		if !strings.HasPrefix(r, fmt.Sprintf(`{"i":%d,`, i)) {
			t.Fatalf("record %d of the panicking input: %.40s", i, r)
		}
	}
	if len(many) == 0 || len(many) >= 100 || fs.calls < 3 {
		t.Errorf("%d of its 100 outputs delivered in %d writes", len(many), fs.calls)
	}
}

// TestPieceTimesOutThenPanic: a piece's write runs out of time (its
// bytes may still be in use, so the arena is given up), then the record
// panics: the flush asks for a retry, with nothing queued after the
// failure and no dead letter for a chunk that comes again.
func TestPieceTimesOutThenPanic(t *testing.T) {
	fs := &fakeSender{}
	fs.fail = func([]kafka.Message) error { return context.DeadlineExceeded }
	p, _ := newTestPipeline(t, testConfig(), fs, withPieceBytes(4<<10), withNormalize(manyThenPanic))
	if st := p.Flush(beforeManyAnd("never read"), "t"); st != StatusRetry {
		t.Fatalf("status %v", st)
	}
	if fs.calls != 1 {
		t.Errorf("%d writes", fs.calls)
	}
	if s := p.Stats(); s.RecordsIn != 2 || s.FlushesRetry != 1 || s.Out()+s.DeadLettered != 0 {
		t.Errorf("counters %+v", s)
	}
}

// TestHugeFlushReleasesMemory flushes a 20 MB Records document in one
// piece of 64 MiB, so that the arena grows past maxRetainedBytes as one
// huge message's would, and wants the pooled state to keep no more than
// after usual flushes, and the live heap after a GC back near where it
// was.
func TestHugeFlushReleasesMemory(t *testing.T) {
	chunk := hugeChunk(30000) // 20 MB: its arena is over maxRetainedBytes
	usual := benchChunks()[1].chunk
	p, _ := newTestPipeline(t, testConfig(), discard{}, withPieceBytes(64<<20))
	st := p.newState()
	if s := p.flushWith(st, "t", false, func(st *flushState) { p.decodeChunk(st, usual) }); s != StatusOK {
		t.Fatal(s)
	}
	st.trim()
	steady, steadyN := st.retainedBytes(), st.n.RetainedBytes()
	live := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := live()
	if s := p.flushWith(st, "t", false, func(st *flushState) { p.decodeChunk(st, chunk) }); s != StatusOK {
		t.Fatal(s)
	}
	if r := st.retainedBytes(); r < len(chunk)/2 {
		t.Errorf("the huge flush held only %d bytes: not huge enough to tell", r)
	}
	st.trim()
	r, n := st.retainedBytes(), st.n.RetainedBytes()
	if r > max(steady, maxRetainedBytes) || n > steadyN {
		t.Errorf("after a huge flush the state keeps %d bytes (its normalizer %d), after a usual one %d (%d)", r, n, steady, steadyN)
	}
	// Nothing else of the flush stays live: only what the state keeps
	// (at most a piece of output, for the next flush) on top of before.
	if after := live(); after > before+uint64(r-steady)+4<<20 {
		t.Errorf("live heap %d MB after the flush of %d MB, %d MB before; the state keeps %d MB", after>>20, len(chunk)>>20, before>>20, r>>20)
	}
	runtime.KeepAlive(chunk)
	runtime.KeepAlive(st)
}

// kafkaMessages is b as kafka-go's messages, aliasing b's bytes, for the
// fakes to keep and the tests to read.
func (b batch) kafkaMessages() []kafka.Message {
	msgs := make([]kafka.Message, b.len())
	for i := range msgs {
		msgs[i] = kafka.Message{Topic: b.topic(i), Key: b.key(i), Value: b.value(i), Headers: b.headers(i), Time: b.time}
	}
	return msgs
}

// retainSender keeps the messages it was given without copying, like
// kafka-go's batches do, to prove Flush hands over its own copies.
type retainSender struct{ msgs []kafka.Message }

func (r *retainSender) WriteMessages(_ context.Context, b batch) error {
	r.msgs = append(r.msgs, b.kafkaMessages()...)
	return nil
}

func (r *retainSender) Close() error { return nil }

func TestDoesNotRetainChunk(t *testing.T) {
	s := &retainSender{}
	p, _ := newTestPipeline(t, testConfig(), s, withNormalize(fakeNormalize))
	chunk := kafkatest.NewChunk().Line(t0, "log", "keep me").Line(t0, "log", "bad one").Line(t0, "x", "y").Bytes()
	if st := p.Flush(chunk, "tag"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	clear(chunk)
	for _, m := range s.msgs {
		if !json.Valid(m.Value) || bytes.Contains(m.Value, []byte{0}) {
			t.Errorf("message changed with the chunk: %q", m.Value)
		}
	}
	if !bytes.Contains(s.msgs[0].Value, []byte("keep me")) || string(s.msgs[0].Key) != "keep" {
		t.Errorf("first message %q key %q", s.msgs[0].Value, s.msgs[0].Key)
	}
}
