//go:build e2e

package test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/test/kafkatest"
)

// TestE2EHugeRecordsLine sends a 20 MB CloudTrail log file as one line
// (what tail makes of a delivered file without newlines) through the host:
// every record arrives once, and the host's peak RSS grows over what the
// host alone needs for that input (--no-flush) by less than 3 times the
// input (a parse of the whole document took 17 times).
func TestE2EHugeRecordsLine(t *testing.T) {
	_, lines := e2eSample(t, "cloudtrail.jsonl")
	kcatBin(t)
	size := len(strings.Join(lines, ","))
	copies := 20<<20/size + 1
	records := make([]string, 0, copies*len(lines))
	for range copies {
		records = append(records, lines...)
	}
	doc := `{"Records":[` + strings.Join(records, ",") + `]}`
	path := e2eLinesFile(t, []string{doc})
	want := map[string]int{}
	for _, l := range lines {
		var ev struct {
			EventID string `json:"eventID"`
		}
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatal(err)
		}
		want[ev.EventID] += copies
	}

	c := kafkatest.New(t, 3, "e2e.ct", "e2e.dlq")
	broker := c.Brokers()[0]
	spec := "Brokers=" + broker + ",Topic=e2e.ct,DLQ_Topic=e2e.dlq"
	floor := e2eRunHost(t, nil, "-i", spec, "-n", "1", "-l", path, "--no-flush")
	r := e2eRunHost(t, nil, "-i", spec, "-n", "1", "-l", path)
	r.requireAllOK(t, 1, 1, 1)

	msgs := kcatConsume(t, broker, "e2e.ct")
	if dlq := kcatConsume(t, broker, "e2e.dlq"); len(dlq) != 0 {
		t.Errorf("%d dead letters", len(dlq))
	}
	got := map[string]int{}
	for _, rec := range requireUnified(t, msgs, "cloudtrail", true) {
		id := ""
		if rec.CloudTrail != nil {
			id = rec.CloudTrail.EventID
		}
		got[id]++
	}
	if len(msgs) != len(records) || len(got) != len(want) {
		t.Fatalf("%d messages with %d event IDs, want %d with %d", len(msgs), len(got), len(records), len(want))
	}
	for id, n := range want {
		if got[id] != n {
			t.Errorf("event %q: %d messages, want %d", id, got[id], n)
		}
	}
	grown := r.MaxRSS - floor.MaxRSS
	t.Logf("peak RSS %d MB, host alone %d MB, input %d MB", r.MaxRSS>>20, floor.MaxRSS>>20, len(doc)>>20)
	if floor.MaxRSS == 0 || grown > 3*int64(len(doc)) {
		t.Errorf("peak RSS %d MB, %d MB over the host alone for an input of %d MB", r.MaxRSS>>20, grown>>20, len(doc)>>20)
	}
}
