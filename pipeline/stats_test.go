package pipeline

import (
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestRateLimiter(t *testing.T) {
	l := NewRateLimiter(10 * time.Second)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		at         time.Duration
		ok         bool
		suppressed int
	}{
		{0, true, 0},
		{time.Second, false, 0},
		{5 * time.Second, false, 0},
		{10 * time.Second, true, 2},
		{11 * time.Second, false, 0},
		{30 * time.Second, true, 1},
	}
	for _, s := range steps {
		ok, n := l.Allow(t0.Add(s.at))
		if ok != s.ok || n != s.suppressed {
			t.Errorf("at %v: Allow = %v, %d; want %v, %d", s.at, ok, n, s.ok, s.suppressed)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct{ reason, class string }{
		{fmt.Sprintf(reasonNoLogKey, "log"), "no_log_key"},
		{fmt.Sprintf(reasonMalformed, 1, 2, "eof"), "malformed_chunk"},
		{fmt.Sprintf(reasonBadRecord, "x"), "malformed_record"},
		{fmt.Sprintf(reasonBadFields, "x"), "malformed_record"},
		{fmt.Sprintf(reasonTooLarge, 10, 5), "too_large"},
		{refusalReason(kafka.MessageSizeTooLarge, "record", 9), "too_large"},
		{refusalReason(kafka.InvalidMessage, "record", 9), "refused"},
		{fmt.Sprintf(reasonInternal, "boom"), "internal"},
		{reasonEmpty, "empty"},
		{reasonEmptyOut, "empty"},
		{`field 10 (HTTP status): "x" is not a number`, "unparsable"},
	} {
		if got := dlqClasses[classify(tc.reason)]; got != tc.class {
			t.Errorf("classify(%q) = %s, want %s", tc.reason, got, tc.class)
		}
	}
}
