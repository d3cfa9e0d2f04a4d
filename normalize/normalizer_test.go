package normalize

import (
	"bytes"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
)

// TestTrim wants a Normalizer that met a huge input to give its buffers
// back on Trim (and to work as before afterwards), and one that met only
// usual inputs to keep them.
func TestTrim(t *testing.T) {
	const limit = 1 << 20
	lines := ctRecordLines(t)
	huge := map[string][]byte{
		"records":      recordsDoc(lines, 3*limit/len(bytes.Join(lines, nil))+1, ","),
		"access line":  []byte(testinput.AccessLogLine[:40] + strings.Repeat("a", 3*limit) + testinput.AccessLogLine[40:]),
		"one record":   append(append([]byte(testinput.CloudTrailEvent[:len(testinput.CloudTrailEvent)-1]), `,"x":"`+strings.Repeat("b", 3*limit)...), `"}`...),
		"many records": recordsDoc(lines, limit/len(bytes.Join(lines, nil)), ","),
	}
	for name, input := range huge {
		t.Run(name, func(t *testing.T) {
			n := New(DefaultOptions())
			usual := []byte(testinput.CloudTrailEvent)
			want := jsonOutputs(n, usual)
			n.Normalize(input, SourceAuto, nil, func(*Output) {})
			n.Trim(limit)
			if r := n.RetainedBytes(); r > 64<<10 {
				t.Errorf("after Trim: %d bytes retained", r)
			}
			if n.u.Raw != nil || n.out.Input != nil {
				t.Error("after Trim: references to the huge input remain")
			}
			if got := jsonOutputs(n, usual); got != want {
				t.Errorf("after Trim: %s\nbefore: %s", got, want)
			}
		})
	}

	n := New(DefaultOptions())
	for _, in := range []string{testinput.CloudTrailEvent, testinput.AccessLogLine, testinput.PresignedLine} {
		n.Normalize([]byte(in), SourceAuto, nil, func(*Output) {})
	}
	before := n.RetainedBytes()
	n.Trim(limit)
	if after := n.RetainedBytes(); after != before || after == 0 {
		t.Errorf("Trim after usual inputs: %d bytes retained, %d before", after, before)
	}
}

// jsonOutputs is every output of input, joined.
func jsonOutputs(n *Normalizer, input []byte) string {
	var b strings.Builder
	n.Normalize(input, SourceAuto, nil, func(o *Output) {
		b.Write(o.JSON)
		if o.Err != nil {
			b.WriteString(o.Err.Error())
		}
		b.WriteByte('\n')
	})
	return b.String()
}

func TestSourceHintAndRegionPrecedence(t *testing.T) {
	line := []byte(testinput.AccessLogLine)
	tests := []struct {
		name         string
		defaultRgn   string
		recordRegion string
		line         []byte
		wantRegion   string
		wantSource   string
	}{
		{"host beats config", "eu-north-1", "", line, "us-west-2", "host"},
		{"record beats host", "eu-north-1", "ap-south-2", line, "ap-south-2", "record"},
		{"bad record region ignored", "", "not a region", line, "us-west-2", "host"},
		{"config when host is global", "eu-north-1", "", []byte(strings.Replace(testinput.AccessLogLine, "acme-docs.s3.us-west-2.amazonaws.com", "acme-docs.s3.amazonaws.com", 1)), "eu-north-1", "config"},
		{"event beats record", "", "ap-south-2", []byte(testinput.CloudTrailEvent), "us-west-2", "event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := DefaultOptions()
			opts.DefaultRegion = tt.defaultRgn
			n := New(opts)
			var rec map[string]any
			n.Normalize(tt.line, SourceAuto, []byte(tt.recordRegion), func(o *Output) {
				if o.Err != nil {
					t.Fatal(o.Err)
				}
				rec = decode(t, o.JSON)
			})
			if rec["region"] != tt.wantRegion || rec["region_source"] != tt.wantSource {
				t.Errorf("region %v (%v), want %s (%s)", rec["region"], rec["region_source"], tt.wantRegion, tt.wantSource)
			}
		})
	}
	// A forced source is obeyed even when the input looks like the other.
	res := normalizeAll(New(DefaultOptions()), []byte(testinput.CloudTrailEvent), SourceS3Access)
	if len(res) != 1 || res[0].err == nil {
		t.Errorf("CloudTrail JSON forced to s3_access must be rejected, got %+v", res)
	}
}

