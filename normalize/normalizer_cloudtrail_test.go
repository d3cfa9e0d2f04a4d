package normalize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/normalize/cloudtrail"
	"github.com/awsaudit/awsaudit/normalize/detect"
)

// ctRecordLines are the CloudTrail records of the testdata and samples
// that are valid JSON, one compact object each.
func ctRecordLines(t testing.TB) [][]byte {
	t.Helper()
	var lines [][]byte
	for _, path := range []string{"testdata/cloudtrail_records.jsonl", filepath.Join(samplesDir, "cloudtrail.jsonl")} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			if line = bytes.TrimSpace(line); json.Valid(line) {
				lines = append(lines, line)
			}
		}
	}
	if len(lines) < 40 {
		t.Fatalf("only %d records", len(lines))
	}
	return lines
}

// recordsDoc is {"Records":[...]} of copies records of lines, items joined
// by sep.
func recordsDoc(lines [][]byte, copies int, sep string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := range copies * len(lines) {
		if i > 0 {
			b.WriteString(sep)
		}
		b.Write(lines[i%len(lines)])
	}
	b.WriteString("]}")
	return b.Bytes()
}

// subscriptionDoc is a CloudWatch Logs DATA_MESSAGE carrying lines.
func subscriptionDoc(t *testing.T, lines [][]byte, messageTypeLast bool) []byte {
	t.Helper()
	type event struct {
		ID        string `json:"id"`
		Timestamp int64  `json:"timestamp"`
		Message   string `json:"message"`
	}
	events := make([]event, len(lines))
	for i, l := range lines {
		events[i] = event{fmt.Sprint(i), 1735689600000, string(l)}
	}
	js, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	if messageTypeLast {
		return fmt.Appendf(nil, `{"owner":"111122223333","logEvents":%s,"messageType":"DATA_MESSAGE"}`, js)
	}
	return fmt.Appendf(nil, `{"messageType":"DATA_MESSAGE","owner":"111122223333","logEvents":%s}`, js)
}

// outputsOf normalizes input with a fresh Normalizer (its own rules and a
// fixed clock, so two runs are comparable) and returns every field of every
// output, and the Normalizer.
func outputsOf(t *testing.T, input []byte, keep int) ([]string, *Normalizer) {
	t.Helper()
	opts := DefaultOptions()
	opts.IncludeRaw = true
	rules, err := detect.New(allRulesOn())
	if err != nil {
		t.Fatal(err)
	}
	opts.Rules = rules
	n := New(opts)
	n.now = func() time.Time { return time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC) }
	n.cloudTrail.StreamKeep = keep
	var outs []string
	n.Normalize(input, SourceAuto, nil, func(o *Output) {
		outs = append(outs, fmt.Sprintf("source=%v err=%v alerts=%v key=%q\njson=%s\ninput=%s",
			o.Source, o.Err, o.Alerts, o.Key, o.JSON, o.Input))
	})
	return outs, n
}

