package pipeline

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/segmentio/kafka-go"
)

type KV = kafkatest.KV

// M builds an ordered record map.
var M = kafkatest.M

// routedConfig has a topic per source.
func routedConfig() conf.Config {
	c := testConfig()
	c.TopicS3Access = topicS3
	c.TopicCloudTrail = topicCT
	c.RegionKey = "aws_region"
	return c
}

// fakePipeline is a pipeline over a fakeSender with the fake normalizer.
func fakePipeline(tb testing.TB, cfg conf.Config) (*Pipeline, *fakeSender, *logSink) {
	tb.Helper()
	s := &fakeSender{}
	p, logs := newTestPipeline(tb, cfg, s, withNormalize(fakeNormalize))
	return p, s, logs
}

type wantMsg struct {
	topic  string
	source string // header
	key    string
	input  string // fake normalizer's "input" field, or the DLQ input
	region string
	reason string // DLQ only: substring
}

func TestRouting(t *testing.T) {
	const noLogKey = "record has no log key (log, message) and no CloudTrail fields"
	tests := []struct {
		name   string
		source normalize.Source // cfg.Source
		fields []KV
		bin    bool
		want   []wantMsg
	}{
		{
			name:   "access-log line under log",
			fields: M("log", "GET /b/k"),
			want:   []wantMsg{{topic: topicS3, source: "s3_access", key: "GET", input: "GET /b/k"}},
		},
		{
			name:   "line under message",
			fields: M("message", "PUT x", "other", 1),
			want:   []wantMsg{{topic: topicS3, source: "s3_access", key: "PUT", input: "PUT x"}},
		},
		{
			name:   "log wins over message whatever the order",
			fields: M("message", "second", "log", "first"),
			want:   []wantMsg{{topic: topicS3, source: "s3_access", key: "first", input: "first"}},
		},
		{
			name:   "bin strings",
			fields: M("log", "binline"),
			bin:    true,
			want:   []wantMsg{{topic: topicS3, source: "s3_access", key: "binline", input: "binline"}},
		},
		{
			name:   "JSON line goes to CloudTrail",
			fields: M("log", `{"eventVersion":"1.08"}`),
			want:   []wantMsg{{topic: topicCT, source: "cloudtrail", key: `{"eventVersion":"1.08"}`, input: `{"eventVersion":"1.08"}`}},
		},
		{
			name:   "source hint applies to lines",
			source: normalize.SourceCloudTrail,
			fields: M("log", "plain"),
			want:   []wantMsg{{topic: topicCT, source: "cloudtrail", key: "plain", input: "plain"}},
		},
		{
			name:   "record that is CloudTrail fields, key order kept",
			fields: M("eventVersion", "1.08", "userIdentity", M("type", "Root"), "eventName", "GetObject", "n", 1.5),
			want: []wantMsg{{topic: topicCT, source: "cloudtrail",
				key:   `{"eventVersion":"1.08","userIdentity":{"type":"Root"},"eventName":"GetObject","n":1.5}`,
				input: `{"eventVersion":"1.08","userIdentity":{"type":"Root"},"eventName":"GetObject","n":1.5}`}},
		},
		{
			name:   "CloudTrail fields even with a configured access-log source",
			source: normalize.SourceS3Access,
			fields: M("eventSource", "s3.amazonaws.com"),
			want:   []wantMsg{{topic: topicCT, source: "cloudtrail", key: `{"eventSource":"s3.amazonaws.com"}`, input: `{"eventSource":"s3.amazonaws.com"}`}},
		},
		{
			name:   "Records envelope",
			fields: M("Records", []any{M("eventName", "x")}),
			want:   []wantMsg{{topic: topicCT, source: "cloudtrail", key: `{"Records":[{"eventName":"x"}]}`, input: `{"Records":[{"eventName":"x"}]}`}},
		},
		{
			name:   "EventBridge envelope",
			fields: M("detail-type", "AWS API Call via CloudTrail", "detail", M()),
			want:   []wantMsg{{topic: topicCT, source: "cloudtrail", key: `{"detail-type":"AWS`, input: `{"detail-type":"AWS API Call via CloudTrail","detail":{}}`}},
		},
		{
			name:   "CloudWatch Logs envelope",
			fields: M("messageType", "DATA_MESSAGE", "logEvents", []any{}),
			want:   []wantMsg{{topic: topicCT, source: "cloudtrail", key: `{"messageType":"DATA_MESSAGE","logEvents":[]}`, input: `{"messageType":"DATA_MESSAGE","logEvents":[]}`}},
		},
		{
			name:   "detail-type alone is not an envelope",
			fields: M("detail-type", "x"),
			want:   []wantMsg{{topic: topicDLQ, source: "unknown", input: `{"detail-type":"x"}`, reason: noLogKey}},
		},
		{
			name:   "log key holding a map is its JSON",
			fields: M("log", M("eventName", "PutObject")),
			want:   []wantMsg{{topic: topicCT, source: "cloudtrail", key: `{"eventName":"PutObject"}`, input: `{"eventName":"PutObject"}`}},
		},
		{
			name:   "no log key, no CloudTrail fields",
			fields: M("foo", "bar", "n", 2),
			want:   []wantMsg{{topic: topicDLQ, source: "unknown", input: `{"foo":"bar","n":2}`, reason: noLogKey}},
		},
		{
			name:   "log key that is a number",
			fields: M("log", 5),
			want:   []wantMsg{{topic: topicDLQ, source: "unknown", input: `{"log":5}`, reason: noLogKey}},
		},
		{
			name:   "empty record",
			fields: M(),
			want:   []wantMsg{{topic: topicDLQ, source: "unknown", input: `{}`, reason: noLogKey}},
		},
		{
			name:   "rejected line",
			fields: M("log", "bad line"),
			want:   []wantMsg{{topic: topicDLQ, source: "s3_access", input: "bad line", reason: "s3_access: fake reject"}},
		},
		{
			name:   "dead letters are redacted",
			fields: M("log", "bad GET /k?X-Amz-Signature=abc123&b=1 x"),
			want:   []wantMsg{{topic: topicDLQ, source: "s3_access", input: "bad GET /k?X-Amz-Signature=REDACTED&b=1 x", reason: "fake reject"}},
		},
		{
			name:   "panicking record",
			fields: M("log", "panic now"),
			want:   []wantMsg{{topic: topicDLQ, source: "unknown", input: `{"log":"panic now"}`, reason: "internal error: fake normalizer exploded"}},
		},
		{
			name:   "one input, two records",
			fields: M("log", "two x"),
			want: []wantMsg{
				{topic: topicS3, source: "s3_access", key: "two", input: "two x"},
				{topic: topicS3, source: "s3_access", key: "two", input: "two x"},
			},
		},
		{
			name:   "region key",
			fields: M("aws_region", "eu-west-1", "log", "r"),
			want:   []wantMsg{{topic: topicS3, source: "s3_access", key: "r", input: "r", region: "eu-west-1"}},
		},
		{
			name:   "region key that is not a string is ignored",
			fields: M("aws_region", 3, "log", "r"),
			want:   []wantMsg{{topic: topicS3, source: "s3_access", key: "r", input: "r"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := routedConfig()
			cfg.Source = tt.source
			p, s, _ := fakePipeline(t, cfg)
			chunk := kafkatest.NewChunk().Add(kafkatest.Event{Time: t0, Fields: tt.fields, Bin: tt.bin}).Bytes()
			if st := p.Flush(chunk, "s3.logs"); st != StatusOK {
				t.Fatalf("Flush = %v", st)
			}
			checkMessages(t, s.msgs, tt.want)
		})
	}
}

func checkMessages(t *testing.T, got []kafka.Message, want []wantMsg) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		m := got[i]
		if m.Topic != w.topic {
			t.Errorf("message %d topic %q, want %q", i, m.Topic, w.topic)
		}
		if h := header(m, "source"); h != w.source {
			t.Errorf("message %d source header %q, want %q", i, h, w.source)
		}
		if m.Time.IsZero() {
			t.Errorf("message %d has no timestamp", i)
		}
		if w.topic == topicDLQ {
			d := decodeDLQ(t, m.Value)
			if !strings.Contains(d.Reason, w.reason) || !strings.Contains(header(m, "reason"), w.reason) {
				t.Errorf("message %d reason %q (header %q), want %q", i, d.Reason, header(m, "reason"), w.reason)
			}
			if d.Input != w.input || d.Source != w.source || d.Tag != "s3.logs" || d.Time != t0.Format(time.RFC3339Nano) {
				t.Errorf("message %d dead letter %+v, want input %q source %q", i, d, w.input, w.source)
			}
			if m.Key != nil {
				t.Errorf("dead letter with key %q", m.Key)
			}
			continue
		}
		if h := header(m, "schema_version"); h != "1" {
			t.Errorf("message %d schema_version %q", i, h)
		}
		if !strings.HasPrefix(string(m.Key), w.key) {
			t.Errorf("message %d key %q, want %q", i, m.Key, w.key)
		}
		var rec struct{ Source, Input, Region string }
		if err := json.Unmarshal(m.Value, &rec); err != nil {
			t.Fatalf("message %d value %q: %v", i, m.Value, err)
		}
		if rec.Input != w.input || rec.Region != w.region || rec.Source != w.source {
			t.Errorf("message %d value %+v, want input %q region %q", i, rec, w.input, w.region)
		}
	}
}

