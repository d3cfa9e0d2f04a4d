package s3sqs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/pipeline"
)

// SQSAPI is the part of *sqs.Client a Source uses.
type SQSAPI interface {
	ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(context.Context, *sqs.DeleteMessageInput, ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(context.Context, *sqs.ChangeMessageVisibilityInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// S3API is the part of *s3.Client a Source uses.
type S3API interface {
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// receiveBackoffMax bounds the pause after failed ReceiveMessage calls.
const receiveBackoffMax = 30 * time.Second

// Source long-polls an SQS queue for S3 event notifications and streams
// the objects they announce as batches of records. All methods are safe
// for concurrent use.
type Source struct {
	cfg conf.S3Input
	sqs SQSAPI
	s3  S3API
	log pipeline.Logger
	c   counters
	q   *queue
	// batchBytes is the size at which a batch is queued; small enough that
	// a consumer taking ChunkMaxSize gets several.
	batchBytes int

	ctx     context.Context // cancelled by Close: stops polling and reading
	cancel  context.CancelFunc
	slots   chan struct{} // one per message being processed (Workers)
	workers sync.WaitGroup

	mu        sync.Mutex
	inflight  map[*message]struct{}
	closed    bool
	bg        sync.WaitGroup // deletes and visibility changes under way
	lastEmpty atomic.Bool    // the latest ReceiveMessage returned nothing

	closeOnce sync.Once
	deleteLog *pipeline.RateLimiter
	visLog    *pipeline.RateLimiter
	recvLog   *pipeline.RateLimiter
}

// NewWith starts a source on the given clients: it polls at once.
func NewWith(cfg conf.S3Input, sqsc SQSAPI, s3c S3API, log pipeline.Logger) *Source {
	if log == nil {
		log = func(pipeline.Level, string) {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Source{
		cfg: cfg, sqs: sqsc, s3: s3c, log: log,
		q:          newQueue(cfg.ChunkMaxSize),
		batchBytes: max(min(256<<10, cfg.ChunkMaxSize/4), 1),
		ctx:        ctx, cancel: cancel,
		slots:    make(chan struct{}, max(cfg.Workers, 1)),
		inflight: map[*message]struct{}{},
	}
	s.deleteLog = pipeline.NewRateLimiter(10 * time.Second)
	s.visLog = pipeline.NewRateLimiter(10 * time.Second)
	s.recvLog = pipeline.NewRateLimiter(10 * time.Second)
	s.workers.Add(2)
	go s.poll()
	go s.heartbeat()
	if cfg.MetricsInterval > 0 {
		s.workers.Add(1)
		go s.metrics(cfg.MetricsInterval)
	}
	return s
}

// Take returns queued batches, in order, whose estimated encoded size
// stays within maxBytes (at least one), waiting up to wait for the first.
// The caller must call Done or Fail on each.
func (s *Source) Take(maxBytes int, wait time.Duration) []*Batch {
	return s.q.takeWait(maxBytes, wait)
}

// Idle reports that the latest receive found the queue empty and nothing
// is in flight or queued.
func (s *Source) Idle() bool {
	s.mu.Lock()
	n := len(s.inflight)
	s.mu.Unlock()
	return s.lastEmpty.Load() && n == 0 && s.q.len() == 0
}

// Stats returns a snapshot of the counters.
func (s *Source) Stats() Stats { return s.c.snapshot() }

// Close stops receiving and reading, makes every unfinished message
// visible again (batches not yet Done are delivered again later), waits
// for deletes under way and logs the final counters. It is idempotent.
func (s *Source) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		s.q.close()
		s.workers.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
		defer cancel()
		for _, m := range s.snapshot() {
			m.release(ctx)
		}
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.bg.Wait()
		s.log(pipeline.LevelInfo, "final counters: "+s.Stats().String())
	})
	return nil
}

func (s *Source) track(m *message) {
	s.mu.Lock()
	s.inflight[m] = struct{}{}
	s.mu.Unlock()
}

func (s *Source) forget(m *message) {
	s.mu.Lock()
	delete(s.inflight, m)
	s.mu.Unlock()
}

func (s *Source) snapshot() []*message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*message, 0, len(s.inflight))
	for m := range s.inflight {
		out = append(out, m)
	}
	return out
}

// async runs an SQS call off the caller's goroutine (a consumer's ack may
// come from Fluent Bit's collector thread); after Close it does nothing.
func (s *Source) async(fn func(context.Context)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		fn(context.Background())
	}()
}

func (s *Source) logLimited(l *pipeline.RateLimiter, level pipeline.Level, msg string) {
	if ok, n := l.Allow(time.Now()); ok {
		if n > 0 {
			msg += fmt.Sprintf(" (%d similar messages suppressed)", n)
		}
		s.log(level, msg)
	}
}

// sleep waits d or until Close.
func (s *Source) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.ctx.Done():
	}
}

