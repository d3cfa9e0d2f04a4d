package pipeline

import (
	"testing"

	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
)

// benchChunks are chunks of 500 events of one kind each, and a mix.
func benchChunks() []struct {
	name  string
	chunk []byte
} {
	build := func(add func(c *kafkatest.Chunk, i int)) []byte {
		c := kafkatest.NewChunk()
		for i := range 500 {
			add(c, i)
		}
		return c.Bytes()
	}
	mixed, _, _ := mixedChunk(72)
	return []struct {
		name  string
		chunk []byte
	}{
		{"s3_access_lines", build(func(c *kafkatest.Chunk, i int) { c.Line(t0, "log", s3Lines[i%len(s3Lines)]) })},
		{"cloudtrail_lines", build(func(c *kafkatest.Chunk, _ int) { c.Line(t0, "log", ctRecord) })},
		{"cloudtrail_fields", build(func(c *kafkatest.Chunk, _ int) { c.Add(kafkatest.Event{Time: t0, Fields: ctFields}) })},
		{"mixed_with_rejects", mixed},
	}
}

// BenchmarkFlush measures decode + detect + normalize + message building
// (the whole flush without Kafka: the writer discards).
func BenchmarkFlush(b *testing.B) {
	for _, bc := range benchChunks() {
		b.Run(bc.name, func(b *testing.B) {
			p, _ := newTestPipeline(b, testConfig(), discard{})
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.chunk)))
			for b.Loop() {
				if st := p.Flush(bc.chunk, "bench"); st != StatusOK {
					b.Fatal(st)
				}
			}
		})
	}
}

// BenchmarkFlushKafka is the full path to a kfake broker that acknowledges
// and discards (acks=all, no compression).
func BenchmarkFlushKafka(b *testing.B) {
	c := kafkatest.NewWith(b, kfake.Ports(0), kfake.SeedTopics(3, topicMain, topicDLQ), kfake.BlackholeProduce())
	cfg := testConfig(c.Brokers()...)
	p, err := New(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	chunk := benchChunks()[0].chunk
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		if st := p.Flush(chunk, "bench"); st != StatusOK {
			b.Fatal(st)
		}
	}
}