// TestEveryInputAccountedFor mixes good, rejected and panicking records in
// one chunk: everything comes out, in input order.
func TestEveryInputAccountedFor(t *testing.T) {
	p, s, _ := fakePipeline(t, testConfig())
	c := kafkatest.NewChunk()
	var want []string
	for i := range 300 {
		var line string
		switch i % 5 {
		case 0:
			line = fmt.Sprintf("bad %d", i)
		case 1:
			line = fmt.Sprintf("panic %d", i)
		default:
			line = fmt.Sprintf("ok%d line", i)
		}
		c.Add(kafkatest.Event{Time: t0.Add(time.Duration(i) * time.Second), Legacy: i%2 == 0, Bin: i%3 == 0, Fields: M("log", line)})
		want = append(want, line)
	}
	if st := p.Flush(c.Bytes(), "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	if len(s.msgs) != len(want) {
		t.Fatalf("%d messages for %d inputs", len(s.msgs), len(want))
	}
	for i, m := range s.msgs {
		var got string
		if m.Topic == topicDLQ {
			d := decodeDLQ(t, m.Value)
			got = d.Input
			if strings.HasPrefix(d.Input, `{"log":`) { // a panic dead-letters the whole record
				var rec struct{ Log string }
				_ = json.Unmarshal([]byte(d.Input), &rec)
				got = rec.Log
			}
		} else {
			var rec struct{ Input string }
			_ = json.Unmarshal(m.Value, &rec)
			got = rec.Input
		}
		if got != want[i] {
			t.Errorf("message %d carries %q, want %q", i, got, want[i])
		}
	}
	st := p.Stats()
	if st.RecordsIn != 300 || st.DeadLettered != 120 || st.Out() != 180 || st.FlushesOK != 1 {
		t.Errorf("stats %v", st)
	}
}