// poll receives messages while workers are free: never more than there
// are free workers, so a message waits in the queue (visible to other
// consumers) rather than hidden behind busy ones.
func (s *Source) poll() {
	defer s.workers.Done()
	backoff := time.Second
	for {
		select {
		case s.slots <- struct{}{}:
		case <-s.ctx.Done():
			return
		}
		n := 1
	more:
		for n < s.cfg.MaxMessages {
			select {
			case s.slots <- struct{}{}:
				n++
			default:
				break more
			}
		}
		start := time.Now()
		out, err := s.sqs.ReceiveMessage(s.ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    &s.cfg.QueueURL,
			MaxNumberOfMessages:         int32(n),
			WaitTimeSeconds:             int32(s.cfg.WaitTime / time.Second),
			VisibilityTimeout:           int32(s.cfg.VisibilityTimeout / time.Second),
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
		})
		got := 0
		if err == nil {
			got = min(len(out.Messages), n)
		}
		for range n - got {
			<-s.slots
		}
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			s.c.fail(FailReceive)
			s.logLimited(s.recvLog, pipeline.LevelWarn, fmt.Sprintf("ReceiveMessage failed, trying again in %v: %v", backoff, err))
			s.sleep(backoff)
			backoff = min(2*backoff, receiveBackoffMax)
			continue
		}
		backoff = time.Second
		s.lastEmpty.Store(got == 0)
		for _, sm := range out.Messages[:got] {
			s.c.received.Add(1)
			m := &message{
				s: s, id: aws.ToString(sm.MessageId), receipt: aws.ToString(sm.ReceiptHandle),
				received: start, count: receiveCount(sm.Attributes),
				deadline: start.Add(s.cfg.VisibilityTimeout), reading: true,
			}
			s.track(m)
			body := aws.ToString(sm.Body)
			s.workers.Add(1)
			go func() {
				defer s.workers.Done()
				defer func() { <-s.slots }()
				s.process(m, body)
			}()
		}
		if got == 0 && s.cfg.WaitTime == 0 {
			s.sleep(time.Second) // short polling an empty queue: do not spin
		}
	}
}

// process reads every object a message announces.
func (s *Source) process(m *message, body string) {
	abandoned := false
	defer func() { m.readDone(abandoned) }()
	n, err := ParseNotification([]byte(body))
	switch {
	case err != nil:
		m.fail(FailNotification, err)
		return
	case n.TestEvent:
		s.c.testEvents.Add(1)
		s.log(pipeline.LevelInfo, fmt.Sprintf("s3:TestEvent for bucket %q (via %s): notifications reach this queue; message %s deleted", n.Bucket, n.Via, m.id))
		return
	}
	s.c.ignored.Add(int64(n.Ignored))
	for _, obj := range n.Objects {
		if s.skip(obj) {
			continue
		}
		err := s.readObject(m, obj)
		switch {
		case err == nil:
			s.c.objects.Add(1)
			continue
		case errors.Is(err, errQueueClosed) || s.ctx.Err() != nil:
			abandoned = true
		case errors.Is(err, errMessageFailed):
		default:
			var oe *objectError
			kind := FailS3Read
			if errors.As(err, &oe) {
				kind = oe.kind
			}
			m.fail(kind, fmt.Errorf("s3://%s/%s: %w", obj.Bucket, obj.Key, err))
		}
		return
	}
}

// skip reports (and counts) an object not to read: a CloudTrail digest
// file, or a key outside Key_Prefix / Key_Pattern.
func (s *Source) skip(obj Object) bool {
	switch {
	case IsDigest(obj.Key):
		s.c.digests.Add(1)
		s.log(pipeline.LevelDebug, fmt.Sprintf("s3://%s/%s is a CloudTrail digest file, not events: skipped", obj.Bucket, obj.Key))
	case s.cfg.KeyPrefix != "" && !strings.HasPrefix(obj.Key, s.cfg.KeyPrefix),
		s.cfg.KeyPattern != nil && !s.cfg.KeyPattern.MatchString(obj.Key):
		s.c.filtered.Add(1)
		s.log(pipeline.LevelDebug, fmt.Sprintf("s3://%s/%s does not match Key_Prefix/Key_Pattern: skipped", obj.Bucket, obj.Key))
	default:
		return false
	}
	return true
}

// heartbeat extends the visibility of messages still being worked on.
func (s *Source) heartbeat() {
	defer s.workers.Done()
	tick := min(max(s.cfg.VisibilityTimeout/4, 100*time.Millisecond), 30*time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-t.C:
			for _, m := range s.snapshot() {
				m.extendIfDue(s.ctx, now)
			}
		}
	}
}

func (s *Source) metrics(every time.Duration) {
	defer s.workers.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.log(pipeline.LevelInfo, "counters: "+s.Stats().String())
		}
	}
}
