package pipeline

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/segmentio/kafka-go"
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
// and discards (acks=all, no compression), per flush of 500 access-log
// records over 3 partitions: with the chunk producer, and with the
// kafka.Writer it replaced (whose partial batches wait for Batch_Timeout,
// 10 ms by default).
func BenchmarkFlushKafka(b *testing.B) {
	c := kafkatest.NewWith(b, kfake.Ports(0), kfake.SeedTopics(3, topicMain, topicDLQ), kfake.BlackholeProduce())
	chunk := benchChunks()[0].chunk
	run := func(b *testing.B, p *Pipeline) {
		b.ReportAllocs()
		b.SetBytes(int64(len(chunk)))
		for b.Loop() {
			if st := p.Flush(chunk, "bench"); st != StatusOK {
				b.Fatal(st)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/flush")
	}
	b.Run("producer", func(b *testing.B) {
		p, err := New(testConfig(c.Brokers()...), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close()
		run(b, p)
	})
	b.Run("writer", func(b *testing.B) {
		p, err := newWriterPipeline(testConfig(c.Brokers()...))
		if err != nil {
			b.Fatal(err)
		}
		defer func() {
			if err := writerClosed(p); err != nil {
				b.Error(err)
			}
		}()
		run(b, p)
	})
}

// BenchmarkFlushHugeRecords is the flush of a 52 MB delivered CloudTrail
// log file as one record (60,000 records; the writer discards). Besides
// time it reports the Go heap the flush added at its peak (sampled every
// millisecond, over the heap before, the chunk included) and what stays
// live after it and a GC: the bound pipeline's doc states.
func BenchmarkFlushHugeRecords(b *testing.B) {
	chunk := hugeChunk(60000)
	p, _ := newTestPipeline(b, testConfig(), discard{})
	heap := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	live := func() uint64 {
		runtime.GC()
		metrics.Read(heap)
		return heap[0].Value.Uint64()
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)))
	var peak, after, before uint64
	for b.Loop() {
		b.StopTimer()
		before = live()
		var top atomic.Uint64
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			s := []metrics.Sample{{Name: heap[0].Name}}
			for {
				metrics.Read(s)
				top.Store(max(top.Load(), s[0].Value.Uint64()))
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
			}
		}()
		b.StartTimer()
		if st := p.Flush(chunk, "bench"); st != StatusOK {
			b.Fatal(st)
		}
		b.StopTimer()
		close(stop)
		<-done
		peak = max(peak, top.Load()-min(before, top.Load()))
		after = live()
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric((float64(after)-float64(before))/(1<<20), "live-after-MB")
}

// discard is a sender for benchmarks: it drops everything.
type discard struct{}

func (discard) WriteMessages(context.Context, batch) error { return nil }

func (discard) Close() error { return nil }

// newWriterPipeline is a pipeline on the kafka.Writer path the chunk
// producer replaced, kept for BenchmarkFlushKafka's comparison only: one
// shared Writer, a synchronous WriteMessages per flush, partial batches
// sent after Batch_Timeout.
func newWriterPipeline(cfg conf.Config) (*Pipeline, error) {
	p, err := newPipeline(cfg, nil, nil)
	if err != nil {
		return nil, err
	}
	ks, err := newKafkaSettings(cfg, p.topics)
	if err != nil {
		return nil, err
	}
	p.w = writerSender{&kafka.Writer{
		Addr:            ks.addr,
		Transport:       ks.transport,
		Balancer:        &kafka.CRC32Balancer{},
		MaxAttempts:     3,
		WriteBackoffMin: 50 * time.Millisecond,
		WriteBackoffMax: 500 * time.Millisecond,
		BatchSize:       ks.batchSize,
		BatchBytes:      int64(ks.batchBytes),
		BatchTimeout:    10 * time.Millisecond,
		ReadTimeout:     ks.timeout,
		WriteTimeout:    ks.timeout,
		RequiredAcks:    ks.acks,
		Compression:     ks.codec,

		AllowAutoTopicCreation: true,
	}}
	return p, nil
}

// writerSender writes a flush's batch with a kafka.Writer.
type writerSender struct{ w *kafka.Writer }

func (ws writerSender) WriteMessages(ctx context.Context, b batch) error {
	return ws.w.WriteMessages(ctx, b.kafkaMessages()...)
}

func (ws writerSender) Close() error { return ws.w.Close() }

// writerClosed closes what newWriterPipeline opened.
func writerClosed(p *Pipeline) error {
	err := p.Close()
	if ws, ok := p.w.(writerSender); ok {
		if t, ok := ws.w.Transport.(*kafka.Transport); ok {
			t.CloseIdleConnections()
		}
	}
	if err != nil {
		return fmt.Errorf("closing the writer pipeline: %w", err)
	}
	return nil
}
