package pipeline

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/redact"
	"github.com/segmentio/kafka-go"
)

// Reasons a record is dead-lettered without reaching the normalizer.
const (
	reasonNoLogKey  = "record has no log key (%s) and no CloudTrail fields"
	reasonMalformed = "malformed chunk at byte %d of %d: %v"
	reasonBadRecord = "malformed record: %v"
	reasonTooLarge  = "record too large: %d bytes (limit %d, from Batch_Bytes)"
	reasonInternal  = "internal error: %v"
	reasonEmpty     = "empty record"
	reasonEmptyOut  = "normalizer emitted an empty record"
	maxReasonBytes  = 1024
	maxReasonHeader = 256
	maxTagBytes     = 256
	msgOverhead     = 64 // per-message bytes kafka-go counts besides key, value and headers
	// A pooled state drops output buffers grown larger than this: a usual
	// tail chunk (up to about 2 MB of lines) writes 4-6 MB, which stays
	// (regrowing it every flush cost half the plugin's CPU inside Fluent
	// Bit, see statePool).
	maxRetainedBytes = 16 << 20
	// The normalizer's buffers serve one record at a time: a usual one
	// needs kilobytes, so what a huge document grew goes at once.
	maxRetainedNormalizer = 4 << 20
	// pieceBytes bounds the messages a flush holds: when the next one
	// would take the arena past it, those queued are written and
	// acknowledged first (see writePiece). A Fluent Bit chunk of a few MB
	// is one piece; only a huge record's fan-out is cut.
	pieceBytes = 8 << 20
)

var schemaVersion = []byte(strconv.Itoa(normalize.SchemaVersion))

// sourceUnknown names the source of a dead letter whose source was never
// determined (no log key, malformed chunk).
const sourceUnknown = "unknown"

func sourceName(s normalize.Source) string {
	if s == normalize.SourceAuto {
		return sourceUnknown
	}
	return s.String()
}

func (p *Pipeline) headersFor(s normalize.Source) []kafka.Header {
	switch s {
	case normalize.SourceS3Access:
		return p.headersS3
	case normalize.SourceCloudTrail:
		return p.headersCT
	}
	return p.headersUnknown
}

// recordHeaders are the headers of a record of one source, shared by
// every message of the pipeline (the producer only reads them): source and
// schema_version for the unified record; for OCSF, format and
// ocsf_version instead, since the unified schema version would not
// describe the payload.
func recordHeaders(source string, format normalize.Format) []kafka.Header {
	if format == normalize.FormatOCSF {
		return []kafka.Header{
			{Key: "source", Value: []byte(source)},
			{Key: "format", Value: []byte("ocsf")},
			{Key: "ocsf_version", Value: []byte(normalize.OCSFVersion)},
		}
	}
	return []kafka.Header{
		{Key: "source", Value: []byte(source)},
		{Key: "schema_version", Value: schemaVersion},
	}
}

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

	tmp []byte // JSON of the record being processed
	red []byte // redaction scratch

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
	st := &flushState{p: p, n: normalize.New(p.nopts)}
	st.emitFn = st.emit
	return st
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
	st.n.Trim(maxRetainedNormalizer)
}

// retainedBytes is the capacity st keeps between flushes.
func (st *flushState) retainedBytes() int {
	return cap(st.buf) + cap(st.tmp) + cap(st.red) +
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
// arena past pieceBytes, the messages queued are written first. False
// means a write failed: the flush will be retried, so the message is not
// queued (nor counted as dropped).
func (p *Pipeline) room(st *flushState, n int) bool {
	if st.err == nil && len(st.buf) > 0 && len(st.buf)+n > p.pieceBytes {
		p.writePiece(st)
	}
	return st.err == nil
}

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

type mark struct{ buf, msgs, pieces int }

// guard runs fn for one record; a panic undoes what fn added and
// dead-letters the record instead, so one bad record cannot take the
// chunk (or Fluent Bit) down. What fn added to a piece already written
// stays delivered: the dead letter then duplicates part of it.
func (p *Pipeline) guard(st *flushState, input []byte, binary bool, fn func()) {
	m := mark{len(st.buf), len(st.msgs), st.pieces}
	dropped := st.dropped
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		// The normalizer may be mid-way through its buffers: replace it.
		st.n = normalize.New(p.nopts)
		if st.err != nil {
			return // a piece failed: the chunk is retried whole
		}
		if st.pieces != m.pieces {
			// Everything queued since the last piece is this record's.
			m.buf, m.msgs, dropped = 0, 0, 0
		}
		st.buf, st.msgs, st.dropped = st.buf[:m.buf], st.msgs[:m.msgs], dropped
		if binary {
			if js, ok := safeTranscode(input); ok {
				input, binary = js, false
			}
		}
		p.deadLetter(st, normalize.SourceAuto, classInternal, fmt.Sprintf(reasonInternal, v), input, binary)
	}()
	fn()
}

// safeTranscode turns a record body into JSON for a dead letter, if that
// works (it runs after a panic, so it must not panic itself).
func safeTranscode(body []byte) (js []byte, ok bool) {
	defer func() {
		if recover() != nil {
			js, ok = nil, false
		}
	}()
	js, err := transcodeMap(nil, body)
	return js, err == nil
}