func TestMalformedTail(t *testing.T) {
	tail := []byte{0x92, 0xc1, 0xff, 0x00, 'x'}
	good := kafkatest.NewChunk().Line(t0, "log", "first").Line(t0, "log", "second").Bytes()
	tests := []struct {
		name      string
		chunk     []byte
		wantGood  int
		wantStart int
		wantTail  []byte
	}{
		{"garbage after events", append(bytes.Clone(good), tail...), 2, len(good), tail},
		{"garbage only", tail, 0, 0, tail},
		{"truncated last event", good[:len(good)-3], 1, len(good) / 2, good[len(good)/2 : len(good)-3]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, s, _ := fakePipeline(t, testConfig())
			if st := p.Flush(tt.chunk, "t"); st != StatusOK {
				t.Fatalf("Flush = %v, want ok (dead-lettered, not retried)", st)
			}
			if n := len(s.byTopic(topicMain)); n != tt.wantGood {
				t.Errorf("%d good messages, want %d", n, tt.wantGood)
			}
			dl := s.byTopic(topicDLQ)
			if len(dl) != 1 {
				t.Fatalf("%d dead letters, want 1", len(dl))
			}
			d := decodeDLQ(t, dl[0].Value)
			if !strings.Contains(d.Reason, fmt.Sprintf("malformed chunk at byte %d of %d", tt.wantStart, len(tt.chunk))) {
				t.Errorf("reason %q", d.Reason)
			}
			raw, err := base64.StdEncoding.DecodeString(d.Input)
			if err != nil || d.InputEncoding != "base64" || !bytes.Equal(raw, tt.wantTail) {
				t.Errorf("input %q (%s), want base64 of %x", d.Input, d.InputEncoding, tt.wantTail)
			}
		})
	}
}

