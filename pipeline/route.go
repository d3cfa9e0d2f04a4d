package pipeline

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/normalize/ocsf"
	"github.com/segmentio/kafka-go"
)

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

// emit receives the normalizer's outputs. The normalizer writes each
// record straight into the arena (normalize.Normalizer.SetOutput): its
// JSON is the arena's tail, kept there as the message's value or cut off
// when the record goes no further.
func (st *flushState) emit(o *normalize.Output) {
	p := st.p
	off, inArena := arenaTail(st.buf, o.JSON)
	if !inArena {
		off = len(st.buf) // a normalizer that wrote elsewhere: copied below
	}
	drop := func() { st.buf = st.buf[:off] }
	if o.Err != nil {
		drop()
		p.deadLetter(st, o.Source, classUnparsable, o.Err.Error(), o.Input, false)
		return
	}
	if len(o.JSON) == 0 {
		drop()
		p.deadLetter(st, o.Source, classEmpty, reasonEmptyOut, o.Input, false)
		return
	}
	rt := &p.routes[o.Source]
	hdr := rt.headers
	if len(o.Alerts) > 0 {
		// A header lets consumers route on alerts without parsing JSON.
		hdr = append(hdr[:len(hdr):len(hdr)], kafka.Header{Key: "alerts", Value: []byte(strings.Join(o.Alerts, ","))})
	}
	size := len(o.Key) + len(o.JSON) + msgOverhead
	for _, h := range hdr {
		size += len(h.Key) + len(h.Value)
	}
	if size > p.maxMsg {
		drop()
		p.deadLetter(st, o.Source, classTooLarge, fmt.Sprintf(reasonTooLarge, size, p.maxMsg), o.Input, false)
		return
	}
	if st.err == nil && off > 0 && off+len(o.Key)+len(o.JSON) > p.pieceBytes {
		// The messages before this one are written first; the record
		// waits aside meanwhile (writing a piece empties the arena).
		st.waiting = append(st.waiting[:0], o.JSON...)
		drop()
		p.writePiece(st)
		if st.err != nil {
			return // the flush will be retried: the record is not queued
		}
		off, inArena = len(st.buf), true
		st.buf = append(st.buf, st.waiting...)
	}
	if st.err != nil {
		if inArena && st.buf != nil {
			drop()
		}
		return
	}
	pd := message{topic: rt.topic, src: o.Source, key: span{n: -1}, headers: hdr, evTime: st.evTime}
	if inArena {
		pd.val = span{off, len(o.JSON)}
	} else {
		pd.val = st.put(o.JSON)
	}
	if len(o.Key) > 0 {
		pd.key = st.put(o.Key) // copy: the normalizer reuses its buffers
	}
	st.msgs = append(st.msgs, pd)
	if p.topicAlerts >= 0 && len(o.Alerts) > 0 {
		alert := pd
		alert.topic = p.topicAlerts
		st.msgs = append(st.msgs, alert)
	}
}

// arenaTail reports where b starts in buf when b is buf's last bytes.
func arenaTail(buf, b []byte) (int, bool) {
	off := len(buf) - len(b)
	if len(b) == 0 || off < 0 || &buf[off] != &b[0] {
		return 0, false
	}
	return off, true
}

// msgOverhead is the bytes per message kafka-go counts besides key, value
// and headers.
const msgOverhead = 64

// route is where a normalized record of one source goes: its topic and
// headers. The headers are shared by every message of the pipeline (the
// producer only reads them).
type route struct {
	topic   int
	headers []kafka.Header
}

// recordHeaders are the headers of a record of one source: source and
// schema_version for the unified record; for OCSF, format and
// ocsf_version instead, since the unified schema version would not
// describe the payload.
func recordHeaders(source string, format normalize.Format) []kafka.Header {
	if format == normalize.FormatOCSF {
		return []kafka.Header{
			{Key: "source", Value: []byte(source)},
			{Key: "format", Value: []byte("ocsf")},
			{Key: "ocsf_version", Value: []byte(ocsf.Version)},
		}
	}
	return []kafka.Header{
		{Key: "source", Value: []byte(source)},
		{Key: "schema_version", Value: schemaVersion},
	}
}

var schemaVersion = []byte(strconv.Itoa(normalize.SchemaVersion))

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
		st.newNormalizer()
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