// decodeChunk processes every event of a chunk; an undecodable rest is one
// dead letter.
func (p *Pipeline) decodeChunk(st *flushState, data []byte) {
	r := mpReader{b: data}
	for r.off < len(data) && st.err == nil {
		start := r.off
		ev, err := r.nextEvent()
		st.in++
		if err != nil {
			st.evTime = st.now
			p.deadLetter(st, normalize.SourceAuto, classMalformedChunk,
				fmt.Sprintf(reasonMalformed, start, len(data), err), data[start:], true)
			return
		}
		st.evTime = ev.time
		p.guard(st, ev.body, true, func() { p.routeBody(st, ev.body) })
	}
}

// processRecord handles one FlushRecords input.
func (p *Pipeline) processRecord(st *flushState, rec *Record) {
	st.in++
	st.evTime = rec.Time
	if st.evTime.IsZero() {
		st.evTime = st.now
	}
	if rec.Line == nil {
		p.deadLetter(st, normalize.SourceAuto, classEmpty, reasonEmpty, nil, false)
		return
	}
	p.guard(st, rec.Line, false, func() {
		p.normalizeFn(st.n, rec.Line, p.hint, nil, st.emitFn)
	})
}

// routeBody detects what a record is and hands it to the normalizer: a
// line under a log key (the configured source hint applies), a record that
// already carries CloudTrail fields or a CloudTrail envelope (transcoded to
// JSON), or neither (dead letter).
func (p *Pipeline) routeBody(st *flushState, body []byte) {
	r := mpReader{b: body}
	n, err := r.mapLen()
	if err != nil {
		p.deadLetter(st, normalize.SourceAuto, classMalformedRecord, fmt.Sprintf(reasonBadRecord, err), body, true)
		return
	}
	best := len(p.logKeys) // index in LogKeys of the log key found so far
	var logLine, logMap, region []byte
	var cloudTrail, detailType, detail, messageType, logEvents bool
	var k, v val
	for range n {
		err := r.value(&k)
		if err == nil {
			err = r.skipItems(k.items()) // a map or array key is never one we look for
		}
		vstart := r.off
		if err == nil {
			err = r.value(&v)
		}
		if err == nil {
			err = r.skipItems(v.items())
		}
		if err != nil {
			p.deadLetter(st, normalize.SourceAuto, classMalformedRecord, fmt.Sprintf(reasonBadRecord, err), body, true)
			return
		}
		if k.kind != kindStr {
			continue
		}
		key := k.data
		for j := 0; j < best; j++ {
			if bytes.Equal(key, p.logKeys[j]) {
				switch v.kind {
				case kindStr:
					best, logLine, logMap = j, v.data, nil
				case kindMap:
					best, logLine, logMap = j, nil, body[vstart:r.off]
				}
				break
			}
		}
		if v.kind == kindStr && p.regionKey != nil && bytes.Equal(key, p.regionKey) {
			region = v.data
		}
		switch string(key) {
		case "eventVersion", "eventSource", "eventName", "userIdentity", "Records",
			// S3 access logs delivered to CloudWatch Logs are JSON too; the
			// normalizer tells them from CloudTrail.
			"schema_version_id", "bucket_arn":
			cloudTrail = true
		case "detail-type":
			detailType = true
		case "detail":
			detail = true
		case "messageType":
			messageType = true
		case "logEvents":
			logEvents = true
		}
	}
	switch {
	case logLine != nil:
		p.normalizeFn(st.n, logLine, p.hint, region, st.emitFn)
	case logMap != nil: // a map under the log key: its JSON is the document
		if st.tmp, err = transcodeMap(st.tmp[:0], logMap); err != nil {
			p.deadLetter(st, normalize.SourceAuto, classMalformedRecord, fmt.Sprintf(reasonBadRecord, err), body, true)
			return
		}
		p.normalizeFn(st.n, st.tmp, p.hint, region, st.emitFn)
	case cloudTrail || detailType && detail || messageType && logEvents:
		if st.tmp, err = transcodeMap(st.tmp[:0], body); err != nil {
			p.deadLetter(st, normalize.SourceCloudTrail, classMalformedRecord, fmt.Sprintf(reasonBadRecord, err), body, true)
			return
		}
		p.normalizeFn(st.n, st.tmp, normalize.SourceCloudTrail, region, st.emitFn)
	default:
		reason := fmt.Sprintf(reasonNoLogKey, p.logKeyMsg)
		if st.tmp, err = transcodeMap(st.tmp[:0], body); err != nil {
			p.deadLetter(st, normalize.SourceAuto, classNoLogKey, reason, body, true)
			return
		}
		p.deadLetter(st, normalize.SourceAuto, classNoLogKey, reason, st.tmp, false)
	}
}