// TestBigInputsAreBounded: a huge malformed tail and an oversized record
// become dead letters that still fit Batch_Bytes.
func TestBigInputsAreBounded(t *testing.T) {
	cfg := testConfig()
	cfg.BatchBytes = 64 << 10
	p, s, _ := fakePipeline(t, cfg)
	big := strings.Repeat("é", 40<<10) // 80 KiB of two-byte characters
	chunk := kafkatest.NewChunk().Line(t0, "log", big).Raw(bytes.Repeat([]byte{0xc1}, 1<<20)).Bytes()
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	dl := s.byTopic(topicDLQ)
	if len(dl) != 2 || s.count() != 2 {
		t.Fatalf("%d messages, %d dead letters; want 2 dead letters", s.count(), len(dl))
	}
	d := decodeDLQ(t, dl[0].Value)
	if !strings.HasPrefix(d.Reason, "record too large") || !d.InputTruncated || d.InputSize != len(big) || !strings.HasPrefix(big, d.Input) {
		t.Errorf("oversized record: reason %q truncated %v size %d", d.Reason, d.InputTruncated, d.InputSize)
	}
	d = decodeDLQ(t, dl[1].Value)
	if !d.InputTruncated || d.InputSize != 1<<20 {
		t.Errorf("tail: truncated %v size %d", d.InputTruncated, d.InputSize)
	}
	for _, m := range dl {
		if len(m.Value) > p.maxMsg {
			t.Errorf("dead letter of %d bytes exceeds %d", len(m.Value), p.maxMsg)
		}
	}
}

func TestDLQOff(t *testing.T) {
	cfg := testConfig()
	cfg.DLQTopic = ""
	p, s, logs := fakePipeline(t, cfg)
	c := kafkatest.NewChunk()
	for i := range 10 {
		c.Line(t0, "log", fmt.Sprintf("bad %d", i))
	}
	c.Line(t0, "log", "good").Line(t0, "nolog", "x")
	if st := p.Flush(c.Bytes(), "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	if s.count() != 1 || len(s.byTopic(topicMain)) != 1 {
		t.Errorf("%d messages, want only the good one", s.count())
	}
	st := p.Stats()
	if st.Dropped != 11 || st.DeadLettered != 0 {
		t.Errorf("stats %v", st)
	}
	if n := strings.Count(logs.all(), "dropping a rejected record"); n != 1 {
		t.Errorf("%d drop warnings, want 1 (rate-limited):\n%s", n, logs.all())
	}
}

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

