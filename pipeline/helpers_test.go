package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/normalize"
	"github.com/segmentio/kafka-go"
)

const (
	topicMain = "audit"
	topicS3   = "audit.s3"
	topicCT   = "audit.ct"
	topicDLQ  = "audit.dlq"
)

// testConfig is conf.Default with test topics and no periodic metrics.
func testConfig(brokers ...string) conf.Config {
	c := conf.Default()
	c.Brokers = brokers
	if len(brokers) == 0 {
		c.Brokers = []string{"127.0.0.1:1"}
	}
	c.Topic = topicMain
	c.DLQTopic = topicDLQ
	c.MetricsInterval = 0
	c.WriteTimeout = 5 * time.Second
	return c
}

// logSink collects log lines; it is a Logger.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) log(level Level, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%d %s", level, msg))
}

func (l *logSink) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
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

// discard is a sender for benchmarks: it drops everything.
type discard struct{}

func (discard) WriteMessages(context.Context, batch) error { return nil }
func (discard) Close() error                               { return nil }

// kafkaMessages is b as kafka-go's messages, aliasing b's bytes, for the
// fakes to keep and the tests to read.
func (b batch) kafkaMessages() []kafka.Message {
	msgs := make([]kafka.Message, b.len())
	for i := range msgs {
		msgs[i] = kafka.Message{Topic: b.topic(i), Key: b.key(i), Value: b.value(i), Headers: b.headers(i), Time: b.time}
	}
	return msgs
}

func newTestPipeline(tb testing.TB, cfg conf.Config, s sender, opts ...option) (*Pipeline, *logSink) {
	tb.Helper()
	logs := &logSink{}
	p, err := newPipeline(cfg, logs.log, s, opts...)
	if err != nil {
		tb.Fatalf("newPipeline: %v", err)
	}
	tb.Cleanup(func() { _ = p.Close() })
	return p, logs
}

// withNormalize has the pipeline normalize with fn.
func withNormalize(fn normalizeFunc) option {
	return func(p *Pipeline) { p.normalizeFn = fn }
}

// withPieceBytes writes pieces of n bytes instead of pieceBytes.
func withPieceBytes(n int) option {
	return func(p *Pipeline) { p.pieceBytes = n }
}

// fakeNormalize stands in for the normalizer where a test checks routing:
// JSON input is CloudTrail, "bad..." is rejected, "panic..." panics,
// "two..." emits two records, anything else is an access-log line. The
// record is {"source":..., "input":..., "region":...}, keyed by the
// input's first word.
func fakeNormalize(_ *normalize.Normalizer, input []byte, hint normalize.Source, region []byte, emit func(*normalize.Output)) {
	fakeMu.Lock() // it shares scratchOut on purpose
	defer fakeMu.Unlock()
	src := hint
	if src == normalize.SourceAuto {
		src = normalize.SourceS3Access
		if bytes.HasPrefix(input, []byte("{")) {
			src = normalize.SourceCloudTrail
		}
	}
	switch {
	case bytes.HasPrefix(input, []byte("panic")):
		panic("fake normalizer exploded")
	case bytes.HasPrefix(input, []byte("bad")):
		emit(&normalize.Output{Source: src, Input: input, Err: &normalize.RejectError{Source: src, Reason: "fake reject"}})
		return
	}
	n := 1
	if bytes.HasPrefix(input, []byte("two")) {
		n = 2
	}
	for range n {
		js, _ := json.Marshal(map[string]string{"source": src.String(), "input": string(input), "region": string(region)})
		key, _, _ := bytes.Cut(input, []byte(" "))
		// Reuse one buffer like the real normalizer, to catch aliasing.
		buf := append(scratchOut[:0], js...)
		emit(&normalize.Output{Source: src, JSON: buf, Key: key, Input: input})
		clear(scratchOut[:cap(scratchOut)])
	}
}

var scratchOut = make([]byte, 0, 1<<16)

var fakeMu sync.Mutex

// dlqValue is the JSON of a dead letter.
type dlqValue struct {
	Reason         string `json:"reason"`
	Tag            string `json:"tag"`
	Time           string `json:"time"`
	Source         string `json:"source"`
	Input          string `json:"input"`
	InputEncoding  string `json:"input_encoding"`
	InputTruncated bool   `json:"input_truncated"`
	InputSize      int    `json:"input_size"`
}

func decodeDLQ(tb testing.TB, v []byte) dlqValue {
	tb.Helper()
	var d dlqValue
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		tb.Fatalf("dead letter %q is not the documented JSON: %v", v, err)
	}
	if d.Reason == "" {
		tb.Errorf("dead letter without reason: %s", v)
	}
	if _, err := time.Parse(time.RFC3339Nano, d.Time); err != nil {
		tb.Errorf("dead letter time %q: %v", d.Time, err)
	}
	return d
}

func header(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

var errInjected = errors.New("injected")