// emit receives the normalizer's outputs.
func (st *flushState) emit(o *normalize.Output) {
	p := st.p
	if o.Err != nil {
		p.deadLetter(st, o.Source, classUnparsable, o.Err.Error(), o.Input, false)
		return
	}
	if len(o.JSON) == 0 {
		p.deadLetter(st, o.Source, classEmpty, reasonEmptyOut, o.Input, false)
		return
	}
	hdr := p.headersFor(o.Source)
	if len(o.Alerts) > 0 {
		// A header lets consumers route on alerts without parsing JSON.
		hdr = append(hdr[:len(hdr):len(hdr)], kafka.Header{Key: "alerts", Value: []byte(strings.Join(o.Alerts, ","))})
	}
	size := len(o.Key) + len(o.JSON) + msgOverhead
	for _, h := range hdr {
		size += len(h.Key) + len(h.Value)
	}
	if size > p.maxMsg {
		p.deadLetter(st, o.Source, classTooLarge, fmt.Sprintf(reasonTooLarge, size, p.maxMsg), o.Input, false)
		return
	}
	if !p.room(st, len(o.Key)+len(o.JSON)) {
		return
	}
	pd := message{topic: p.topicFor(o.Source), src: o.Source, key: span{n: -1}, headers: hdr, evTime: st.evTime}
	if len(o.Key) > 0 {
		pd.key = st.put(o.Key) // copy: the normalizer reuses its buffers
	}
	pd.val = st.put(o.JSON)
	st.msgs = append(st.msgs, pd)
	if p.topicAlerts >= 0 && len(o.Alerts) > 0 {
		alert := pd
		alert.topic = p.topicAlerts
		st.msgs = append(st.msgs, alert)
	}
}

// deadLetter queues a DLQ message for one rejected input, or counts it as
// dropped when dead-lettering is off. The value is a JSON object:
//
//	{"reason": "...", "tag": "...", "time": "<event time, RFC 3339>",
//	 "source": "s3_access|cloudtrail|unknown", "input": "<redacted text>"}
//
// plus "input_encoding":"base64" when input is binary (a malformed chunk
// tail or an undecodable record) and "input_truncated":true with
// "input_size" (bytes before truncation) when input was cut to fit.
func (p *Pipeline) deadLetter(st *flushState, src normalize.Source, class uint8, reason string, input []byte, binary bool) {
	// About the most a dead letter takes: escaped reason and tag, the
	// bounded input, the other fields.
	if !p.room(st, 6*(maxReasonBytes+maxTagBytes)+p.dlqInputLimit+256) {
		return
	}
	p.deadLetterLimit(st, src, class, reason, input, binary, p.dlqInputLimit)
}

// deadLetterLimit is deadLetter with a bound on the escaped input (binary
// input: on its base64). It returns the dead letter's index in st.msgs, or
// -1 when it was dropped.
func (p *Pipeline) deadLetterLimit(st *flushState, src normalize.Source, class uint8, reason string, input []byte, binary bool, limit int) int {
	// Reasons can quote the input: redact them like the input.
	st.red = redact.Append(st.red[:0], []byte(reason))
	reason = string(truncateUTF8(st.red, maxReasonBytes))
	if p.topicDLQ < 0 {
		st.dropped++
		st.droppedBy[class]++
		if ok, n := p.dropLog.allow(time.Now()); ok {
			p.log(LevelWarn, "dropping a rejected record (no DLQ topic): "+
				string(truncateUTF8([]byte(reason), 200))+suppressedNote(n))
		}
		return -1
	}
	b := st.buf
	off := len(b)
	b = append(b, `{"reason":`...)
	b = jsonw.AppendString(b, []byte(reason))
	b = append(b, `,"tag":`...)
	// The tag can come from input too (a file name), so it is masked alike.
	st.red = redact.Append(st.red[:0], []byte(st.tag))
	b = jsonw.AppendString(b, truncateUTF8(st.red, maxTagBytes))
	b = append(b, `,"time":"`...)
	b = st.evTime.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","source":"`...)
	b = append(b, sourceName(src)...)
	b = append(b, `","input":`...)
	var cut bool
	if binary {
		// Binary bytes still hold text (a malformed chunk's tail carries
		// whole log lines), so they are redacted before encoding too.
		st.red = redact.Append(st.red[:0], input)
		raw := st.red
		if lim := limit / 4 * 3; len(raw) > lim {
			raw, cut = raw[:lim], true
		}
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, raw)
		b = append(b, `","input_encoding":"base64"`...)
	} else {
		st.red = redact.Append(st.red[:0], input)
		b, cut = jsonw.AppendStringLimit(b, st.red, limit)
	}
	if cut {
		b = append(b, `,"input_truncated":true,"input_size":`...)
		b = jsonw.AppendInt(b, int64(len(input)))
	}
	b = append(b, '}')
	st.buf = b
	st.msgs = append(st.msgs, message{
		topic:  p.topicDLQ,
		dlq:    true,
		class:  class,
		src:    src,
		key:    span{n: -1},
		val:    span{off, len(b) - off},
		evTime: st.evTime,
		headers: []kafka.Header{
			{Key: "source", Value: []byte(sourceName(src))},
			{Key: "reason", Value: truncateUTF8([]byte(reason), maxReasonHeader)},
		},
	})
	return len(st.msgs) - 1
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s []byte, n int) []byte {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
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
