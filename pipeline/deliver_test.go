package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/segmentio/kafka-go"
)

// refuseOver is a broker that refuses, on their own, the messages of a
// topic whose value exceeds a limit (per topic; 0: no limit).
func refuseOver(limits map[string]int, code kafka.Error) func([]kafka.Message) error {
	return func(msgs []kafka.Message) error {
		errs := make(kafka.WriteErrors, len(msgs))
		n := 0
		for i, m := range msgs {
			if lim := limits[m.Topic]; lim > 0 && len(m.Value) > lim {
				errs[i] = code
				n++
			}
		}
		if n == 0 {
			return nil
		}
		return errs
	}
}

// bigChunk is three good lines and, second, one line of size bytes.
func bigChunk(size int) []byte {
	return kafkatest.NewChunk().
		Line(t0, "log", "good1 x").
		Line(t0, "log", "huge "+strings.Repeat("y", size)+" X-Amz-Signature=0123456789abcdef").
		Line(t0, "log", "good2 x").
		Line(t0, "log", "good3 x").Bytes()
}

func TestRefusedRecords(t *testing.T) {
	const huge = 200 << 10
	tests := []struct {
		name      string
		limits    map[string]int // refused above, per topic
		code      kafka.Error
		whole     bool // the sender refuses the whole write, not naming culprits
		dlqOff    bool
		wantDLQ   int
		wantDrop  int
		wantInput int    // max escaped input bytes of the dead letter
		reason    string // substring of the dead letter's reason
	}{
		{name: "dead-lettered with a truncated copy", limits: map[string]int{topicMain: 64 << 10}, code: kafka.MessageSizeTooLarge,
			wantDLQ: 1, wantInput: huge/2 + 256, reason: "record too large for the broker: "},
		{name: "record list too large", limits: map[string]int{topicMain: 64 << 10}, code: kafka.RecordListTooLarge,
			wantDLQ: 1, wantInput: huge/2 + 256, reason: "record too large for the broker: "},
		{name: "invalid record", limits: map[string]int{topicMain: 64 << 10}, code: kafka.InvalidRecord,
			wantDLQ: 1, wantInput: huge/2 + 256, reason: "record refused by the broker: "},
		{name: "whole write refused", limits: map[string]int{topicMain: 64 << 10}, code: kafka.MessageSizeTooLarge, whole: true,
			wantDLQ: 1, wantInput: huge/2 + 256, reason: "record too large for the broker: "},
		{name: "DLQ refuses the copy: minimal dead letter", limits: map[string]int{topicMain: 64 << 10, topicDLQ: 4 << 10}, code: kafka.MessageSizeTooLarge,
			wantDLQ: 1, wantInput: minimalInputBytes, reason: "bytes was refused too"},
		{name: "DLQ refuses everything: dropped", limits: map[string]int{topicMain: 64 << 10, topicDLQ: 100}, code: kafka.MessageSizeTooLarge,
			wantDrop: 1},
		{name: "DLQ off: dropped", limits: map[string]int{topicMain: 64 << 10}, code: kafka.MessageSizeTooLarge, dlqOff: true,
			wantDrop: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.dlqOff {
				cfg.DLQTopic = ""
			}
			p, s, logs := fakePipeline(t, cfg)
			refuse := refuseOver(tt.limits, tt.code)
			s.fail = refuse
			if tt.whole {
				s.fail = func(msgs []kafka.Message) error {
					if refuse(msgs) != nil {
						return tt.code // names no message
					}
					return nil
				}
			}
			if st := p.Flush(bigChunk(huge), "t.big"); st != StatusOK {
				t.Fatalf("Flush = %v, want ok\n%s", st, logs.all())
			}
			good := s.byTopic(topicMain)
			if len(good) != 3 {
				t.Fatalf("%d records delivered, want the 3 good ones", len(good))
			}
			for i, m := range good {
				if !strings.Contains(string(m.Value), fmt.Sprintf("good%d", i+1)) {
					t.Errorf("record %d is %.40s", i, m.Value)
				}
			}
			dl := s.byTopic(topicDLQ)
			if len(dl) != tt.wantDLQ {
				t.Fatalf("%d dead letters, want %d", len(dl), tt.wantDLQ)
			}
			for _, m := range dl {
				d := decodeDLQ(t, m.Value)
				if !strings.Contains(d.Reason, tt.reason) || !strings.Contains(header(m, "reason"), tt.reason) {
					t.Errorf("reason %q (header %q), want %q", d.Reason, header(m, "reason"), tt.reason)
				}
				if !d.InputTruncated || d.InputSize < huge || len(d.Input) > tt.wantInput || !strings.HasPrefix(d.Input, `{"input":"huge yyy`) {
					t.Errorf("dead letter input: %d bytes of %d (truncated %v), want at most %d: %.60s", len(d.Input), d.InputSize, d.InputTruncated, tt.wantInput, d.Input)
				}
				if d.Source != "s3_access" || d.Tag != "t.big" {
					t.Errorf("dead letter %+v", d)
				}
			}
			st := p.Stats()
			if st.Refused != 1 || st.Out() != 3 || st.DeadLettered != int64(tt.wantDLQ) || st.Dropped != int64(tt.wantDrop) ||
				st.FlushesOK != 1 || st.FlushesRetry != 0 || st.FlushesError != 0 || st.KafkaErrors != 0 {
				t.Errorf("stats %v", st)
			}
			all := logs.all()
			if !strings.Contains(all, "refused") || strings.Contains(all, "yyyy") || strings.Contains(all, "0123456789abcdef") {
				t.Errorf("logs must tell the reason, never the content:\n%.2000s", all)
			}
			if tt.wantDrop > 0 && !strings.Contains(all, "dropping") {
				t.Errorf("no warning for the dropped record:\n%s", all)
			}
		})
	}
}

