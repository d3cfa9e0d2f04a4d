//go:build e2e

package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/test/kafkatest"
)

// Every access-log sample line, fed through flbhost as Fluent Bit events
// (current and legacy form), is in the topic exactly once, normalized
// exactly as `awsaudit normalize` prints it, keyed by bucket and tagged
// with source/schema_version headers; kcat reads it back.
func TestE2EAccessLogSamples(t *testing.T) {
	path, lines := e2eSample(t, "s3_access.log")
	kcatBin(t)
	want := cliNormalize(t, path)
	if len(want) != len(lines) {
		t.Fatalf("awsaudit normalize printed %d records for %d lines", len(want), len(lines))
	}
	var wantIDs []string
	for _, l := range lines {
		wantIDs = append(wantIDs, accessLogRequestID(l))
	}
	const perChunk = 16
	chunks := (len(lines) + perChunk - 1) / perChunk

	for _, form := range []string{"event", "legacy"} {
		t.Run(form, func(t *testing.T) {
			c := kafkatest.New(t, 3, "e2e.s3", "e2e.dlq")
			broker := c.Brokers()[0]
			args := []string{
				"-i", "Brokers=" + broker + ",Topic=e2e.s3,DLQ_Topic=e2e.dlq",
				"-t", "s3.access", "-l", path, "-k", "log", "-n", fmt.Sprint(perChunk),
			}
			if form == "legacy" {
				args = append(args, "--legacy")
			}
			r := e2eRunHost(t, nil, args...)
			r.requireAllOK(t, 1, chunks, len(lines))

			msgs := kcatConsume(t, broker, "e2e.s3")
			if len(msgs) != len(lines) {
				t.Fatalf("kcat read %d messages from e2e.s3, want %d (one per input line)", len(msgs), len(lines))
			}
			recs := requireUnified(t, msgs, "s3_access", true)
			if missing, extra := sameMultiset(wantIDs, requestIDs(recs)); len(missing)+len(extra) > 0 {
				t.Errorf("request IDs: missing %q, extra %q", missing, extra)
			}
			if missing, extra := sameMultiset(want, payloads(msgs)); len(missing)+len(extra) > 0 {
				t.Errorf("%d values differ from awsaudit normalize's output\nnot in the topic:\n%s\nnot from the CLI:\n%s",
					len(missing), strings.Join(missing, "\n"), strings.Join(extra, "\n"))
			}
			// A presigned URL in the samples (line 25) is redacted.
			for _, m := range msgs {
				if strings.Contains(m.Value(), "75eBWlMvIpO357") {
					t.Errorf("presigned-URL signature not redacted: %s", m.Value())
				}
			}
			if dlq := kcatConsume(t, broker, "e2e.dlq"); len(dlq) != 0 {
				t.Errorf("%d dead letters for valid samples: %q", len(dlq), payloads(dlq))
			}
			// A second, independent client agrees on the count.
			if n := len(c.Consume(t, "e2e.s3")); n != len(msgs) {
				t.Errorf("franz-go read %d messages, kcat %d", n, len(msgs))
			}
		})
	}
}

