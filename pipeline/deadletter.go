package pipeline

import (
	"encoding/base64"
	"time"
	"unicode/utf8"

	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/redact"
	"github.com/segmentio/kafka-go"
)

// Reasons a record is dead-lettered without reaching the normalizer, and
// bounds on what a dead letter quotes.
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
)

// sourceUnknown names the source of a dead letter whose source was never
// determined (no log key, malformed chunk).
const sourceUnknown = "unknown"

func sourceName(s normalize.Source) string {
	if s == normalize.SourceAuto {
		return sourceUnknown
	}
	return s.String()
}

// Reason classes of dead letters and drops: each call that dead-letters a
// record says why in a few words a metric label can carry (the full
// reason is in the dead letter). The order is dlqClasses'.
const (
	classUnparsable      uint8 = iota // the normalizer rejected it: not a valid access-log line or CloudTrail record
	classNoLogKey                     // a Fluent Bit record without the log key or CloudTrail fields
	classMalformedChunk               // the chunk's msgpack ended or broke mid-record
	classMalformedRecord              // the record's msgpack could not be read
	classEmpty                        // nothing to normalize, or nothing came out
	classTooLarge                     // larger than Batch_Bytes or than the broker takes
	classRefused                      // the broker refused it for another reason
	classInternal                     // a recovered bug: the panic was logged
)

var dlqClasses = [...]string{
	classUnparsable:      "unparsable",
	classNoLogKey:        "no_log_key",
	classMalformedChunk:  "malformed_chunk",
	classMalformedRecord: "malformed_record",
	classEmpty:           "empty",
	classTooLarge:        "too_large",
	classRefused:         "refused",
	classInternal:        "internal",
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
