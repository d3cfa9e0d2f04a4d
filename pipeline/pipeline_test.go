package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/test/kafkatest"
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

// routedConfig has a topic per source.
func routedConfig() conf.Config {
	c := testConfig()
	c.TopicS3Access = topicS3
	c.TopicCloudTrail = topicCT
	c.RegionKey = "aws_region"
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

// withPieceBytes writes pieces of n bytes instead of Batch_Bytes.
func withPieceBytes(n int) option {
	return func(p *Pipeline) { p.pieceBytes = n }
}

// fakePipeline is a pipeline over a fakeSender with the fake normalizer.
func fakePipeline(tb testing.TB, cfg conf.Config) (*Pipeline, *fakeSender, *logSink) {
	tb.Helper()
	s := &fakeSender{}
	p, logs := newTestPipeline(tb, cfg, s, withNormalize(fakeNormalize))
	return p, s, logs
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

type KV = kafkatest.KV

// M builds an ordered record map.
var M = kafkatest.M

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

// TestPieceBytes holds a flush's piece to Batch_Bytes, at least 1 MiB
// (requests are cut at Batch_Bytes anyway, and smaller pieces would only
// add round trips) and at most 8 MiB (what a flush may hold).
func TestPieceBytes(t *testing.T) {
	for _, tc := range []struct{ batchBytes, want int }{
		{0, minPieceBytes}, // the default Batch_Bytes, 1 MiB
		{64 << 10, minPieceBytes},
		{4 << 20, 4 << 20},
		{8 << 20, maxPieceBytes},
		{104857600, maxPieceBytes},
	} {
		cfg := testConfig()
		if tc.batchBytes > 0 {
			cfg.BatchBytes = tc.batchBytes
		}
		p, err := New(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if p.pieceBytes != tc.want {
			t.Errorf("Batch_Bytes %d: pieces of %d bytes, want %d", cfg.BatchBytes, p.pieceBytes, tc.want)
		}
		p.Close()
	}
}