// CloudTrail records sent as log lines go to Topic_CloudTrail and access
// logs to Topic_S3_Access, from one instance; Topic gets nothing.
func TestE2ECloudTrailRouting(t *testing.T) {
	s3Path, s3Lines := e2eSample(t, "s3_access.log")
	ctPath, ctLines := e2eSample(t, "cloudtrail.jsonl")
	kcatBin(t)
	wantCT := cliNormalize(t, ctPath)
	var wantEventIDs []string
	for _, l := range ctLines {
		var ev struct {
			EventID string `json:"eventID"`
		}
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("sample cloudtrail.jsonl: %v", err)
		}
		if ev.EventID != "" {
			wantEventIDs = append(wantEventIDs, ev.EventID)
		}
	}

	c := kafkatest.New(t, 3, "e2e.default", "e2e.s3", "e2e.ct", "e2e.dlq")
	broker := c.Brokers()[0]
	r := e2eRunHost(t, nil,
		"-i", "Brokers="+broker+",Topic=e2e.default,Topic_S3_Access=e2e.s3,Topic_CloudTrail=e2e.ct,DLQ_Topic=e2e.dlq",
		"-n", "10",
		"-t", "aws.cloudtrail", "-l", ctPath,
		"-t", "aws.s3", "-l", s3Path)
	r.requireAllOK(t, 1, (len(ctLines)+9)/10+(len(s3Lines)+9)/10, len(ctLines)+len(s3Lines))

	ct := kcatConsume(t, broker, "e2e.ct")
	if len(ct) != len(ctLines) {
		t.Fatalf("e2e.ct holds %d messages, want %d", len(ct), len(ctLines))
	}
	recs := requireUnified(t, ct, "cloudtrail", true)
	var gotEventIDs []string
	for _, r := range recs {
		if r.CloudTrail != nil && r.CloudTrail.EventID != "" {
			gotEventIDs = append(gotEventIDs, r.CloudTrail.EventID)
		}
	}
	if missing, extra := sameMultiset(wantEventIDs, gotEventIDs); len(missing)+len(extra) > 0 {
		t.Errorf("CloudTrail event IDs: missing %q, extra %q", missing, extra)
	}
	if missing, extra := sameMultiset(wantCT, payloads(ct)); len(missing)+len(extra) > 0 {
		t.Errorf("%d CloudTrail values differ from awsaudit normalize's\nnot in the topic:\n%s\nnot from the CLI:\n%s",
			len(missing), strings.Join(missing, "\n"), strings.Join(extra, "\n"))
	}

	s3 := kcatConsume(t, broker, "e2e.s3")
	if len(s3) != len(s3Lines) {
		t.Fatalf("e2e.s3 holds %d messages, want %d", len(s3), len(s3Lines))
	}
	requireUnified(t, s3, "s3_access", true)

	for _, topic := range []string{"e2e.default", "e2e.dlq"} {
		if msgs := kcatConsume(t, broker, topic); len(msgs) != 0 {
			t.Errorf("%s holds %d messages, want none: %q", topic, len(msgs), payloads(msgs))
		}
	}
}

