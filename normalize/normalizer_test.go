package normalize

import (
	"bytes"
	"strings"
	"testing"
)

// TestTrim wants a Normalizer that met a huge input to give its buffers
// back on Trim (and to work as before afterwards), and one that met only
// usual inputs to keep them.
func TestTrim(t *testing.T) {
	const limit = 1 << 20
	lines := ctRecordLines(t)
	huge := map[string][]byte{
		"records":      recordsDoc(lines, 3*limit/len(bytes.Join(lines, nil))+1, ","),
		"access line":  []byte(benchAccessLogLine[:40] + strings.Repeat("a", 3*limit) + benchAccessLogLine[40:]),
		"one record":   append(append([]byte(benchCloudTrailEvent[:len(benchCloudTrailEvent)-1]), `,"x":"`+strings.Repeat("b", 3*limit)...), `"}`...),
		"many records": recordsDoc(lines, limit/len(bytes.Join(lines, nil)), ","),
	}
	for name, input := range huge {
		t.Run(name, func(t *testing.T) {
			n := New(DefaultOptions())
			usual := []byte(benchCloudTrailEvent)
			want := jsonOutputs(n, usual)
			n.Normalize(input, SourceAuto, nil, func(*Output) {})
			n.Trim(limit)
			if r := n.RetainedBytes(); r > 64<<10 {
				t.Errorf("after Trim: %d bytes retained", r)
			}
			if n.outer.b != nil || n.u.raw != nil || n.out.Input != nil {
				t.Error("after Trim: references to the huge input remain")
			}
			if got := jsonOutputs(n, usual); got != want {
				t.Errorf("after Trim: %s\nbefore: %s", got, want)
			}
		})
	}

	n := New(DefaultOptions())
	for _, in := range []string{benchCloudTrailEvent, benchAccessLogLine, benchPresignedLine} {
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
