package pipeline

import (
	"sync"
	"time"
	"unsafe"

	"github.com/awsaudit/awsaudit/normalize"
	"github.com/segmentio/kafka-go"
)

// Bounds on the memory of a flush.
const (
	// A pooled state drops output buffers grown larger than this (only a
	// message that large grows them so): a piece stays (regrowing it every
	// flush cost half the plugin's CPU inside Fluent Bit, see statePool).
	// maxPieceBytes keeps every piece under it.
	maxRetainedBytes = 16 << 20
	// The normalizer's buffers serve one record at a time: a usual one
	// needs kilobytes, so what a huge document grew goes at once.
	maxRetainedNormalizer = 4 << 20
	// A piece is what a flush holds before the messages queued are
	// written and acknowledged (see writePiece): Batch_Bytes, within these
	// bounds. Requests are cut at Batch_Bytes anyway, so bigger pieces
	// only held more: with 8 MiB pieces the Go heap inside Fluent Bit
	// peaked at 15 MB, with 1 MiB at 7-8 MB, for the same CPU (see the
	// README's figures). The upper bound keeps a Batch_Bytes of up to
	// 100 MiB from making a flush hold that much.
	minPieceBytes = 1 << 20
	maxPieceBytes = 8 << 20
)

// span locates bytes in flushState.buf; n < 0 means nil.
type span struct{ off, n int }

// of is the bytes s locates in buf.
func (s span) of(buf []byte) []byte {
	if s.n < 0 {
		return nil
	}
	return buf[s.off : s.off+s.n : s.off+s.n]
}

// message is a Kafka message of a flush, in the one form it has from the
// normalizer's output to the producer's record reader: its key and value
// are written once, into the arena, and located by spans (the arena may
// still move as it grows), with what the flush must know about it.
type message struct {
	topic   int
	dlq     bool
	refused bool  // the broker refused it: replaced by a dead letter or dropped
	stage   uint8 // stageRecord, or which replacement of a refused message
	class   uint8 // a dead letter's reason class (class*, dlqClasses)
	src     normalize.Source
	orig    int32 // a replacement's refused message (index in msgs)
	key     span
	val     span
	headers []kafka.Header
	evTime  time.Time // for a replacement dead letter's "time"
}

// Stages of a message: one of the flush's own, the dead letter of a
// refused record, a minimal dead letter (the last resort).
const (
	stageRecord uint8 = iota
	stageDeadLetter
	stageMinimal
)

