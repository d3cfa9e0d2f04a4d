package main

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/awsaudit/awsaudit/pipeline"
	"github.com/awsaudit/awsaudit/plugin/internal/cmetrics"
)

// metrics are one instance's counters in Fluent Bit's cmetrics context:
// fluentbit_awsaudit_* in Fluent Bit's HTTP endpoints, labelled by the
// instance name (its Alias, or awsaudit.N) like fluentbit_output_*.
type metrics struct {
	last atomic.Int64 // UnixNano of the last update (see tick)
	// late publishes what flushes counted after the last update once
	// updateEvery is over (see tick); closed stops it for good at exit.
	lateMu                                                sync.Mutex
	late                                                  *time.Timer
	closed                                                bool
	name                                                  string
	recordsIn, records, messages, deadLetters, dropped    *cmetrics.Metric
	kafkaErrors, flushes, bytes, redelivered, flushTiming *cmetrics.Metric
	unknownOps, digestFiles                               *cmetrics.Metric
}

// flushBuckets are the upper bounds of fluentbit_awsaudit_flush_seconds:
// a flush takes milliseconds while Kafka answers, and up to Write_Timeout
// while it does not.
var flushBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

func newMetrics(l *flbLogger, s pipeline.Stats) (*metrics, error) {
	r, err := cmetrics.Open(l.cmtInstance(), "fluentbit", "awsaudit")
	if err != nil {
		return nil, err
	}
	m := &metrics{
		name:        l.label,
		recordsIn:   r.Counter("records_in_total", "Records received from Fluent Bit (a redelivered chunk counts once).", "name"),
		records:     r.Counter("records_total", "Records normalized and acknowledged by Kafka, by source.", "name", "source"),
		messages:    r.Counter("messages_total", "Normalized records acknowledged by Kafka, by topic.", "name", "topic"),
		deadLetters: r.Counter("dead_letters_total", "Records acknowledged on the dead-letter topic, by reason class.", "name", "reason"),
		dropped:     r.Counter("dropped_records_total", "Rejected records not sent anywhere (no DLQ topic, or the broker refused every form), by reason class.", "name", "reason"),
		kafkaErrors: r.Counter("kafka_errors_total", "Flushes whose write to Kafka failed.", "name"),
		flushes:     r.Counter("flushes_total", "Flushes by result: ok (FLB_OK), retry (FLB_RETRY: Fluent Bit retries the chunk), error (FLB_ERROR).", "name", "result"),
		bytes:       r.Counter("bytes_total", "Key and value bytes acknowledged by Kafka.", "name"),
		redelivered: r.Counter("chunks_redelivered_total", "Chunks Fluent Bit flushed again after an FLB_RETRY.", "name"),
		unknownOps:  r.Counter("unknown_operations_total", "Access-log records whose operation this version does not know (normalized, action absent).", "name"),
		digestFiles: r.Counter("digest_files_skipped_total", "CloudTrail digest files skipped: they hold no API calls.", "name"),
		flushTiming: r.Histogram("flush_seconds", "Time from the start of a flush to its answer to Fluent Bit.", flushBuckets, "name"),
	}
	// Every label set exists from the start, so a dashboard shows 0 rather
	// than no series, and cmetrics creates no series later.
	m.update(s)
	return m, nil
}

// update publishes a snapshot of the pipeline's counters.
func (m *metrics) update(s pipeline.Stats) {
	if m == nil {
		return
	}
	m.recordsIn.Set(float64(s.RecordsIn), m.name)
	for src, n := range s.Normalized {
		m.records.Set(float64(n), m.name, src)
	}
	for topic, n := range s.RecordsOut {
		m.messages.Set(float64(n), m.name, topic)
	}
	for class, n := range s.DeadLetters {
		m.deadLetters.Set(float64(n), m.name, class)
	}
	for class, n := range s.DroppedBy {
		m.dropped.Set(float64(n), m.name, class)
	}
	m.kafkaErrors.Set(float64(s.KafkaErrors), m.name)
	m.flushes.Set(float64(s.FlushesOK), m.name, "ok")
	m.flushes.Set(float64(s.FlushesRetry), m.name, "retry")
	m.flushes.Set(float64(s.FlushesError), m.name, "error")
	m.bytes.Set(float64(s.BytesOut), m.name)
	m.redelivered.Set(float64(s.ChunksRetried), m.name)
	m.unknownOps.Set(float64(s.UnknownOperations), m.name)
	m.digestFiles.Set(float64(s.DigestFiles), m.name)
}

// updateEvery bounds how often a flush republishes the counters: a
// snapshot costs a few dozen cmetrics calls, and Fluent Bit's endpoints
// refresh about once a second anyway.
const updateEvery = 250 * time.Millisecond

// tick publishes the counters after a flush, at most once per
// updateEvery. A flush that comes too soon after the last update leaves
// its counts to a late update at the end of the interval, so the endpoint
// never keeps a stale snapshot when no flush follows.
func (m *metrics) tick(p *pipeline.Pipeline) {
	if m == nil {
		return
	}
	now := time.Now().UnixNano()
	if last := m.last.Load(); now-last < int64(updateEvery) || !m.last.CompareAndSwap(last, now) {
		m.lateMu.Lock()
		if m.late == nil && !m.closed {
			m.late = time.AfterFunc(time.Duration(int64(updateEvery)-(now-m.last.Load())), func() {
				m.lateMu.Lock()
				defer m.lateMu.Unlock()
				m.late = nil
				if !m.closed { // Fluent Bit frees the context after exit
					m.last.Store(time.Now().UnixNano())
					m.update(p.Stats())
				}
			})
		}
		m.lateMu.Unlock()
		return
	}
	m.update(p.Stats())
}

// final publishes the last counters and stops late updates: after exit
// Fluent Bit frees the cmetrics context.
func (m *metrics) final(s pipeline.Stats) {
	if m == nil {
		return
	}
	m.lateMu.Lock()
	defer m.lateMu.Unlock()
	m.closed = true
	if m.late != nil {
		m.late.Stop()
		m.late = nil
	}
	m.update(s)
}

func (m *metrics) observe(d time.Duration) {
	if m != nil {
		m.flushTiming.Observe(d.Seconds(), m.name)
	}
}