func TestKeyPath(t *testing.T) {
	tests := []struct{ path, want string }{
		{"bucket.name", "acme-docs"},
		{"request.id", "7KQ2M9XW4TB1RZ8P"},
		{"principal.role_name", "ReportReader"},
		{"object.key", "q1/p&l 2024.pdf"},
		{"http_status", "200"},
		{"no.such.path", ""},
	}
	for _, tt := range tests {
		opts := DefaultOptions()
		opts.KeyPath = tt.path
		res := normalizeAll(New(opts), []byte(testinput.AccessLogLine), SourceAuto)
		if got := string(res[0].key); got != tt.want {
			t.Errorf("KeyPath %q: key %q, want %q", tt.path, got, tt.want)
		}
	}
}

// TestCorrelationTwins: an access-log record and its CloudTrail twin carry
// the same correlation_id; records of other requests do not.
func TestCorrelationTwins(t *testing.T) {
	n := New(DefaultOptions())
	id := func(doc string) any {
		t.Helper()
		rs := normalizeAll(n, []byte(doc), SourceAuto)
		if len(rs) != 1 || rs[0].err != nil {
			t.Fatalf("%+v", rs)
		}
		return get(decode(t, rs[0].json), "correlation_id")
	}
	if a, c := id(testinput.ReadmeAccessLogLine), id(testinput.ReadmeCloudTrailEvent); a != testinput.ReadmeCorrelationID || c != testinput.ReadmeCorrelationID {
		t.Errorf("README pair: access log %v, CloudTrail %v, want %s", a, c, testinput.ReadmeCorrelationID)
	}
	if a, c := id(testinput.AccessLogLine), id(testinput.CloudTrailEvent); a == nil || a != c {
		t.Errorf("benchmark pair: access log %v, CloudTrail %v", a, c)
	}
	if a, b := id(testinput.AccessLogLine), id(testinput.ReadmeAccessLogLine); a == b {
		t.Error("two requests share a correlation_id")
	}
	// No request id, no correlation_id.
	if c := id(`{"eventVersion":"1.09","eventName":"ListBuckets"}`); c != nil {
		t.Errorf("record without a request id has correlation_id %v", c)
	}
	// A CloudTrail record without x-amz-id-2 hashes an empty host id.
	if c := id(`{"eventVersion":"1.09","eventName":"StopLogging","requestID":"9Q2W3E4R5T6Y7U8I"}`); c != "2fa24f227cad7768b698e0537d6c2563" {
		t.Errorf("no host id: %v", c)
	}
}

// TestSetOutput: with the caller's buffer, every record is appended to it
// and Output.JSON is its tail, with the same bytes as the Normalizer's own
// buffer gives; what the callback appends or cuts stays as it left it.
func TestSetOutput(t *testing.T) {
	doc := recordsDoc(ctRecordLines(t), 2, ",")
	inputs := [][]byte{[]byte(testinput.AccessLogLine), []byte(testinput.CloudTrailEvent), doc, []byte("not a line")}
	own := New(DefaultOptions())
	var want []string
	for _, in := range inputs {
		own.Normalize(in, SourceAuto, nil, func(o *Output) { want = append(want, string(o.JSON)) })
	}
	n := New(DefaultOptions())
	arena := []byte("head")
	n.SetOutput(&arena)
	var got []string
	kept := "head"
	for _, in := range inputs {
		n.Normalize(in, SourceAuto, nil, func(o *Output) {
			got = append(got, string(o.JSON))
			if o.Err != nil {
				if string(arena) != kept {
					t.Errorf("a rejected input changed the buffer")
				}
				return
			}
			if !bytes.HasSuffix(arena, o.JSON) || len(arena) != len(kept)+len(o.JSON) {
				t.Fatalf("JSON is not the tail of the caller's buffer")
			}
			if len(got)%2 == 0 {
				arena = arena[:len(kept)] // the callback drops every other record
			}
			arena = append(arena, '|')
			kept = string(arena)
		})
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("outputs differ from the Normalizer's own buffer:\n%s\nwant\n%s", got, want)
	}
	n.Trim(0) // a Trim keeps the caller's buffer
	n.Normalize([]byte(testinput.AccessLogLine), SourceAuto, nil, func(o *Output) {
		if !bytes.HasSuffix(arena, o.JSON) {
			t.Error("after Trim, JSON is not in the caller's buffer")
		}
	})
}