func TestFlushRecords(t *testing.T) {
	p, s, _ := fakePipeline(t, routedConfig())
	before := time.Now()
	recs := []Record{
		{Time: t0, Line: []byte("GET a")},
		{Line: []byte("bad x")},
		{},
	}
	if st := p.FlushRecords(recs, "cli"); st != StatusOK {
		t.Fatalf("FlushRecords = %v", st)
	}
	if s.count() != 3 {
		t.Fatalf("%d messages for 3 records", s.count())
	}
	m := s.msgs
	if m[0].Topic != topicS3 || m[1].Topic != topicDLQ || m[2].Topic != topicDLQ {
		t.Errorf("topics %v %v %v", m[0].Topic, m[1].Topic, m[2].Topic)
	}
	if d := decodeDLQ(t, m[1].Value); d.Input != "bad x" {
		t.Errorf("rejected line input %q", d.Input)
	}
	if d := decodeDLQ(t, m[2].Value); d.Reason != "empty record" {
		t.Errorf("empty record reason %q", d.Reason)
	}
	if tm, _ := time.Parse(time.RFC3339Nano, decodeDLQ(t, m[1].Value).Time); tm.Before(before.Add(-time.Second)) {
		t.Errorf("a record without time should get now, got %v", tm)
	}
	if st := p.FlushRecords(nil, "cli"); st != StatusOK {
		t.Errorf("empty FlushRecords = %v", st)
	}
}

// TestRecordFields: a record given as fields (what FlushRecords took as a
// map before it took lines only) is routed by its keys: CloudTrail fields
// transcoded in key order with the region key, a line under a log key, a
// record with neither dead-lettered.
func TestRecordFields(t *testing.T) {
	p, s, _ := fakePipeline(t, routedConfig())
	chunk := kafkatest.NewChunk().
		Add(kafkatest.Event{Time: t0, Fields: M("aws_region", "us-west-2", "eventName", "GetObject", "eventVersion", "1.08")}).
		Line(t0, "log", "via fields").
		Add(kafkatest.Event{Time: t0, Fields: M("other", true)}).Bytes()
	if st := p.Flush(chunk, "cli"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	if s.count() != 3 {
		t.Fatalf("%d messages for 3 records", s.count())
	}
	m := s.msgs
	if m[0].Topic != topicCT || m[1].Topic != topicS3 || m[2].Topic != topicDLQ {
		t.Errorf("topics %v %v %v", m[0].Topic, m[1].Topic, m[2].Topic)
	}
	if !bytes.Contains(m[0].Value, []byte(`"region":"us-west-2"`)) ||
		!bytes.Contains(m[0].Value, []byte(`{\"aws_region\":\"us-west-2\",\"eventName\":\"GetObject\",\"eventVersion\":\"1.08\"}`)) {
		t.Errorf("fields record %s", m[0].Value)
	}
}

func TestConcurrentFlushFake(t *testing.T) {
	p, s, _ := fakePipeline(t, testConfig())
	const workers, chunks, lines = 8, 40, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for c := range chunks {
				ch := kafkatest.NewChunk()
				for l := range lines {
					line := fmt.Sprintf("w%d-c%d-l%d", w, c, l)
					if l%7 == 0 {
						line = "bad " + line
					}
					ch.Line(t0, "log", line)
				}
				if st := p.Flush(ch.Bytes(), fmt.Sprintf("tag%d", w)); st != StatusOK {
					t.Errorf("Flush = %v", st)
				}
			}
		})
	}
	wg.Wait()
	if n := s.count(); n != workers*chunks*lines {
		t.Fatalf("%d messages, want %d", n, workers*chunks*lines)
	}
	seen := map[string]bool{}
	for _, m := range s.msgs {
		v := string(m.Value)
		if seen[v] {
			t.Fatalf("duplicate %s: buffers shared between flushes", v)
		}
		seen[v] = true
	}
	st := p.Stats()
	if st.RecordsIn != workers*chunks*lines || st.Out()+st.DeadLettered != workers*chunks*lines {
		t.Errorf("stats %v", st)
	}
}

