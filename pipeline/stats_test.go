package pipeline

import (
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

// Each way a record is dead-lettered counts under its own class, whatever
// words the rejected input carries (a line quoting "too large" or
// "refused by the broker" is still unparsable).
func TestDeadLetterClasses(t *testing.T) {
	s := &fakeSender{}
	p, _ := newTestPipeline(t, testConfig(), s) // the real normalizer
	chunk := kafkatest.NewChunk().
		Line(t0, "log", "this line is too large to parse").
		Line(t0, "log", "refused by the broker, says this line").
		Add(kafkatest.Event{Time: t0, Fields: kafkatest.M("foo", "bar")}).
		Raw([]byte{0xc1, 0xc1}).
		Bytes()
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	got := p.Stats().DeadLetters
	want := map[string]int64{"unparsable": 2, "no_log_key": 1, "malformed_chunk": 1}
	for _, c := range dlqClasses {
		if got[c] != want[c] {
			t.Errorf("dead letters by class %v, want %v", got, want)
			break
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
