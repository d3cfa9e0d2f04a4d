package pipeline

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of a pipeline's counters since New. Records are
// counted in when decoded, once per chunk: a chunk that Fluent Bit
// redelivers after a retry counts in ChunksRetried; the outcome counters (RecordsOut,
// DeadLettered, Dropped, BytesOut) only move when a flush succeeded, or
// for the pieces of a huge flush acknowledged before a later one failed
// (see Memory in the package doc).
type Stats struct {
	RecordsIn    int64            // events decoded from chunks/records
	RecordsOut   map[string]int64 // normalized messages acknowledged, per topic
	DeadLettered int64            // messages acknowledged on the DLQ topic
	Dropped      int64            // rejected records not sent (no DLQ topic)
	FlushesOK    int64
	FlushesRetry int64
	FlushesError int64
	KafkaErrors  int64 // flushes whose write to Kafka failed (retry or error)
	BytesOut     int64 // key+value bytes acknowledged
	// Records (normalized or dead letters) the broker refused on their
	// own (too large, invalid): each was replaced by a dead letter or,
	// when the DLQ refused that too or is off, counted in Dropped.
	Refused int64
	// Normalized counts acknowledged normalized records by source
	// (s3_access, cloudtrail); alert-topic copies are not counted again.
	Normalized map[string]int64
	// DeadLetters and DroppedBy split DeadLettered and Dropped by reason
	// class (unparsable, too_large, ...; every class is present).
	DeadLetters map[string]int64
	DroppedBy   map[string]int64
	// ChunksRetried counts flushes of a chunk this pipeline had answered
	// FLB_RETRY before; their records are not counted in RecordsIn again.
	ChunksRetried int64
	// UnknownOperations counts access-log records normalized with an
	// operation this version does not know (action absent); DigestFiles
	// the CloudTrail digest files skipped (no API calls in them).
	UnknownOperations int64
	DigestFiles       int64
}

// Out is the total of RecordsOut over all topics.
func (s Stats) Out() int64 {
	var n int64
	for _, v := range s.RecordsOut {
		n += v
	}
	return n
}

// String formats the counters for a log line (no configuration, no
// secrets).
func (s Stats) String() string {
	var b strings.Builder
	Counter{"records_in", s.RecordsIn}.append(&b)
	topics := make([]string, 0, len(s.RecordsOut))
	for t := range s.RecordsOut {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	for _, t := range topics {
		b.WriteString(" records_out{")
		b.WriteString(t)
		b.WriteString("}=")
		b.WriteString(strconv.FormatInt(s.RecordsOut[t], 10))
	}
	for _, c := range []Counter{
		{"dead_lettered", s.DeadLettered},
		{"dropped", s.Dropped},
		{"flushes_ok", s.FlushesOK},
		{"flushes_retry", s.FlushesRetry},
		{"flushes_error", s.FlushesError},
		{"kafka_errors", s.KafkaErrors},
		{"bytes_out", s.BytesOut},
		{"refused", s.Refused},
	} {
		c.append(&b)
	}
	return b.String()
}

// Counter is one name=value of a log line of counters.
type Counter struct {
	Name string
	N    int64
}

// append writes the counter to b, after a space unless b is empty.
func (c Counter) append(b *strings.Builder) {
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	b.WriteString(c.Name)
	b.WriteByte('=')
	b.WriteString(strconv.FormatInt(c.N, 10))
}

// FormatCounters is counters as name=value pairs for a log line.
func FormatCounters(counters ...Counter) string {
	var b strings.Builder
	for _, c := range counters {
		c.append(&b)
	}
	return b.String()
}

// counters are the live atomics behind Stats. The set of topics is fixed
// at New, so the per-topic slice needs no lock.
type counters struct {
	recordsIn    atomic.Int64
	out          []atomic.Int64 // index = topic id
	deadLettered atomic.Int64
	dropped      atomic.Int64
	flushesOK    atomic.Int64
	flushesRetry atomic.Int64
	flushesError atomic.Int64
	kafkaErrors  atomic.Int64
	bytesOut     atomic.Int64
	refused      atomic.Int64
	// By reason class (dlqClasses) and by source (normalize.Source).
	deadByClass    [len(dlqClasses)]atomic.Int64
	droppedByClass [len(dlqClasses)]atomic.Int64
	normalized     [3]atomic.Int64
	chunksRetried  atomic.Int64 // flushes of a chunk seen before (a retry)
	unknownOps     atomic.Int64
	digestFiles    atomic.Int64
}

// rateLimiter lets one message through per interval and counts the rest,
// so a flood of rejects cannot flood Fluent Bit's log.
type rateLimiter struct {
	mu         sync.Mutex
	interval   time.Duration
	last       time.Time
	suppressed int
}

// allow reports whether to log now and how many were suppressed since the
// last logged message.
func (r *rateLimiter) allow(now time.Time) (bool, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.last.IsZero() && now.Sub(r.last) < r.interval {
		r.suppressed++
		return false, 0
	}
	n := r.suppressed
	r.last, r.suppressed = now, 0
	return true, n
}

// RateLimiter is the pipeline's log rate limiter for other packages (the
// S3 + SQS source): one message per interval, the rest counted.
type RateLimiter struct{ r rateLimiter }

// NewRateLimiter lets one message through per interval.
func NewRateLimiter(interval time.Duration) *RateLimiter {
	return &RateLimiter{r: rateLimiter{interval: interval}}
}

// Allow reports whether to log now and how many messages were suppressed
// since the last one logged.
func (l *RateLimiter) Allow(now time.Time) (bool, int) { return l.r.allow(now) }
