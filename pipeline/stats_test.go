package pipeline

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/test/kafkatest"
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

func TestStatsString(t *testing.T) {
	s := Stats{RecordsIn: 3, RecordsOut: map[string]int64{"b": 2, "a": 1}, DeadLettered: 4, BytesOut: 9}
	want := "records_in=3 records_out{a}=1 records_out{b}=2 dead_lettered=4 dropped=0 flushes_ok=0 flushes_retry=0 flushes_error=0 kafka_errors=0 bytes_out=9 refused=0"
	if got := s.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