func TestCloseAndMetrics(t *testing.T) {
	cfg := testConfig()
	cfg.MetricsInterval = 10 * time.Millisecond
	p, s, logs := fakePipeline(t, cfg)
	if st := p.Flush(kafkatest.NewChunk().Line(t0, "log", "a").Bytes(), "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.all(), "records_in=1 ") {
		if time.Now().After(deadline) {
			t.Fatalf("no periodic metrics line:\n%s", logs.all())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if !s.closed {
		t.Error("writer not closed")
	}
	if !strings.Contains(logs.all(), "final counters: records_in=1 records_out{audit}=1") {
		t.Errorf("no final counters:\n%s", logs.all())
	}
	if st := p.Flush(kafkatest.NewChunk().Line(t0, "log", "late").Bytes(), "t"); st != StatusRetry {
		t.Errorf("Flush after Close = %v, want retry", st)
	}
}

func TestStatsString(t *testing.T) {
	s := Stats{RecordsIn: 3, RecordsOut: map[string]int64{"b": 2, "a": 1}, DeadLettered: 4, BytesOut: 9}
	want := "records_in=3 records_out{a}=1 records_out{b}=2 dead_lettered=4 dropped=0 flushes_ok=0 flushes_retry=0 flushes_error=0 kafka_errors=0 bytes_out=9 refused=0"
	if got := s.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*conf.Config)
		want   string
	}{
		{"no brokers", func(c *conf.Config) { c.Brokers = nil }, "no brokers"},
		{"bad sasl", func(c *conf.Config) { c.SASLMechanism = "GSSAPI"; c.SASLPassword = "s3cret" }, "sasl mechanism"},
		{"no topic", func(c *conf.Config) { c.Topic = ""; c.TopicS3Access = "x" }, "no topic"},
		{"missing CA file", func(c *conf.Config) { c.TLS = true; c.TLSCAFile = "/nonexistent/ca.pem" }, "tls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig()
			tt.mutate(&c)
			p, err := New(c, nil)
			if err == nil {
				_ = p.Close()
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q, want it to mention %q and no secret", err, tt.want)
			}
		})
	}
}

// TestNoSecretsInLogs: a flush that fails against an unreachable broker
// with SASL set never logs the password.
func TestNoSecretsInLogs(t *testing.T) {
	const secret = "hunter2-very-secret"
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			c := testConfig("127.0.0.1:1") // nothing listens there
			c.SASLMechanism, c.SASLUsername, c.SASLPassword = conf.Mechanism(mech), "user", secret
			c.WriteTimeout = time.Second
			c.MetricsInterval = 5 * time.Millisecond
			logs := &logSink{}
			p, err := New(c, logs.log)
			if err != nil {
				t.Fatal(err)
			}
			if st := p.Flush(kafkatest.NewChunk().Line(t0, "log", "x").Bytes(), "t"); st != StatusRetry {
				t.Errorf("Flush = %v, want retry", st)
			}
			time.Sleep(20 * time.Millisecond)
			if err := p.Close(); err != nil {
				t.Error(err)
			}
			if all := logs.all(); strings.Contains(all, secret) || !strings.Contains(all, "final counters") {
				t.Errorf("logs:\n%s", all)
			}
		})
	}
}