// size is the message's key, value and header bytes.
func (pd *message) size() int {
	n := max(pd.key.n, 0) + pd.val.n
	for _, h := range pd.headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// flushState is everything one flush needs; states are pooled so that
// concurrent flushes each get their own normalizer and buffers.
type flushState struct {
	p      *Pipeline
	n      *normalize.Normalizer
	emitFn func(*normalize.Output) // st.emit, bound once

	tag    string
	now    time.Time
	evTime time.Time // time of the record being processed

	buf  []byte    // arena: every key and value of this flush
	msgs []message // queued since the last piece

	tmp     []byte // JSON of the record being processed
	red     []byte // redaction scratch
	waiting []byte // a normalized record while the messages before it are written

	in      int64
	dropped int64 // since the last piece
	// droppedBy splits dropped by the reason class of the record.
	droppedBy [len(dlqClasses)]int64
	refused   int64 // since the last piece

	pieces    int   // pieces written and acknowledged
	delivered int   // messages in them
	err       error // the write that failed: nothing more is queued
	failedN   int   // messages of that write
}

func (p *Pipeline) newState() *flushState {
	st := &flushState{p: p}
	st.newNormalizer()
	st.emitFn = st.emit
	return st
}

// newNormalizer gives st a fresh normalizer that encodes records straight
// into the arena (see emit).
func (st *flushState) newNormalizer() {
	st.n = normalize.New(st.p.nopts)
	st.n.SetOutput(&st.buf)
}

func (st *flushState) reset(tag string) {
	st.tag = tag
	st.now = time.Now()
	st.buf = st.buf[:0]
	st.msgs = st.msgs[:0]
	st.in, st.dropped, st.refused = 0, 0, 0
	st.droppedBy = [len(dlqClasses)]int64{}
	st.pieces, st.delivered, st.err, st.failedN = 0, 0, nil, 0
}

func (p *Pipeline) putState(st *flushState) {
	st.trim()
	p.states.put(st)
}

// trim empties st for the pool and drops what a huge flush grew, the
// normalizer's buffers included, so that the pool keeps no more than a
// usual flush needs.
func (st *flushState) trim() {
	// Drop references into the arena and to headers, past len too: an
	// earlier piece may have used more.
	clear(st.msgs[:cap(st.msgs)])
	st.tag = ""
	st.err = nil
	if cap(st.msgs)*int(unsafe.Sizeof(message{})) > maxRetainedBytes {
		st.msgs = nil
	}
	if cap(st.buf) > maxRetainedBytes {
		st.buf = nil
	}
	if cap(st.tmp) > maxRetainedBytes {
		st.tmp = nil
	}
	if cap(st.red) > maxRetainedBytes {
		st.red = nil
	}
	if cap(st.waiting) > maxRetainedBytes {
		st.waiting = nil
	}
	st.n.Trim(maxRetainedNormalizer)
}

// retainedBytes is the capacity st keeps between flushes.
func (st *flushState) retainedBytes() int {
	return cap(st.buf) + cap(st.tmp) + cap(st.red) + cap(st.waiting) +
		cap(st.msgs)*int(unsafe.Sizeof(message{})) +
		st.n.RetainedBytes()
}

func (st *flushState) put(b []byte) span {
	off := len(st.buf)
	st.buf = append(st.buf, b...)
	return span{off, len(b)}
}

// batch is messages handed to a sender: msgs, the arena their keys and
// values are in and the topic names their topic ids index.
type batch struct {
	topics []string
	buf    []byte
	msgs   []message
	// time is every message's timestamp: ingestion time, not the event's,
	// since old events (a backfill) would otherwise be deleted by time
	// retention at once or be refused by brokers that bound timestamp skew.
	time time.Time
}

func (b batch) len() int                     { return len(b.msgs) }
func (b batch) topic(i int) string           { return b.topics[b.msgs[i].topic] }
func (b batch) key(i int) []byte             { return b.msgs[i].key.of(b.buf) }
func (b batch) value(i int) []byte           { return b.msgs[i].val.of(b.buf) }
func (b batch) headers(i int) []kafka.Header { return b.msgs[i].headers }

// one is the batch of message i alone.
func (b batch) one(i int) batch {
	b.msgs = b.msgs[i : i+1 : i+1]
	return b
}

// batch is st.msgs[from:] for the sender. It is taken once every byte is
// in the arena: a later append may move the arena.
func (st *flushState) batch(from int) batch {
	return batch{topics: st.p.topics, buf: st.buf, msgs: st.msgs[from:], time: st.now}
}

// room makes room for a message of about n bytes: when it would take the
// arena past a piece (p.pieceBytes), the messages queued are written first. False
// means a write failed: the flush will be retried, so the message is not
// queued (nor counted as dropped).
func (p *Pipeline) room(st *flushState, n int) bool {
	if st.err == nil && len(st.buf) > 0 && len(st.buf)+n > p.pieceBytes {
		p.writePiece(st)
	}
	return st.err == nil
}

// statePool keeps flush states between flushes. Not a sync.Pool: that
// one is emptied by every other garbage collection, and a fresh state
// regrows its arena, normalizer buffers and message slices from nothing,
// in freshly faulted pages (inside Fluent Bit a collection ran every
// 20 ms, so most flushes started from nothing). It holds at most
// maxIdleStates, about one per concurrent flush (Workers); trim bounds
// what each keeps.
type statePool struct {
	mu   sync.Mutex
	idle []*flushState
	new  func() *flushState
}

const maxIdleStates = 16

func (sp *statePool) get() *flushState {
	sp.mu.Lock()
	if n := len(sp.idle); n > 0 {
		st := sp.idle[n-1]
		sp.idle[n-1] = nil
		sp.idle = sp.idle[:n-1]
		sp.mu.Unlock()
		return st
	}
	sp.mu.Unlock()
	return sp.new()
}

func (sp *statePool) put(st *flushState) {
	sp.mu.Lock()
	if len(sp.idle) < maxIdleStates {
		sp.idle = append(sp.idle, st)
	}
	sp.mu.Unlock()
}