// TestRefusedDeadLetter: the dead letter of a rejected record that the DLQ
// refuses becomes a minimal one naming both reasons.
func TestRefusedDeadLetter(t *testing.T) {
	p, s, _ := fakePipeline(t, testConfig())
	s.fail = refuseOver(map[string]int{topicDLQ: 8 << 10}, kafka.MessageSizeTooLarge)
	chunk := kafkatest.NewChunk().Line(t0, "log", "bad "+strings.Repeat("z", 20<<10)).Line(t0, "log", "ok x").Bytes()
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	dl := s.byTopic(topicDLQ)
	if len(dl) != 1 || len(s.byTopic(topicMain)) != 1 {
		t.Fatalf("%d dead letters, %d records", len(dl), len(s.byTopic(topicMain)))
	}
	d := decodeDLQ(t, dl[0].Value)
	if !strings.HasPrefix(d.Reason, "dead letter too large for the broker: ") || !strings.Contains(d.Reason, "it was dead-lettered for: s3_access: fake reject") {
		t.Errorf("reason %q", d.Reason)
	}
	if !d.InputTruncated || len(d.Input) > minimalInputBytes || !strings.HasPrefix(d.Input, `{"reason":`) {
		t.Errorf("input %q", d.Input)
	}
	if st := p.Stats(); st.Refused != 1 || st.DeadLettered != 1 || st.Out() != 1 {
		t.Errorf("stats %v", st)
	}
}

// TestRefusedThenRetriable: a refusal does not hide a retriable failure of
// another message; nothing is counted and the chunk is retried.
func TestRefusedThenRetriable(t *testing.T) {
	p, s, _ := fakePipeline(t, testConfig())
	s.fail = func(msgs []kafka.Message) error {
		errs := make(kafka.WriteErrors, len(msgs))
		for i, m := range msgs {
			switch {
			case len(m.Value) > 64<<10:
				errs[i] = kafka.MessageSizeTooLarge
			case strings.Contains(string(m.Value), "good3"):
				errs[i] = kafka.NotEnoughReplicas
			}
		}
		return errs
	}
	if st := p.Flush(bigChunk(100<<10), "t"); st != StatusRetry {
		t.Fatalf("Flush = %v, want retry", st)
	}
	if st := p.Stats(); st.Refused != 0 || st.DeadLettered != 0 || st.Out() != 0 || st.FlushesRetry != 1 {
		t.Errorf("stats %v", st)
	}
	// The DLQ failing transiently is a retry as well.
	p2, s2, _ := fakePipeline(t, testConfig())
	s2.fail = func(msgs []kafka.Message) error {
		if msgs[0].Topic == topicDLQ {
			return kafka.WriteErrors{kafka.NotEnoughReplicas}
		}
		return refuseOver(map[string]int{topicMain: 64 << 10}, kafka.MessageSizeTooLarge)(msgs)
	}
	if st := p2.Flush(bigChunk(100<<10), "t"); st != StatusRetry {
		t.Fatalf("Flush with the DLQ down = %v, want retry", st)
	}
}