// TestEnvelopeElementByElement holds the envelope path of a document
// bigger than streamKeep (checked first, then parsed one element at a
// time) to the outputs of the whole-document parse, field for field, for
// big, odd and broken envelopes, and its parse to the memory of about one
// element.
func TestEnvelopeElementByElement(t *testing.T) {
	lines := ctRecordLines(t)
	big := recordsDoc(lines, 8, ",")
	escaped := bytes.Replace(recordsDoc(lines, 1, ","), []byte(`"eventName":"`), []byte(`"event\u004eame":"\u0041`), -1)
	notObjects := fmt.Appendf(nil, `{"Records":[1,"s",null,[],{},{"eventVersion":5},%s]}`, lines[0])
	withLogEvents := append(bytes.Clone(lines[0][:len(lines[0])-1]), `,"logEvents":[1,2,3,{"a":[4,5]}]}`...)
	cases := []struct {
		name    string
		doc     []byte
		outputs int // expected number of outputs
	}{
		{"records", big, 8 * len(lines)},
		{"records spaced, other members", fmt.Appendf(nil, "{\"x\":1,\n \"Records\" : [ %s ] , \"y\":[1,[2]]}",
			bytes.Join(lines, []byte(" ,\n\t"))), len(lines)},
		{"escapes", escaped, len(lines)},
		{"elements not records", notObjects, 7},
		{"repeated Records", fmt.Appendf(nil, `{"Records":[%s,%s],"Records":[%s]}`, lines[0], lines[1], lines[2]), 2},
		{"empty Records", []byte(`{"Records":[]}`), 0},
		{"Records not an array", []byte(`{"Records":{"a":[1]}}`), 1},
		{"truncated", big[:len(big)*2/3], 1},
		{"trailing data", append(bytes.Clone(big), " x"...), 1},
		{"bad token late", bytes.Replace(big, []byte(`"eventVersion":"1.`), []byte(`"eventVersion":01.`), 1), 1},
		{"subscription", subscriptionDoc(t, lines, false), len(lines)},
		{"subscription, messageType last", subscriptionDoc(t, lines, true), len(lines)},
		{"subscription with bad events", []byte(`{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1"},{"message":"{"},{"message":"[]"}]}`), 3},
		{"control message", []byte(`{"messageType":"CONTROL_MESSAGE","logEvents":[{"message":"CWL CONTROL MESSAGE"}]}`), 0},
		{"record with a logEvents array", withLogEvents, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			whole, wn := outputsOf(t, tc.doc, math.MaxInt)
			if len(whole) != tc.outputs {
				t.Fatalf("whole document: %d outputs, want %d", len(whole), tc.outputs)
			}
			for _, keep := range []int{0, 700, 5000} {
				got, n := outputsOf(t, tc.doc, keep)
				if len(got) != len(whole) {
					t.Fatalf("streamKeep %d: %d outputs, whole document %d", keep, len(got), len(whole))
				}
				for i := range got {
					if got[i] != whole[i] {
						t.Fatalf("streamKeep %d: output %d differs\ngot:  %.1500s\nwant: %.1500s", keep, i, got[i], whole[i])
					}
				}
				if tc.name == "records" {
					// The whole parse keeps every record; element by
					// element keeps a few (what fits in keep, then one).
					if w, s := wn.cloudTrail.RetainedBytes(), n.cloudTrail.RetainedBytes(); s*10 > w {
						t.Errorf("streamKeep %d: parser storage %d bytes, whole document %d", keep, s, w)
					}
				}
			}
		})
	}
}

// TestEnvelopeDefaultKeep checks that a document past cloudtrail.DefaultStreamKeep
// takes the element-by-element path without a test's setting.
func TestEnvelopeDefaultKeep(t *testing.T) {
	lines := ctRecordLines(t)
	copies := cloudtrail.DefaultStreamKeep/len(bytes.Join(lines, nil)) + 2
	doc := recordsDoc(lines, copies, ",")
	if len(doc) <= cloudtrail.DefaultStreamKeep {
		t.Fatalf("document of %d bytes", len(doc))
	}
	n := New(DefaultOptions())
	count := 0
	n.Normalize(doc, SourceAuto, nil, func(*Output) { count++ })
	if want := copies * len(lines); count != want {
		t.Fatalf("%d outputs, want %d", count, want)
	}
	if !n.cloudTrail.Streamed() {
		t.Error("the Records array was parsed whole")
	}
	// The first parse kept items up to cloudtrail.DefaultStreamKeep of text; the
	// whole parse needs several times the document.
	if s := n.cloudTrail.RetainedBytes(); s > 10*cloudtrail.DefaultStreamKeep {
		t.Errorf("parser storage %d bytes for a document of %d", s, len(doc))
	}
}

// BenchmarkCloudTrailEnvelope is a 2.3 MB delivered log file parsed whole
// (what every document up to cloudtrail.DefaultStreamKeep gets) and checked, then
// parsed again element by element (what a bigger one gets).
func BenchmarkCloudTrailEnvelope(b *testing.B) {
	doc := recordsDoc(ctRecordLines(b), 32, ",")
	for _, bc := range []struct {
		name string
		keep int
	}{{"whole", math.MaxInt}, {"element_by_element", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			n := New(DefaultOptions())
			n.cloudTrail.StreamKeep = bc.keep
			b.ReportAllocs()
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				n.Normalize(doc, SourceAuto, nil, func(o *Output) { benchSink = o.JSON })
			}
		})
	}
}