// TestDeadLetterRedaction runs the real normalizer over rejected inputs
// whose reason or text carries a secret in some spelling (issue 11): no
// secret may reach the dead letter's reason, input or reason header, nor,
// with DLQ_Topic off, the log.
func TestDeadLetterRedaction(t *testing.T) {
	line := func(bytesSent, objectSize string) string {
		return "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bkt [01/Jan/2025:00:00:00 +0000] 192.0.2.1 - REQ1 REST.GET.OBJECT k " +
			`"GET /k HTTP/1.1" 200 - ` + bytesSent + " " + objectSize + ` 5 4 "-" "curl" -`
	}
	tests := []struct {
		name, secret string
		chunk        []byte
	}{
		{"bad field X-Amz-Signature=", "SIGBADFIELD01abcdef",
			kafkatest.NewChunk().Line(t0, "log", line("X-Amz-Signature=SIGBADFIELD01abcdef", "10")).Bytes()},
		{"bad field with an encoded '='", "SIGBADFIELD02abcdef",
			kafkatest.NewChunk().Line(t0, "log", line("10", "X-Amz-Signature%3DSIGBADFIELD02abcdef")).Bytes()},
		{"short line, name after a space", "TOKSHORTLINE03abcdef",
			kafkatest.NewChunk().Line(t0, "log", "not a log agent/1.0 X-Amz-Security-Token=TOKSHORTLINE03abcdef end").Bytes()},
		{"broken JSON with an escaped credential key", "TOKBROKEN04abcdef",
			kafkatest.NewChunk().Line(t0, "log", `{"eventVersion":"1.08","responseElements":{"session\u0054oken":"TOKBROKEN04abcdef", broken`).Bytes()},
		{"malformed chunk tail", "SIGTAIL05abcdef",
			[]byte("\x92\xc1 GET /k?X-Amz-Signature%3DSIGTAIL05abcdef%26a%3D1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeSender{}
			p, logs := newTestPipeline(t, testConfig(), s)
			if st := p.Flush(tt.chunk, "t"); st != StatusOK {
				t.Fatalf("Flush = %v", st)
			}
			dl := s.byTopic(topicDLQ)
			if len(dl) != 1 {
				t.Fatalf("%d dead letters, want 1", len(dl))
			}
			d := decodeDLQ(t, dl[0].Value)
			input := d.Input
			if d.InputEncoding == "base64" {
				raw, err := base64.StdEncoding.DecodeString(d.Input)
				if err != nil {
					t.Fatal(err)
				}
				input = string(raw)
			}
			for where, text := range map[string]string{"value": string(dl[0].Value), "reason": d.Reason, "input": input,
				"reason header": header(dl[0], "reason"), "log": logs.all()} {
				if strings.Contains(text, tt.secret) {
					t.Errorf("the secret is in the dead letter's %s: %s", where, text)
				}
			}
			if !strings.Contains(input, "REDACTED") {
				t.Errorf("input %q: want the secret masked, not dropped", input)
			}

			cfg := testConfig()
			cfg.DLQTopic = ""
			p, logs = newTestPipeline(t, cfg, &fakeSender{})
			if st := p.Flush(tt.chunk, "t"); st != StatusOK {
				t.Fatalf("Flush without DLQ = %v", st)
			}
			if all := logs.all(); strings.Contains(all, tt.secret) || !strings.Contains(all, "dropping") {
				t.Errorf("with DLQ_Topic off, the log leaks or says nothing:\n%s", all)
			}
		})
	}
}

// TestLogsAreRedacted: whatever the pipeline logs goes through redaction,
// Redact off included.
func TestLogsAreRedacted(t *testing.T) {
	cfg := testConfig()
	cfg.Redact = false
	p, logs := newTestPipeline(t, cfg, &fakeSender{})
	p.log(LevelWarn, "quoting ?X-Amz-Signature%3DSIGLOGGED06abc and agent X-Amz-Security-Token=TOKLOGGED06abc")
	if all := logs.all(); strings.Contains(all, "LOGGED06") || !strings.Contains(all, "REDACTED") {
		t.Errorf("log not redacted: %s", all)
	}
}

// FuzzFlush: any bytes as a chunk: no panic, never a retry, and every
// decoded event plus a malformed tail is accounted for.
func FuzzFlush(f *testing.F) {
	f.Add(kafkatest.NewChunk().Line(t0, "log", "a").Bytes())
	f.Add(kafkatest.NewChunk().Add(kafkatest.Event{Time: t0, Legacy: true, Bin: true,
		Fields: M("eventName", "x", "n", []any{1, nil, 2.5})}).Bytes())
	f.Add([]byte{0x92, 0xc1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, s, _ := fakePipeline(t, testConfig())
		if st := p.Flush(data, "fuzz"); st != StatusOK {
			t.Fatalf("Flush = %v", st)
		}
		st := p.Stats()
		if int64(s.count()) < st.RecordsIn {
			t.Fatalf("%d messages for %d records", s.count(), st.RecordsIn)
		}
		for _, m := range s.byTopic(topicDLQ) {
			decodeDLQ(t, m.Value)
		}
	})
}

