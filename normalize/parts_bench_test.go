package normalize

import "testing"

func BenchmarkPartSplit(b *testing.B) {
	var x lineIndex
	x.build([]byte(benchAccessLogLine))
	var f [maxAccessFields][]byte
	line := []byte(benchAccessLogLine)
	for b.Loop() {
		splitAccessLog(line, &x, &f)
	}
}
func BenchmarkPartMayHold(b *testing.B) {
	line := []byte(benchAccessLogLine)
	for b.Loop() {
		mayHoldSecret(line)
	}
}
func BenchmarkPartCorr(b *testing.B) {
	id := []byte("7KQ2M9XW4TB1RZ8P")
	host := []byte("z7hBUKIKRZTptgh28R2SI1vp4t4GT2muHSNeA1Q3k7Yz/1a6e5WPkjk3UPVBR++hktZi/fdJHjBj=")
	var buf []byte
	for b.Loop() {
		buf = AppendCorrelationID(buf[:0], id, host)
	}
}
func BenchmarkPartParse(b *testing.B) {
	n := New(DefaultOptions())
	line := []byte(benchAccessLogLine)
	for b.Loop() {
		u := n.resetUnified(SourceS3Access, line)
		n.index.build(line)
		n.redactStrings = n.index.mayHoldSecret(line)
		n.parseAccessLog(line, u)
	}
}
func BenchmarkPartEncode(b *testing.B) {
	n := New(DefaultOptions())
	line := []byte(benchAccessLogLine)
	u := n.resetUnified(SourceS3Access, line)
	n.index.build(line)
	n.parseAccessLog(line, u)
	n.finishRegion(u, nil)
	u.correlationID = n.correlationID(u)
	for b.Loop() {
		n.buf = n.encodeUnified(n.buf[:0], u)
	}
}
func BenchmarkPartReset(b *testing.B) {
	n := New(DefaultOptions())
	line := []byte(benchAccessLogLine)
	for b.Loop() {
		n.resetUnified(SourceS3Access, line)
	}
}
func BenchmarkPartRegion(b *testing.B) {
	n := New(DefaultOptions())
	line := []byte(benchAccessLogLine)
	u := n.resetUnified(SourceS3Access, line)
	n.parseAccessLog(line, u)
	for b.Loop() {
		u.region = nil
		n.finishRegion(u, nil)
	}
}
func BenchmarkPartEmit(b *testing.B) {
	n := New(DefaultOptions())
	line := []byte(benchAccessLogLine)
	u := n.resetUnified(SourceS3Access, line)
	n.index.build(line)
	n.parseAccessLog(line, u)
	n.finishRegion(u, nil)
	for b.Loop() {
		n.emitRecord(u, line, func(*Output) {})
	}
}
func TestPartSize(t *testing.T) {
	n := New(DefaultOptions())
	n.Normalize([]byte(benchAccessLogLine), SourceAuto, nil, func(o *Output) { t.Log(len(o.JSON), string(o.JSON)) })
}
func BenchmarkPartAll(b *testing.B) {
	n := New(DefaultOptions())
	line := []byte(benchAccessLogLine)
	for b.Loop() {
		u := n.resetUnified(SourceS3Access, line)
		n.redactStrings = mayHoldSecret(line)
		n.parseAccessLog(line, u)
		n.finishRegion(u, nil)
		n.emitRecord(u, line, func(*Output) {})
	}
}
func BenchmarkPartNormalize(b *testing.B) {
	n := New(DefaultOptions())
	line := []byte(benchAccessLogLine)
	for b.Loop() {
		n.Normalize(line, SourceAuto, nil, func(*Output) {})
	}
}
func BenchmarkPartParseEmit(b *testing.B) {
	n := New(DefaultOptions())
	line := []byte(benchAccessLogLine)
	for b.Loop() {
		u := n.resetUnified(SourceS3Access, line)
		n.parseAccessLog(line, u)
		n.emitRecord(u, line, func(*Output) {})
	}
}
func BenchmarkPartParseEncode(b *testing.B) {
	n := New(DefaultOptions())
	line := []byte(benchAccessLogLine)
	for b.Loop() {
		u := n.resetUnified(SourceS3Access, line)
		n.index.build(line)
		n.redactStrings = n.index.mayHoldSecret(line)
		n.parseAccessLog(line, u)
		n.buf = n.encodeUnified(n.buf[:0], u)
	}
}
func BenchmarkPartParseCorr(b *testing.B) {
	n := New(DefaultOptions())
	line := []byte(benchAccessLogLine)
	for b.Loop() {
		u := n.resetUnified(SourceS3Access, line)
		n.parseAccessLog(line, u)
		u.correlationID = n.correlationID(u)
	}
}
func BenchmarkPartIndex(b *testing.B) {
	line := []byte(benchAccessLogLine)
	var x lineIndex
	for b.Loop() {
		x.build(line)
	}
}
