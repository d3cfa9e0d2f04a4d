package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/segmentio/kafka-go"
)

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