// TestRefusedAlways: a sender that refuses everything as too large drops
// the chunk's records one by one, in a bounded number of writes, and
// never asks for a retry.
func TestRefusedAlways(t *testing.T) {
	for _, whole := range []bool{false, true} {
		t.Run(fmt.Sprint("whole=", whole), func(t *testing.T) {
			p, s, logs := fakePipeline(t, testConfig())
			s.fail = func(msgs []kafka.Message) error {
				if whole {
					return kafka.MessageTooLargeError{Message: msgs[0]}
				}
				errs := make(kafka.WriteErrors, len(msgs))
				for i := range errs {
					errs[i] = kafka.MessageSizeTooLarge
				}
				return errs
			}
			chunk := kafkatest.NewChunk().Line(t0, "log", "a").Line(t0, "log", "bad").Line(t0, "log", "c").Bytes()
			for range 3 {
				if st := p.Flush(chunk, "t"); st != StatusOK {
					t.Fatalf("Flush = %v, want ok (nothing can be delivered, nothing can block)", st)
				}
			}
			st := p.Stats()
			if st.Dropped != 9 || st.Refused != 9 || st.Out() != 0 || st.DeadLettered != 0 || st.FlushesOK != 3 {
				t.Errorf("stats %v", st)
			}
			// Per flush: the chunk, 2 full dead letters, 3 minimal ones
			// (plus one write per message to find the culprits of a
			// whole refusal).
			want := 3 * 3
			if whole {
				want = 3 * (3 + 3 + 2 + 3)
			}
			if s.calls != want {
				t.Errorf("%d writes, want %d", s.calls, want)
			}
			if !strings.Contains(logs.all(), "dropping a record the broker refused") {
				t.Errorf("logs:\n%s", logs.all())
			}
		})
	}
}

// A broker's refusal is classed by its cause.
func TestRefusalReasonClass(t *testing.T) {
	for _, tc := range []struct {
		err   error
		class string
	}{
		{kafka.MessageSizeTooLarge, "too_large"},
		{kafka.RecordListTooLarge, "too_large"},
		{kafka.MessageTooLargeError{}, "too_large"},
		{kafka.InvalidMessage, "refused"},
		{kafka.InvalidTopic, "refused"},
	} {
		reason, class := refusalReason(tc.err, "record", 9)
		if dlqClasses[class] != tc.class || !strings.HasPrefix(reason, "record ") {
			t.Errorf("refusalReason(%v) = %q, class %s; want class %s", tc.err, reason, dlqClasses[class], tc.class)
		}
	}
}

// fakeSender keeps copies of what it was asked to write and fails on
// demand; with a kafka.WriteErrors of one entry per message it keeps the
// messages whose entry is nil (a partial failure).
type fakeSender struct {
	mu     sync.Mutex
	msgs   []kafka.Message
	calls  int
	fail   func(msgs []kafka.Message) error
	closed bool
}

func (f *fakeSender) WriteMessages(_ context.Context, b batch) error {
	msgs := b.kafkaMessages()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	var err error
	if f.fail != nil {
		err = f.fail(msgs)
	}
	var werrs kafka.WriteErrors
	partial := errors.As(err, &werrs) && len(werrs) == len(msgs)
	if err != nil && !partial {
		return err
	}
	for i, m := range msgs {
		if partial && werrs[i] != nil {
			continue // not delivered
		}
		m.Key = bytes.Clone(m.Key)
		m.Value = bytes.Clone(m.Value)
		f.msgs = append(f.msgs, m)
	}
	return err
}

func (f *fakeSender) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

func (f *fakeSender) byTopic(topic string) []kafka.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []kafka.Message
	for _, m := range f.msgs {
		if m.Topic == topic {
			out = append(out, m)
		}
	}
	return out
}

func (f *fakeSender) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.msgs)
}

var errInjected = errors.New("injected")

