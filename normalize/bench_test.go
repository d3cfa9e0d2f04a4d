package normalize

import (
	"bytes"
	"os"
	"testing"

	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
)

var benchSink []byte

func benchNormalize(b *testing.B, input string, src Source) {
	b.Helper()
	n := New(DefaultOptions())
	line := []byte(input)
	emit := func(o *Output) {
		if o.Err != nil {
			b.Fatal(o.Err)
		}
		benchSink = o.JSON
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		n.Normalize(line, src, nil, emit)
	}
}

// BenchmarkAccessLog is the plugin's hot path for access logs: parse,
// enrich, redact and encode one realistic line.
func BenchmarkAccessLog(b *testing.B) {
	benchNormalize(b, testinput.AccessLogLine, SourceAuto)
}

// BenchmarkAccessLogPresigned is the same for a presigned-URL request, the
// longest common line and the one with the most to redact.
func BenchmarkAccessLogPresigned(b *testing.B) {
	benchNormalize(b, testinput.PresignedLine, SourceAuto)
}

// BenchmarkAccessLogVaried cycles through the hand-written lines of
// testdata/access_log_forms.log (every requester, host and operation form,
// times apart), so the memos for repeated fields mostly miss: the cost
// per line when consecutive lines share little.
func BenchmarkAccessLogVaried(b *testing.B) {
	data, err := os.ReadFile("testdata/access_log_forms.log")
	if err != nil {
		b.Fatal(err)
	}
	var lines [][]byte
	size := 0
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(line) > 0 && line[0] != '#' {
			lines = append(lines, line)
			size += len(line)
		}
	}
	n := New(DefaultOptions())
	emit := func(o *Output) { benchSink = o.JSON }
	b.ReportAllocs()
	b.SetBytes(int64(size / len(lines)))
	i := 0
	for b.Loop() {
		n.Normalize(lines[i], SourceAuto, nil, emit)
		if i++; i == len(lines) {
			i = 0
		}
	}
}

// BenchmarkCloudTrail is the same for one S3 data event.
func BenchmarkCloudTrail(b *testing.B) {
	benchNormalize(b, testinput.CloudTrailEvent, SourceAuto)
}

// TestAccessLogAllocations holds the access-log path to its allocation
// budget (at most 2 per line) as a test, so a regression fails CI rather
// than waiting for someone to read a benchmark.
func TestAccessLogAllocations(t *testing.T) {
	n := New(DefaultOptions())
	line := []byte(testinput.AccessLogLine)
	emit := func(o *Output) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
	}
	n.Normalize(line, SourceAuto, nil, emit) // warm the buffers
	if allocs := testing.AllocsPerRun(200, func() { n.Normalize(line, SourceAuto, nil, emit) }); allocs > 2 {
		t.Errorf("%.1f allocations per access-log line, want at most 2", allocs)
	}
}
