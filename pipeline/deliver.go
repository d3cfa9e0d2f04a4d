package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// writePiece writes the queued messages, waiting for every acknowledgment
// within Write_Timeout, then counts them and empties the arena for the
// next piece. A failure is kept in st.err.
func (p *Pipeline) writePiece(st *flushState) {
	if n := len(st.msgs); n > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), p.writeTimeout)
		err := p.deliver(ctx, st, st.batch(0))
		expired := ctx.Err() != nil
		cancel()
		if err != nil {
			if expired || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				// Requests may still be encoding these messages: never
				// reuse them or their bytes.
				st.buf, st.msgs = nil, nil
			}
			st.err, st.failedN = err, n
			return
		}
		st.delivered += n
	}
	st.commit(p)
	st.buf, st.msgs = st.buf[:0], st.msgs[:0]
	st.dropped, st.refused = 0, 0
	st.pieces++
}

// deliver writes b, the messages of st.msgs, and returns nil once the
// broker acknowledged each of them or each one it refused on its own was
// dealt with: a refused record is replaced by a dead letter carrying the
// reason and a truncated, redacted copy; if the DLQ refuses that too, by
// a minimal dead letter (reason, sizes, the first KiB); if that fails as
// well (or DLQ_Topic is off) the record is dropped with a warning.
//
// Such a record can never be delivered as it is, whatever Fluent Bit
// does: failing the flush would make Fluent Bit retry the chunk (every
// attempt refused the same way, stalling the pipeline) or drop it (losing
// the good records with it). So it must not block the others: the flush
// succeeds when everything else was acknowledged. A refusal never makes
// this return an error; other failures are returned as they are.
func (p *Pipeline) deliver(ctx context.Context, st *flushState, b batch) error {
	from := 0 // st.msgs index of b's first message
	var dropped0 = st.dropped
	var replaced int
	var first error
	for {
		err := p.w.WriteMessages(ctx, b)
		if err == nil {
			break
		}
		refused, err := p.refusals(ctx, b, err)
		if err != nil {
			return err
		}
		// Every replacement is of a later stage than what it replaces and
		// a refused minimal dead letter is dropped: at most three writes.
		next := len(st.msgs)
		for _, r := range refused {
			if first == nil {
				first = r.err
			}
			p.replaceRefused(st, from+r.i, r.err)
		}
		replaced += len(refused)
		if from = next; from == len(st.msgs) {
			break
		}
		b = st.batch(from)
	}
	if first != nil {
		if ok, n := p.refuseLog.allow(time.Now()); ok {
			p.log(LevelWarn, fmt.Sprintf("the broker refused %d records of a chunk (tag %s) on their own (%s): dead-lettered instead, %d dropped%s",
				st.refused, truncateUTF8([]byte(st.tag), maxTagBytes), shortError(first), st.dropped-dropped0, suppressedNote(n)))
		}
	}
	return nil
}

// refusedMsg is a message of one write that the broker refused on its own.
type refusedMsg struct {
	i   int // index in the write's messages
	err error
}

// refusals finds the messages of a failed write that the broker refused on
// their own. It returns the write's error when anything else failed.
func (p *Pipeline) refusals(ctx context.Context, b batch, err error) ([]refusedMsg, error) {
	var werrs kafka.WriteErrors
	if errors.As(err, &werrs) && len(werrs) == b.len() {
		var out []refusedMsg
		for i, e := range werrs {
			if e == nil {
				continue
			}
			if !refusal(e) {
				return nil, err
			}
			out = append(out, refusedMsg{i, e})
		}
		return out, nil
	}
	if !refusal(err) {
		return nil, err
	}
	if b.len() == 1 {
		return []refusedMsg{{0, err}}, nil
	}
	// A refusal of the whole write does not name the culprits (the chunk
	// producer always does): write the messages one by one to find them.
	var out []refusedMsg
	for i := range b.len() {
		e := p.w.WriteMessages(ctx, b.one(i))
		if errors.As(e, &werrs) && len(werrs) == 1 {
			e = werrs[0]
		}
		switch {
		case e == nil:
		case refusal(e):
			out = append(out, refusedMsg{i, e})
		default:
			return nil, e
		}
	}
	return out, nil
}

