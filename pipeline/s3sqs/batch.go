package s3sqs

import (
	"errors"
	"sync"
	"time"
)

// Batch is a run of consecutive records of one object. The consumer calls
// exactly one of Done (every record was handed on) or Fail (none may be
// counted as delivered); a message is deleted once every batch of its
// objects is Done.
type Batch struct {
	Bucket, Key string
	data        []byte // the records as events, back to back (events.go)
	spans       []span // where each record's text is in data
	head, tail  []byte // an event's bytes before and after the record
	size        int    // len(data)
	msg         *message
	once        sync.Once
}

// Len is the number of records.
func (b *Batch) Len() int { return len(b.spans) }

// Record returns record i. The slice belongs to the batch and is valid
// until Done or Fail.
func (b *Batch) Record(i int) []byte {
	s := b.spans[i]
	return b.data[s.start:s.end:s.end]
}

// Size is the batch's size encoded as events.
func (b *Batch) Size() int { return b.size }

// Done reports every record handed on; the records must not be used
// afterwards. Later calls do nothing.
func (b *Batch) Done() {
	b.once.Do(func() {
		b.msg.batchDone(b)
		b.recycle()
	})
}

// Fail reports that the records were not handed on (reason is logged);
// the message is left to be delivered again. Later calls do nothing.
func (b *Batch) Fail(reason string) {
	b.once.Do(func() {
		b.msg.batchFailed(b, reason)
		b.recycle()
	})
}

var errQueueClosed = errors.New("source closed")

// queue holds batches between the object readers and the consumer, bounded
// by their estimated size: a reader blocks while it is full, which is how
// a slow consumer (Fluent Bit paused, Kafka down) stops the reading.
type queue struct {
	mu     sync.Mutex
	space  *sync.Cond // signalled when bytes drop or on close
	ready  chan struct{}
	items  []*Batch
	bytes  int
	limit  int
	closed bool
}

func newQueue(limit int) *queue {
	q := &queue{limit: limit, ready: make(chan struct{}, 1)}
	q.space = sync.NewCond(&q.mu)
	return q
}

// put adds b once the queue has room (a batch larger than the limit is
// let in alone), or fails when the queue is closed.
func (q *queue) put(b *Batch) error {
	q.mu.Lock()
	for !q.closed && q.bytes > 0 && q.bytes+b.size > q.limit {
		q.space.Wait()
	}
	if q.closed {
		q.mu.Unlock()
		return errQueueClosed
	}
	q.items = append(q.items, b)
	q.bytes += b.size
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return nil
}

// take removes batches in order while their total stays within max (the
// first one always), without waiting.
func (q *queue) take(max int) []*Batch {
	q.mu.Lock()
	defer q.mu.Unlock()
	n, size := 0, 0
	for n < len(q.items) && (n == 0 || size+q.items[n].size <= max) {
		size += q.items[n].size
		n++
	}
	if n == 0 {
		return nil
	}
	out := make([]*Batch, n)
	copy(out, q.items)
	clear(q.items[:n])
	q.items = q.items[n:]
	q.bytes -= size
	// One wake-up per batch taken: batches are of a size, so a woken
	// reader that cannot fit means none can, and waking every reader for
	// each take would be a thundering herd.
	for range n {
		q.space.Signal()
	}
	if len(q.items) > 0 {
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}
	return out
}

// takeWait is take, waiting up to wait for a first batch.
func (q *queue) takeWait(max int, wait time.Duration) []*Batch {
	if out := q.take(max); out != nil || wait <= 0 {
		return out
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-q.ready:
			if out := q.take(max); out != nil {
				return out
			}
		case <-t.C:
			return q.take(max)
		}
	}
}

// len is the number of queued batches.
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// close wakes every blocked put and returns the batches nobody took.
func (q *queue) close() []*Batch {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	left := q.items
	q.items, q.bytes = nil, 0
	q.space.Broadcast()
	return left
}
