package pipeline

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/test/kafkatest"
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

// A CloudTrail digest file is neither a record nor a dead letter: it is
// counted and logged; an operation the table does not know is counted.
func TestStatsDigestAndUnknownOperation(t *testing.T) {
	s := &fakeSender{}
	p, logs := newTestPipeline(t, testConfig(), s) // the real normalizer
	digest, err := os.ReadFile("../normalize/testdata/cloudtrail_digest.json")
	if err != nil {
		t.Fatal(err)
	}
	unknown := `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 3E57427F3EXAMPLE REST.FROB.WIDGET k "GET /k HTTP/1.1" 200 - 113 - 7 - "-" "curl" -`
	chunk := kafkatest.NewChunk().Line(t0, "log", string(digest)).Line(t0, "log", unknown).Bytes()
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	st := p.Stats()
	if st.DigestFiles != 1 || st.UnknownOperations != 1 || st.DeadLettered != 0 || st.Out() != 1 {
		t.Errorf("digest files %d, unknown operations %d, dead letters %d, out %d; want 1, 1, 0, 1 (%v)",
			st.DigestFiles, st.UnknownOperations, st.DeadLettered, st.Out(), s.msgs)
	}
	if !strings.Contains(logs.all(), "skipped 1 CloudTrail digest file(s) (tag t)") {
		t.Errorf("no log line for the digest file:\n%s", logs.all())
	}
}
