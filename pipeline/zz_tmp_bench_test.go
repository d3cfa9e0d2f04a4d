package pipeline

import (
	"testing"

	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
)

func BenchmarkTmpPerFlush(b *testing.B) {
	c := kafkatest.NewWith(b, kfake.Ports(0), kfake.SeedTopics(3, topicMain, topicDLQ), kfake.BlackholeProduce())
	for _, n := range []int{10, 500} {
		ch := kafkatest.NewChunk()
		for i := range n {
			ch.Line(t0, "log", s3Lines[i%len(s3Lines)])
		}
		chunk := ch.Bytes()
		b.Run(map[int]string{10: "n10", 500: "n500"}[n], func(b *testing.B) {
			p, err := New(testConfig(c.Brokers()...), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			b.ReportAllocs()
			for b.Loop() {
				if st := p.Flush(chunk, "bench"); st != StatusOK {
					b.Fatal(st)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/rec")
		})
	}
}