// TestWriteErrorClassification: failures that a redelivery may not meet
// ask for a retry; failures of the request itself (not of single records,
// see TestRefusedRecords) drop the chunk.
func TestWriteErrorClassification(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Status
	}{
		{"plain error", errInjected, StatusRetry},
		{"deadline", context.DeadlineExceeded, StatusRetry},
		{"wrapped deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), StatusRetry},
		{"not enough replicas", kafka.WriteErrors{kafka.NotEnoughReplicas, nil}, StatusRetry},
		{"leader moved", kafka.NotLeaderForPartition, StatusRetry},
		{"authorization (an operator can fix it)", kafka.TopicAuthorizationFailed, StatusRetry},
		{"unknown topic (may be created)", kafka.UnknownTopicOrPartition, StatusRetry},
		{"refused record and transient", kafka.WriteErrors{kafka.MessageSizeTooLarge, kafka.NotEnoughReplicas}, StatusRetry},
		{"refused record and permanent", kafka.WriteErrors{kafka.MessageSizeTooLarge, kafka.UnsupportedCompressionType}, StatusError},
		{"not sent after a failure", kafka.WriteErrors{nil, fmt.Errorf("%w: %w", errNotSent, kafka.NotEnoughReplicas)}, StatusRetry},
		{"invalid topic", kafka.InvalidTopic, StatusError},
		{"unsupported message format", kafka.UnsupportedForMessageFormat, StatusError},
		{"unsupported compression", kafka.WriteErrors{kafka.UnsupportedCompressionType}, StatusError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, s, logs := fakePipeline(t, testConfig())
			s.fail = func([]kafka.Message) error { return tt.err }
			chunk := kafkatest.NewChunk().Line(t0, "log", "a").Line(t0, "log", "bad").Bytes()
			if got := p.Flush(chunk, "t"); got != tt.want {
				t.Fatalf("Flush = %v, want %v", got, tt.want)
			}
			st := p.Stats()
			if st.Out() != 0 || st.DeadLettered != 0 || st.KafkaErrors != 1 || st.RecordsIn != 2 {
				t.Errorf("a failed flush moved outcome counters: %v", st)
			}
			if (tt.want == StatusRetry) != (st.FlushesRetry == 1) || (tt.want == StatusError) != (st.FlushesError == 1) {
				t.Errorf("flush counters %v", st)
			}
			if want := map[Status]string{StatusRetry: "2 writing 2 messages failed", StatusError: "1 dropping a chunk of 2"}[tt.want]; !strings.Contains(logs.all(), want) {
				t.Errorf("log %q, want %q", logs.all(), want)
			}
		})
	}
}

// TestRetryRedeliversSameResult: a retried chunk produces the same
// messages again (Fluent Bit redelivers it whole).
func TestRetryRedeliversSameResult(t *testing.T) {
	p, s, _ := fakePipeline(t, testConfig())
	fail := true
	s.fail = func([]kafka.Message) error {
		if fail {
			return kafka.WriteErrors{kafka.NotEnoughReplicas}
		}
		return nil
	}
	chunk := kafkatest.NewChunk().Line(t0, "log", "a").Line(t0, "log", "bad").Bytes()
	if st := p.Flush(chunk, "t"); st != StatusRetry {
		t.Fatalf("first Flush = %v", st)
	}
	fail = false
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("second Flush = %v", st)
	}
	if len(s.byTopic(topicMain)) != 1 || len(s.byTopic(topicDLQ)) != 1 {
		t.Errorf("messages %v", s.msgs)
	}
	st := p.Stats()
	// The redelivery is a retry, not new input.
	if st.RecordsIn != 2 || st.ChunksRetried != 1 || st.Out() != 1 || st.DeadLettered != 1 || st.FlushesRetry != 1 || st.FlushesOK != 1 {
		t.Errorf("stats %v, chunks retried %d", st, st.ChunksRetried)
	}
	var dead int64
	for _, n := range st.DeadLetters {
		dead += n
	}
	if dead != st.DeadLettered || st.DeadLetters["unparsable"] != 1 {
		t.Errorf("dead letters by class %v, want the one unparsable record", st.DeadLetters)
	}
	// The same content under another tag, or flushed again after it
	// succeeded, is new input.
	p.Flush(chunk, "t")
	p.Flush(chunk, "other")
	if st := p.Stats(); st.RecordsIn != 6 || st.ChunksRetried != 1 {
		t.Errorf("after two new flushes: records in %d, chunks retried %d; want 6, 1", st.RecordsIn, st.ChunksRetried)
	}
}