// TestRealNormalizerEnvelopes runs the real normalizer: envelopes given
// as Fluent Bit fields fan out per element, a CONTROL_MESSAGE yields
// nothing, a bad element is dead-lettered alone, Region_Key reaches the
// record.
func TestRealNormalizerEnvelopes(t *testing.T) {
	s := &fakeSender{}
	p, _ := newTestPipeline(t, routedConfig(), s)
	c := kafkatest.NewChunk()
	for _, f := range [][]KV{
		M("Records", []any{
			M("eventVersion", "1.08", "eventName", "GetObject", "eventSource", "s3.amazonaws.com", "eventTime", "2024-01-01T00:00:00Z", "requestID", "R1"),
			M("eventVersion", "1.08", "eventName", "PutObject", "requestID", "R2"),
		}),
		M("messageType", "DATA_MESSAGE", "logEvents", []any{M("id", "1", "message", ctRecord), M("id", "2", "message", "not json")}),
		M("messageType", "CONTROL_MESSAGE", "logEvents", []any{}),
		M("log", s3Lines[2], "aws_region", "eu-central-1"),
	} {
		c.Add(kafkatest.Event{Time: t0, Fields: f})
	}
	if st := p.Flush(c.Bytes(), "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	type rec struct {
		Source, Action, Region string
		RegionSource           string `json:"region_source"`
		Request                struct{ ID string }
	}
	want := []struct {
		topic string
		rec   rec
	}{
		{topicCT, rec{Source: "cloudtrail", Action: "GetObject", Request: struct{ ID string }{"R1"}}},
		{topicCT, rec{Source: "cloudtrail", Action: "PutObject", Request: struct{ ID string }{"R2"}}},
		{topicCT, rec{Source: "cloudtrail", Action: "ListBuckets", Region: "us-west-2", RegionSource: "event", Request: struct{ ID string }{"47B8E8D397DCE7A6"}}},
		{topicDLQ, rec{}},
		{topicS3, rec{Source: "s3_access", Action: "GetBucketPolicy", Region: "eu-central-1", RegionSource: "record", Request: struct{ ID string }{"A1206F460EXAMPLE"}}},
	}
	if len(s.msgs) != len(want) {
		t.Fatalf("%d messages, want %d", len(s.msgs), len(want))
	}
	for i, w := range want {
		m := s.msgs[i]
		if m.Topic != w.topic {
			t.Errorf("message %d on %s, want %s", i, m.Topic, w.topic)
			continue
		}
		if w.topic == topicDLQ {
			if d := decodeDLQ(t, m.Value); d.Input != "not json" || d.Source != "cloudtrail" || !strings.Contains(d.Reason, "logEvents[1]") {
				t.Errorf("dead letter %+v", d)
			}
			continue
		}
		var got rec
		if err := json.Unmarshal(m.Value, &got); err != nil {
			t.Fatal(err)
		}
		if got != w.rec {
			t.Errorf("message %d = %+v, want %+v", i, got, w.rec)
		}
	}
}

// TestCloudWatchAccessLogFields checks that a record whose keys are an S3
// access log delivered to CloudWatch Logs (a JSON parser upstream) reaches
// the normalizer and comes out on the access-log topic.
func TestCloudWatchAccessLogFields(t *testing.T) {
	s := &fakeSender{}
	p, _ := newTestPipeline(t, routedConfig(), s)
	chunk := kafkatest.NewChunk().Add(kafkatest.Event{Time: t0, Fields: M(
		"bucket_arn", "arn:aws:s3:::b", "bucket_name", "b", "http_status", 200, "key_name", "k",
		"operation", "REST.GET.OBJECT", "request_id", "R1", "request_time", "2026-03-14T09:26:53.000Z",
		"requester", nil, "schema_version_id", "V_1_0",
	)}).Bytes()
	if st := p.Flush(chunk, "cli"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	if s.count() != 1 || s.msgs[0].Topic != topicS3 || !bytes.Contains(s.msgs[0].Value, []byte(`"source":"s3_access"`)) {
		t.Fatalf("messages %+v", s.msgs)
	}
}
