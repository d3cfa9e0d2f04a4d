package pipeline

import "time"

// Status is the outcome of one flush, mapped by the plugin to FLB_OK,
// FLB_RETRY and FLB_ERROR.
type Status int

const (
	// StatusOK: the broker acknowledged every message of the chunk.
	StatusOK Status = iota
	// StatusRetry: something may not have been delivered; Fluent Bit must
	// deliver the chunk again (duplicates are acceptable, loss is not).
	StatusRetry
	// StatusError: the chunk can never succeed and is dropped.
	StatusError
)

func (s Status) String() string {
	switch s {
	case StatusOK:
		return "ok"
	case StatusRetry:
		return "retry"
	default:
		return "error"
	}
}

// Level is a log severity, in Fluent Bit's order.
type Level int

const (
	LevelError Level = 1
	LevelWarn  Level = 2
	LevelInfo  Level = 3
	LevelDebug Level = 4
)

// Logger receives the pipeline's messages. The plugin routes them to Fluent
// Bit's logger; the CLI to stderr. It must be safe for concurrent use.
type Logger func(level Level, msg string)

// Record is one input for FlushRecords: Line is the raw text (an
// access-log line or a CloudTrail JSON document), as if found under the
// first Log_Key; a record without one is dead-lettered as empty. Time zero
// means now.
type Record struct {
	Time time.Time
	Line []byte
}
