package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/pipeline"
	"github.com/awsaudit/awsaudit/pipeline/s3sqs"
)

// shipTakeWait is how long one wait for the next batch lasts, which is
// also how often an idle loop looks at --exit-when-empty and signals.
const shipTakeWait = 200 * time.Millisecond

// runSQS ships the objects announced on the queue until SIGINT/SIGTERM or,
// with exitWhenEmpty, until the source is idle. Each message's batches are
// Done only after Kafka acknowledged their records, so the source deletes
// a message only then; batches that could not be delivered fail, and their
// message comes back later.
func (s *shipper) runSQS(cfg conf.S3Input, log pipeline.Logger, exitWhenEmpty bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	src, err := s3sqs.New(cfg, log)
	if err != nil {
		return err
	}
	defer src.Close() // logs the source's final counters
	var recs []pipeline.Record
	for ctx.Err() == nil {
		batches := src.Take(cfg.ChunkMaxSize, shipTakeWait)
		if len(batches) == 0 {
			if exitWhenEmpty && src.Idle() {
				return nil
			}
			continue
		}
		// Fill a Kafka write up to --batch records from what is ready.
		n := countRecords(batches)
		for n < s.batchSize {
			more := src.Take(cfg.ChunkMaxSize, 0)
			if len(more) == 0 {
				break
			}
			batches = append(batches, more...)
			n += countRecords(more)
		}
		now := time.Now()
		recs = recs[:0]
		for _, b := range batches {
			for i := range b.Len() {
				recs = append(recs, pipeline.Record{Time: now, Line: b.Record(i)})
			}
		}
		s.records += len(recs)
		err := s.deliver(recs)
		for _, b := range batches {
			if err != nil {
				b.Fail(err.Error())
			} else {
				b.Done()
			}
		}
	}
	return nil
}

func countRecords(batches []*s3sqs.Batch) int {
	n := 0
	for _, b := range batches {
		n += b.Len()
	}
	return n
}
