package s3sqs

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/awsaudit/awsaudit/pipeline"
)

// sqsMaxInFlight is how long SQS lets one receive keep a message hidden.
const sqsMaxInFlight = 12 * time.Hour

// apiTimeout bounds one DeleteMessage or ChangeMessageVisibility call.
const apiTimeout = 30 * time.Second

type msgState int

const (
	msgActive   msgState = iota
	msgFinished          // deleted, or failed and left to come back
	msgReleased          // made visible again at shutdown
)

// message is one received SQS message, in flight until it is deleted,
// fails or is released. Its records go out in batches; it is deleted only
// once reading is over and every batch is Done.
type message struct {
	s        *Source
	id       string
	receipt  string
	received time.Time
	count    int // ApproximateReceiveCount, 1 on the first delivery

	mu        sync.Mutex
	deadline  time.Time // when it becomes visible again
	extending bool
	reading   bool
	pending   int // batches out, neither Done nor failed
	failure   string
	abandoned bool // reading stopped by shutdown: release, never delete
	state     msgState
}

func (m *message) failed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.failure != "" || m.abandoned || m.state != msgActive
}

// batchOut counts a batch about to be queued.
func (m *message) batchOut() {
	m.mu.Lock()
	m.pending++
	m.mu.Unlock()
}

func (m *message) batchDone(*Batch) {
	m.mu.Lock()
	m.pending--
	m.mu.Unlock()
	m.maybeFinish()
}

func (m *message) batchFailed(b *Batch, reason string) {
	m.mu.Lock()
	m.pending--
	m.mu.Unlock()
	m.fail(FailConsumer, fmt.Errorf("records of s3://%s/%s not handed on: %s", b.Bucket, b.Key, reason))
	m.maybeFinish()
}

// readDone ends reading; err (nil when every object was read) decides
// whether the message may still be deleted.
func (m *message) readDone(abandoned bool) {
	m.mu.Lock()
	m.reading = false
	m.abandoned = m.abandoned || abandoned
	m.mu.Unlock()
	m.maybeFinish()
}

// maybeFinish deletes the message once nothing of it is outstanding, or
// just forgets it when it failed (it comes back after its backoff).
func (m *message) maybeFinish() {
	m.mu.Lock()
	if m.state != msgActive || m.reading || m.pending > 0 || m.abandoned {
		m.mu.Unlock()
		return
	}
	m.state = msgFinished
	ok := m.failure == ""
	m.mu.Unlock()
	m.s.forget(m)
	if ok {
		m.s.async(m.delete)
	}
}

func (m *message) delete(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	_, err := m.s.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &m.s.cfg.QueueURL, ReceiptHandle: &m.receipt})
	if err != nil {
		m.s.c.fail(FailDelete)
		m.s.logLimited(m.s.deleteLog, pipeline.LevelWarn, fmt.Sprintf("message %s: every record was handed on but DeleteMessage failed, so it will be delivered again: %v", m.id, err))
		return
	}
	m.s.c.deleted.Add(1)
}

// fail records the first failure, logs it and hides the message for its
// backoff, VisibilityTimeout * 2^(receives-1) within SQS's 12 h: a poison
// message comes back ever more slowly until the queue's redrive policy
// moves it aside, never in a tight loop.
func (m *message) fail(kind string, err error) {
	m.mu.Lock()
	if m.failure != "" || m.state != msgActive {
		m.mu.Unlock()
		return
	}
	m.failure = err.Error()
	m.mu.Unlock()
	m.s.c.fail(kind)
	m.s.c.failed.Add(1)
	backoff := m.backoff()
	// Not rate-limited: the backoff already spaces each message's failures.
	m.s.log(pipeline.LevelWarn, fmt.Sprintf("message %s (receive %d) not deleted, visible again in %v for the redrive policy: %s: %v",
		m.id, m.count, backoff.Round(time.Second), kind, err))
	m.s.async(func(ctx context.Context) { m.setVisibility(ctx, backoff) })
}

func (m *message) backoff() time.Duration {
	shift := min(max(m.count-1, 0), 16)
	d := m.s.cfg.VisibilityTimeout << shift
	left := sqsMaxInFlight - time.Since(m.received) - time.Second
	return max(min(d, left, sqsMaxInFlight), 0)
}

func (m *message) setVisibility(ctx context.Context, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	secs := int32(d / time.Second)
	_, err := m.s.sqs.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: &m.s.cfg.QueueURL, ReceiptHandle: &m.receipt, VisibilityTimeout: secs,
	})
	if err != nil {
		m.s.c.fail(FailVisibility)
		m.s.logLimited(m.s.visLog, pipeline.LevelWarn, fmt.Sprintf("message %s: ChangeMessageVisibility(%ds) failed: %v", m.id, secs, err))
		return false
	}
	return true
}

// extendIfDue pushes the visibility deadline out by VisibilityTimeout when
// less than half of it is left, while the message is still being worked on.
func (m *message) extendIfDue(ctx context.Context, now time.Time) {
	vt := m.s.cfg.VisibilityTimeout
	m.mu.Lock()
	due := m.state == msgActive && m.failure == "" && !m.abandoned && !m.extending && m.deadline.Sub(now) < vt/2
	if due {
		m.extending = true
	}
	m.mu.Unlock()
	if !due {
		return
	}
	d := min(vt, sqsMaxInFlight-now.Sub(m.received)-time.Second)
	ok := d >= time.Second && m.setVisibility(ctx, d)
	m.mu.Lock()
	m.extending = false
	if ok {
		m.deadline = now.Add(d)
	}
	m.mu.Unlock()
	if ok {
		m.s.c.extensions.Add(1)
	}
}

// release makes an unfinished message visible at once (shutdown), so
// another consumer takes it without waiting for the timeout. Records of
// it already handed on are delivered again (at least once).
func (m *message) release(ctx context.Context) {
	m.mu.Lock()
	if m.state != msgActive {
		m.mu.Unlock()
		return
	}
	m.state = msgReleased
	failed := m.failure != ""
	m.mu.Unlock()
	if failed {
		return // keeps its backoff
	}
	if m.setVisibility(ctx, 0) {
		m.s.c.released.Add(1)
	}
}

// receiveCount reads the ApproximateReceiveCount attribute (1 if absent).
func receiveCount(attrs map[string]string) int {
	n := 0
	for _, c := range attrs["ApproximateReceiveCount"] {
		if c < '0' || c > '9' || n > 1<<20 {
			return max(n, 1)
		}
		n = n*10 + int(c-'0')
	}
	return max(n, 1)
}
