package pipeline

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/segmentio/kafka-go"
)

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
	m := wantTopics(t, s, topicS3, topicDLQ, topicDLQ)
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

// wantTopics wants one message per topic, in order, and returns them.
func wantTopics(t *testing.T, s *fakeSender, topics ...string) []kafka.Message {
	t.Helper()
	if s.count() != len(topics) {
		t.Fatalf("%d messages for %d records", s.count(), len(topics))
	}
	for i, m := range s.msgs {
		if m.Topic != topics[i] {
			t.Errorf("message %d to %s, want %s", i, m.Topic, topics[i])
		}
	}
	return s.msgs
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
	m := wantTopics(t, s, topicCT, topicS3, topicDLQ)
	if !bytes.Contains(m[0].Value, []byte(`"region":"us-west-2"`)) ||
		!bytes.Contains(m[0].Value, []byte(`{\"aws_region\":\"us-west-2\",\"eventName\":\"GetObject\",\"eventVersion\":\"1.08\"}`)) {
		t.Errorf("fields record %s", m[0].Value)
	}
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

func header(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