// Inputs that cannot be normalized are dead-lettered with a reason, the
// chunk's tag and the input (redacted); the good records of the same
// chunks still arrive and every flush is FLB_OK.
func TestE2EDeadLetters(t *testing.T) {
	kcatBin(t)
	const secret = "e2e5ecret0signature0deadbeefcafe0123456789abcdef0123456789abcdef"
	const credential = "AKIAE2ECREDENTIAL0"
	var good, goodIDs []string
	for i := range 12 {
		id := fmt.Sprintf("E2EDLQGOOD%06d", i)
		good = append(good, e2eAccessLine(i, "dlq-bucket", id, secret))
		goodIDs = append(goodIDs, id)
	}
	// Cut short after the request URI: the parser rejects it, and the
	// dead letter must not leak the presigned URL's secrets.
	secretLine := `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be dlq-bucket [01/Mar/2024:12:00:00 +0000] 192.0.2.9 - E2EDLQSECRET REST.GET.OBJECT k.bin ` +
		`"GET /k.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=` + credential + `%2F20240301%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=` + secret + ` HTTP/1.1" 2xx`
	garbage := []string{
		"this is not an access log line",
		`{"not":"cloudtrail","n":1}`,
		"\x00\x01 binary \xff\xfe junk",
	}
	lines := slices.Concat(good[:6], garbage[:2], []string{secretLine}, good[6:], garbage[2:])
	linesPath := e2eLinesFile(t, lines)

	// A chunk whose first record has no log key and whose tail is not
	// msgpack at all.
	ch := kafkatest.NewChunk().
		Add(kafkatest.Event{Time: time.Unix(1709294400, 0), Fields: kafkatest.M("foo", "bar", "n", 7)}).
		Raw([]byte{0xc1, 0xc1, 0xc1})
	chunkPath := filepath.Join(t.TempDir(), "bad.mp")
	if err := os.WriteFile(chunkPath, ch.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	c := kafkatest.New(t, 3, "e2e.s3", "e2e.dlq")
	broker := c.Brokers()[0]
	r := e2eRunHost(t, nil,
		"-i", "Brokers="+broker+",Topic=e2e.s3,DLQ_Topic=e2e.dlq",
		"-t", "lines.tag", "-l", linesPath, "-n", "5",
		"-t", "chunk.tag", "-c", chunkPath)
	linesChunks := (len(lines) + 4) / 5
	// -c chunks count their events as flbhost parsed them; the malformed
	// tail makes that -1, so check the flushes by hand.
	for _, l := range r.Find("flush") {
		if l.Fields["rc"] != "1" || l.Fields["tries"] != "1" {
			t.Errorf("flush %v: want rc=1 (FLB_OK) at the first try", l.Fields)
		}
	}
	if ok, retry, failed := r.summary(t); ok != linesChunks+1 || retry+failed != 0 || r.Code != 0 {
		t.Fatalf("summary ok=%d retry=%d error=%d exit=%d, want ok=%d and exit 0\nstdout:\n%s\nstderr:\n%s",
			ok, retry, failed, r.Code, linesChunks+1, r.Stdout, r.Stderr)
	}

	s3 := kcatConsume(t, broker, "e2e.s3")
	recs := requireUnified(t, s3, "s3_access", true)
	if missing, extra := sameMultiset(goodIDs, requestIDs(recs)); len(missing)+len(extra) > 0 {
		t.Errorf("good records: missing %q, extra %q", missing, extra)
	}
	for _, m := range s3 {
		if strings.Contains(m.Value(), secret) || strings.Contains(m.Value(), credential) {
			t.Errorf("secret in a normalized record: %s", m.Value())
		}
	}

	dlq := kcatConsume(t, broker, "e2e.dlq")
	type deadLetter struct {
		Reason        string `json:"reason"`
		Tag           string `json:"tag"`
		Time          string `json:"time"`
		Source        string `json:"source"`
		Input         string `json:"input"`
		InputEncoding string `json:"input_encoding"`
	}
	var fromLines, fromChunk []deadLetter
	for _, m := range dlq {
		v := m.Value()
		if strings.Contains(v, secret) || strings.Contains(v, credential) ||
			strings.Contains(strings.Join(m.Headers, " "), secret) {
			t.Errorf("dead letter leaks the presigned URL's secret: %s (headers %q)", v, m.Headers)
		}
		var d deadLetter
		if err := json.Unmarshal([]byte(v), &d); err != nil {
			t.Errorf("dead letter is not JSON: %v: %s", err, v)
			continue
		}
		if d.Reason == "" || d.Time == "" || d.Source == "" {
			t.Errorf("dead letter without reason, time or source: %s", v)
		}
		if h, ok := m.Header("reason"); !ok || h == "" {
			t.Errorf("dead letter without a reason header: %q", m.Headers)
		}
		if _, ok := m.Header("source"); !ok {
			t.Errorf("dead letter without a source header: %q", m.Headers)
		}
		switch d.Tag {
		case "lines.tag":
			fromLines = append(fromLines, d)
		case "chunk.tag":
			fromChunk = append(fromChunk, d)
		default:
			t.Errorf("dead letter with tag %q, want lines.tag or chunk.tag: %s", d.Tag, v)
		}
	}
	if len(fromLines) != len(garbage)+1 || len(fromChunk) != 2 {
		t.Fatalf("%d dead letters from the lines (want %d) and %d from the chunk (want 2):\n%s",
			len(fromLines), len(garbage)+1, len(fromChunk), strings.Join(payloads(dlq), "\n"))
	}
	var sawSecretLine bool
	for _, d := range fromLines {
		if strings.Contains(d.Input, "E2EDLQSECRET") {
			sawSecretLine = true
			if !strings.Contains(d.Input, "X-Amz-Signature=REDACTED") || !strings.Contains(d.Input, "X-Amz-Credential=REDACTED") {
				t.Errorf("rejected presigned line not redacted as REDACTED: %q", d.Input)
			}
		}
	}
	if !sawSecretLine {
		t.Errorf("the rejected presigned-URL line is not in the DLQ (inputs: %v)", fromLines)
	}
	for _, g := range garbage[:2] {
		if !slices.ContainsFunc(fromLines, func(d deadLetter) bool { return d.Input == g }) {
			t.Errorf("garbage line %q not dead-lettered verbatim", g)
		}
	}
	var sawEncoded bool
	for _, d := range fromChunk {
		if d.InputEncoding == "base64" {
			sawEncoded = true
		}
	}
	if !sawEncoded {
		t.Errorf("the malformed chunk tail is not dead-lettered as base64: %+v", fromChunk)
	}
}

// Two [OUTPUT] instances of the one .so, with different topics and keys,
// each receive every record.
func TestE2ETwoInstances(t *testing.T) {
	s3Path, s3Lines := e2eSample(t, "s3_access.log")
	ctPath, ctLines := e2eSample(t, "cloudtrail.jsonl")
	kcatBin(t)
	c := kafkatest.New(t, 3, "e2e.a", "e2e.b", "e2e.dlq.a", "e2e.dlq.b")
	broker := c.Brokers()[0]
	r := e2eRunHost(t, nil,
		"-i", "Brokers="+broker+",Topic=e2e.a,DLQ_Topic=e2e.dlq.a",
		"-i", "Brokers="+broker+",Topic=e2e.b,DLQ_Topic=e2e.dlq.b,Message_Key=none,Compression=gzip",
		"-n", "25", "-l", s3Path, "-l", ctPath)
	chunks := (len(s3Lines)+24)/25 + (len(ctLines)+24)/25
	total := len(s3Lines) + len(ctLines)
	r.requireAllOK(t, 2, chunks, total)

	for _, tc := range []struct {
		topic string
		keyed bool
	}{{"e2e.a", true}, {"e2e.b", false}} {
		msgs := kcatConsume(t, broker, tc.topic)
		if len(msgs) != total {
			t.Errorf("%s holds %d messages, want %d", tc.topic, len(msgs), total)
			continue
		}
		var s3, ct []kcatMsg
		for _, m := range msgs {
			if h, _ := m.Header("source"); h == "cloudtrail" {
				ct = append(ct, m)
			} else {
				s3 = append(s3, m)
			}
		}
		if len(s3) != len(s3Lines) || len(ct) != len(ctLines) {
			t.Errorf("%s: %d access-log and %d CloudTrail records, want %d and %d", tc.topic, len(s3), len(ct), len(s3Lines), len(ctLines))
		}
		requireUnified(t, s3, "s3_access", tc.keyed)
		requireUnified(t, ct, "cloudtrail", tc.keyed)
	}
	for _, topic := range []string{"e2e.dlq.a", "e2e.dlq.b"} {
		if msgs := kcatConsume(t, broker, topic); len(msgs) != 0 {
			t.Errorf("%s holds %d messages, want none", topic, len(msgs))
		}
	}
}

// With Workers 2 many chunks are flushed from two threads at once; with no
// faults every record arrives exactly once.
func TestE2EWorkers(t *testing.T) {
	kcatBin(t)
	const n, perChunk = 3000, 25
	var lines, ids []string
	for i := range n {
		id := fmt.Sprintf("E2EW%08d", i)
		lines = append(lines, e2eAccessLine(i, fmt.Sprintf("bucket-%d", i%13), id, "c0ffee"))
		ids = append(ids, id)
	}
	path := e2eLinesFile(t, lines)
	c := kafkatest.New(t, 6, "e2e.s3", "e2e.dlq")
	broker := c.Brokers()[0]
	produces := c.CountProduce()
	r := e2eRunHost(t, nil,
		"-i", "Brokers="+broker+",Topic=e2e.s3,DLQ_Topic=e2e.dlq",
		"-w", "2", "-l", path, "-n", fmt.Sprint(perChunk))
	r.requireAllOK(t, 1, n/perChunk, n)

	msgs := kcatConsume(t, broker, "e2e.s3")
	recs := requireUnified(t, msgs, "s3_access", true)
	got := requestIDs(recs)
	if missing, extra := sameMultiset(ids, got); len(missing)+len(extra) > 0 {
		t.Errorf("%d records missing (first %q), %d extra (first %q)",
			len(missing), missing[:min(5, len(missing))], len(extra), extra[:min(5, len(extra))])
	}
	t.Logf("%d records in %d produce requests from %d chunks", len(msgs), produces.Load(), n/perChunk)
}