// replaceRefused marks st.msgs[i] refused and queues what replaces it.
func (p *Pipeline) replaceRefused(st *flushState, i int, cause error) {
	st.msgs[i].refused = true
	pd := st.msgs[i] // a copy: deadLetterLimit appends to st.msgs
	size := pd.size()
	st.evTime = pd.evTime
	var j int
	switch pd.stage {
	case stageRecord:
		st.refused++
		if !pd.dlq {
			// The full dead letter, with a copy of at most half the
			// refused size, so that the DLQ topic, if it has the same
			// limit, takes it.
			limit := min(p.dlqInputLimit, max(size/2, minimalInputBytes))
			reason, class := refusalReason(cause, "record", size)
			j = p.deadLetterLimit(st, pd.src, class, reason, pd.val.of(st.buf), false, limit)
			if j >= 0 {
				st.msgs[j].stage = stageDeadLetter
				st.msgs[j].orig = int32(i)
			}
			return
		}
		// The dead letter of a rejected record: only a minimal one is left.
		refusal, class := refusalReason(cause, "dead letter", size)
		reason := fmt.Sprintf("%s; it was dead-lettered for: %s", refusal, headerValue(pd.headers, "reason"))
		j = p.deadLetterLimit(st, pd.src, class, reason, pd.val.of(st.buf), false, minimalInputBytes)
	case stageDeadLetter:
		orig := st.msgs[pd.orig]
		reason := fmt.Sprintf("%s; its dead letter of %d bytes was refused too: %s", headerValue(pd.headers, "reason"), size, shortError(cause))
		// Still classed by the refusal that replaced the record.
		j = p.deadLetterLimit(st, orig.src, pd.class, reason, orig.val.of(st.buf), false, minimalInputBytes)
	default:
		// Even the minimal dead letter was refused: nothing more can be
		// done for this record. Log why, never what.
		st.dropped++
		st.droppedBy[pd.class]++
		if ok, n := p.dropLog.allow(time.Now()); ok {
			p.log(LevelWarn, fmt.Sprintf("dropping a record the broker refused, with its dead letters: %s; minimal dead letter of %d bytes: %v%s",
				truncateUTF8([]byte(headerValue(pd.headers, "reason")), 300), size, cause, suppressedNote(n)))
		}
		return
	}
	if j >= 0 {
		st.msgs[j].stage = stageMinimal
		st.msgs[j].orig = int32(i)
	}
}

// minimalInputBytes bounds the input a minimal dead letter carries: the
// last resort for a record whose full dead letter was refused as well.
const minimalInputBytes = 1024

// refusalReason is a dead letter's reason, and its class, for a message
// of size bytes that the broker refused with err.
func refusalReason(err error, what string, size int) (string, uint8) {
	var kerr kafka.Error
	if errors.As(err, &kerr) && (kerr == kafka.MessageSizeTooLarge || kerr == kafka.RecordListTooLarge) {
		return fmt.Sprintf("%s too large for the broker: %d bytes", what, size), classTooLarge
	}
	var tooLarge kafka.MessageTooLargeError
	if errors.As(err, &tooLarge) {
		return fmt.Sprintf("%s too large for the producer: %d bytes", what, size), classTooLarge
	}
	return fmt.Sprintf("%s refused by the broker: %d bytes: %s", what, size, shortError(err)), classRefused
}

// shortError names a Kafka error by its code and title, without the long
// explanation kafka-go adds.
func shortError(err error) string {
	var kerr kafka.Error
	if errors.As(err, &kerr) {
		return fmt.Sprintf("[%d] %s", int(kerr), kerr.Title())
	}
	return err.Error()
}

// headerValue returns the value of a message header, or "".
func headerValue(hs []kafka.Header, key string) string {
	for _, h := range hs {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// commit adds a delivered piece's outcome to the pipeline's counters.
func (st *flushState) commit(p *Pipeline) {
	var dlq, bytesOut int64
	for i := range st.msgs {
		pd := &st.msgs[i]
		if pd.refused {
			continue
		}
		bytesOut += int64(max(pd.key.n, 0) + pd.val.n)
		if pd.dlq {
			dlq++
			p.c.deadByClass[pd.class].Add(1)
		} else {
			p.c.out[pd.topic].Add(1)
			if pd.topic != p.topicAlerts {
				p.c.normalized[pd.src].Add(1)
			}
		}
	}
	for c, n := range st.droppedBy {
		if n > 0 {
			p.c.droppedByClass[c].Add(n)
		}
	}
	st.droppedBy = [len(dlqClasses)]int64{}
	p.c.deadLettered.Add(dlq)
	p.c.bytesOut.Add(bytesOut)
	p.c.dropped.Add(st.dropped)
	p.c.refused.Add(st.refused)
}
