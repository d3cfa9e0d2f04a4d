package pipeline

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/test/kafkatest"
)

// dlqValue is the JSON of a dead letter.
type dlqValue struct {
	Reason         string `json:"reason"`
	Tag            string `json:"tag"`
	Time           string `json:"time"`
	Source         string `json:"source"`
	Input          string `json:"input"`
	InputEncoding  string `json:"input_encoding"`
	InputTruncated bool   `json:"input_truncated"`
	InputSize      int    `json:"input_size"`
}

func decodeDLQ(tb testing.TB, v []byte) dlqValue {
	tb.Helper()
	var d dlqValue
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		tb.Fatalf("dead letter %q is not the documented JSON: %v", v, err)
	}
	if d.Reason == "" {
		tb.Errorf("dead letter without reason: %s", v)
	}
	if _, err := time.Parse(time.RFC3339Nano, d.Time); err != nil {
		tb.Errorf("dead letter time %q: %v", d.Time, err)
	}
	return d
}

// TestBigInputsAreBounded: a huge malformed tail and an oversized record
// become dead letters that still fit Batch_Bytes.
func TestBigInputsAreBounded(t *testing.T) {
	cfg := testConfig()
	cfg.BatchBytes = 64 << 10
	p, s, _ := fakePipeline(t, cfg)
	big := strings.Repeat("é", 40<<10) // 80 KiB of two-byte characters
	chunk := kafkatest.NewChunk().Line(t0, "log", big).Raw(bytes.Repeat([]byte{0xc1}, 1<<20)).Bytes()
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	dl := s.byTopic(topicDLQ)
	if len(dl) != 2 || s.count() != 2 {
		t.Fatalf("%d messages, %d dead letters; want 2 dead letters", s.count(), len(dl))
	}
	d := decodeDLQ(t, dl[0].Value)
	if !strings.HasPrefix(d.Reason, "record too large") || !d.InputTruncated || d.InputSize != len(big) || !strings.HasPrefix(big, d.Input) {
		t.Errorf("oversized record: reason %q truncated %v size %d", d.Reason, d.InputTruncated, d.InputSize)
	}
	d = decodeDLQ(t, dl[1].Value)
	if !d.InputTruncated || d.InputSize != 1<<20 {
		t.Errorf("tail: truncated %v size %d", d.InputTruncated, d.InputSize)
	}
	for _, m := range dl {
		if len(m.Value) > p.maxMsg {
			t.Errorf("dead letter of %d bytes exceeds %d", len(m.Value), p.maxMsg)
		}
	}
}

func TestDLQOff(t *testing.T) {
	cfg := testConfig()
	cfg.DLQTopic = ""
	p, s, logs := fakePipeline(t, cfg)
	c := kafkatest.NewChunk()
	for i := range 10 {
		c.Line(t0, "log", fmt.Sprintf("bad %d", i))
	}
	c.Line(t0, "log", "good").Line(t0, "nolog", "x")
	if st := p.Flush(c.Bytes(), "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	if s.count() != 1 || len(s.byTopic(topicMain)) != 1 {
		t.Errorf("%d messages, want only the good one", s.count())
	}
	st := p.Stats()
	if st.Dropped != 11 || st.DeadLettered != 0 {
		t.Errorf("stats %v", st)
	}
	if n := strings.Count(logs.all(), "dropping a rejected record"); n != 1 {
		t.Errorf("%d drop warnings, want 1 (rate-limited):\n%s", n, logs.all())
	}
}

// TestDeadLetterRedaction runs the real normalizer over rejected inputs
// whose reason or text carries a secret in some spelling (issue 11): no
// secret may reach the dead letter's reason, input or reason header, nor,
// with DLQ_Topic off, the log.
func TestDeadLetterRedaction(t *testing.T) {
	line := func(bytesSent, objectSize string) string {
		return "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bkt [01/Jan/2025:00:00:00 +0000] 192.0.2.1 - REQ1 REST.GET.OBJECT k " +
			`"GET /k HTTP/1.1" 200 - ` + bytesSent + " " + objectSize + ` 5 4 "-" "curl" -`
	}
	tests := []struct {
		name, secret string
		chunk        []byte
	}{
		{"bad field X-Amz-Signature=", "SIGBADFIELD01abcdef",
			kafkatest.NewChunk().Line(t0, "log", line("X-Amz-Signature=SIGBADFIELD01abcdef", "10")).Bytes()},
		{"bad field with an encoded '='", "SIGBADFIELD02abcdef",
			kafkatest.NewChunk().Line(t0, "log", line("10", "X-Amz-Signature%3DSIGBADFIELD02abcdef")).Bytes()},
		{"short line, name after a space", "TOKSHORTLINE03abcdef",
			kafkatest.NewChunk().Line(t0, "log", "not a log agent/1.0 X-Amz-Security-Token=TOKSHORTLINE03abcdef end").Bytes()},
		{"broken JSON with an escaped credential key", "TOKBROKEN04abcdef",
			kafkatest.NewChunk().Line(t0, "log", `{"eventVersion":"1.08","responseElements":{"session\u0054oken":"TOKBROKEN04abcdef", broken`).Bytes()},
		{"malformed chunk tail", "SIGTAIL05abcdef",
			[]byte("\x92\xc1 GET /k?X-Amz-Signature%3DSIGTAIL05abcdef%26a%3D1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeSender{}
			p, logs := newTestPipeline(t, testConfig(), s)
			if st := p.Flush(tt.chunk, "t"); st != StatusOK {
				t.Fatalf("Flush = %v", st)
			}
			dl := s.byTopic(topicDLQ)
			if len(dl) != 1 {
				t.Fatalf("%d dead letters, want 1", len(dl))
			}
			d := decodeDLQ(t, dl[0].Value)
			input := d.Input
			if d.InputEncoding == "base64" {
				raw, err := base64.StdEncoding.DecodeString(d.Input)
				if err != nil {
					t.Fatal(err)
				}
				input = string(raw)
			}
			for where, text := range map[string]string{"value": string(dl[0].Value), "reason": d.Reason, "input": input,
				"reason header": header(dl[0], "reason"), "log": logs.all()} {
				if strings.Contains(text, tt.secret) {
					t.Errorf("the secret is in the dead letter's %s: %s", where, text)
				}
			}
			if !strings.Contains(input, "REDACTED") {
				t.Errorf("input %q: want the secret masked, not dropped", input)
			}

			cfg := testConfig()
			cfg.DLQTopic = ""
			p, logs = newTestPipeline(t, cfg, &fakeSender{})
			if st := p.Flush(tt.chunk, "t"); st != StatusOK {
				t.Fatalf("Flush without DLQ = %v", st)
			}
			if all := logs.all(); strings.Contains(all, tt.secret) || !strings.Contains(all, "dropping") {
				t.Errorf("with DLQ_Topic off, the log leaks or says nothing:\n%s", all)
			}
		})
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
