package cloudtrail

import (
	"bytes"
	"unsafe"

	"github.com/awsaudit/awsaudit/normalize/accesslog"
	"github.com/awsaudit/awsaudit/normalize/internal/text"
	"github.com/awsaudit/awsaudit/normalize/jsondom"
	"github.com/awsaudit/awsaudit/normalize/lineindex"
	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// DefaultStreamKeep bounds a document whose envelope array
// ({"Records":[...]}, logEvents) is parsed whole, as every other document
// is. Past it the document is parsed twice: once to check it, dropping
// each envelope element once parsed, then element by element while each
// is normalized, so the parse holds one element at a time however big the
// document (a delivered log file tail'ed as one line can have tens of MB).
const DefaultStreamKeep = 1 << 20

// envelopeArrays are the top-level arrays of the envelopes that fan out.
var envelopeArrays = []string{"Records", "logEvents"}

// Emit receives what Map finds in a document: a mapped record r of input
// (the document, or the envelope element it came from), valid until Emit
// returns; or, with err (a *record.RejectError) set and r nil, an input
// that could not be mapped.
type Emit func(r *record.Record, input []byte, err error)

// Mapper maps CloudTrail-family JSON documents to records. It reuses its
// storage from one document to the next, so it is not safe for
// concurrent use.
type Mapper struct {
	// Redact says the record's strings will be redacted: the mapper then
	// looks once at the whole input for what redaction must do (see
	// record.Record.Strings), and quotes rejected input redacted.
	Redact bool
	// AccessLog maps the CloudWatch Logs form of S3 access logs, which
	// arrives in the same envelopes; it must be set.
	AccessLog *accesslog.Parser
	// StreamKeep bounds the documents parsed whole; bigger ones with an
	// envelope are parsed element by element. Use DefaultStreamKeep; 0
	// reads every envelope element by element (tests compare both).
	StreamKeep int
	// DigestFiles counts CloudTrail digest files skipped: they sign the
	// log files and hold no API calls, so they give no record.
	DigestFiles int64

	noShortcuts bool
	r           *record.Record
	outer       jsondom.Parser // the input document
	elem        jsondom.Parser // a CloudWatch Logs message inside the document
	index       lineindex.Index
	seen        jsondom.Keys
	ct          record.CloudTrail
	inner       []byte // an envelope element re-serialized for its record's input
	timeBuf     [64]byte
}

// SetShortcuts turns the input-wide checks on (the default) or off;
// tests compare the outputs both ways.
func (c *Mapper) SetShortcuts(on bool) { c.noShortcuts = !on }

// RetainedBytes is the capacity of the mapper's storage.
func (c *Mapper) RetainedBytes() int {
	x := &c.index
	return cap(c.inner) + c.outer.RetainedBytes() + c.elem.RetainedBytes() +
		c.seen.Cap()*int(unsafe.Sizeof([]byte(nil))) +
		(cap(c.ct.Extra)+cap(c.ct.UserIdentityExtra))*int(unsafe.Sizeof(record.Member{})) +
		(cap(x.Space)+cap(x.Quote)+cap(x.Equals)+cap(x.Unsafe))*8
}

// Map handles a CloudTrail-family document: one record, a delivered log
// file {"Records":[...]}, an EventBridge event, or a CloudWatch Logs
// subscription message (CloudTrail records or S3 access logs). Each
// record is mapped into r, which is reset for each, and handed to emit,
// in document order; so is each input that is rejected.
func (c *Mapper) Map(input []byte, r *record.Record, emit Emit) {
	c.r = r
	c.normalizeJSON(input, emit)
	c.r = nil
}

// Streamed says the last document's envelope was too big to parse whole
// and was read element by element (see DefaultStreamKeep).
func (c *Mapper) Streamed() bool { return c.outer.Partial() }

// stringsMode is what one look at input tells of the strings of the
// record parsed from it (see record.Record.Strings); x is input's index
// when it holds no backslash, else nil.
func (c *Mapper) stringsMode(input []byte, x *lineindex.Index) redact.Mode {
	var m redact.Mode
	if c.Redact {
		m = redact.ModeRedact | redact.ModeLevels
	}
	if x == nil || c.noShortcuts {
		return m
	}
	// Without a backslash, every string (and key) of the record is
	// spelled in input exactly as it decodes, so one look at input tells
	// whether any string needs escaping or may hold a secret parameter
	// (JSON text inside a string would need escaped quotes, or
	// percent-encoded ones, which redact.NeedsLevels finds). Values of
	// secret keys are masked whatever this finds (see unified.Writer).
	if !lineindex.AnySet(x.Unsafe) {
		m |= redact.ModePlain
	}
	if c.Redact {
		m &^= redact.ModeRedact | redact.ModeLevels
		if redact.HasShapingEscape(input) {
			m |= redact.ModeLevels
			if redact.HasSecret(input, true) {
				m |= redact.ModeRedact
			}
		} else if redact.IndexMayHoldSecretParam(x, input) {
			m |= redact.ModeRedact
		}
	}
	return m
}

// normalizeJSON maps a document (see Map).
func (c *Mapper) normalizeJSON(input []byte, emit Emit) {
	var docIndex *lineindex.Index
	var plain bool
	c.outer.Stream(nil, 0)
	if len(input) > c.StreamKeep {
		// No index either: it would take 3/4 of the input's size, and the
		// elements' normalization rebuilds c.index during the second parse.
		c.outer.Stream(envelopeArrays, c.StreamKeep)
		plain = bytes.IndexByte(input, '\\') < 0
	} else {
		docIndex = c.indexIfPlain(input)
		plain = docIndex != nil
	}
	doc, err := c.outer.Parse(input, docIndex, plain)
	if err != nil {
		emit(nil, input, record.Reject(record.SourceCloudTrail, "invalid JSON: %s", c.redactString(err.Error())))
		return
	}
	if doc.Type() != jsondom.Object {
		emit(nil, input, record.Reject(record.SourceCloudTrail, "want a JSON object, got %s", doc.Type()))
		return
	}
	k := topKeys(doc)
	switch {
	case k.records != nil:
		if k.records.Type() != jsondom.Array {
			emit(nil, input, record.Reject(record.SourceCloudTrail, "Records: want an array, got %s", k.records.Type()))
			return
		}
		for _, rec := range c.outer.ArrayItems(k.records, &err) {
			c.normalizeElement(rec, emit)
		}
		c.rejectReparse(err, input, emit)
	case k.detailType != nil && k.detail != nil:
		detail := k.detail
		if detail.Type() != jsondom.Object || !looksLikeCloudTrail(detail) {
			emit(nil, input, record.Reject(record.SourceCloudTrail, "EventBridge event %q does not carry a CloudTrail record in detail",
				k.detailType.GetStringBytes()))
			return
		}
		in := c.elementInput(detail)
		c.normalizeRecord(detail, in, c.indexIfPlain(in), emit)
	case k.messageType != nil && k.logEvents != nil:
		c.normalizeSubscription(doc, input, emit)
	case !k.cloudTrail && k.digestStart && k.digestProof:
		// A digest file signs the log files delivered beside it: no API
		// call in it, nothing to normalize and nothing wrong with it.
		c.DigestFiles++
	default:
		if c.outer.Partial() {
			// A record with a huge array named like an envelope's: it is
			// mapped whole, so parse it whole.
			c.outer.Stream(nil, 0)
			if doc, err = c.outer.Parse(input, nil, plain); err != nil {
				c.rejectReparse(err, input, emit)
				return
			}
		}
		if docIndex == nil && plain {
			c.index.Build(input) // a single record above StreamKeep
			docIndex = &c.index
		}
		c.normalizeRecord(doc, input, docIndex, emit)
	}
}

// rejectReparse rejects input when parsing it again failed where the
// first parse had not (never expected: both read the same bytes alike).
func (c *Mapper) rejectReparse(err error, input []byte, emit Emit) {
	if err != nil {
		emit(nil, input, record.Reject(record.SourceCloudTrail, "invalid JSON: %s", c.redactString(err.Error())))
	}
}

// elementInput re-serializes an element of an envelope so a dead letter or
// raw copy holds that element alone, not the whole envelope.
func (c *Mapper) elementInput(v *jsondom.Value) []byte {
	c.inner = v.MarshalTo(c.inner[:0])
	return c.inner
}

func (c *Mapper) normalizeElement(rec *jsondom.Value, emit Emit) {
	input := c.elementInput(rec)
	if rec.Type() != jsondom.Object {
		emit(nil, input, record.Reject(record.SourceCloudTrail, "Records element: want an object, got %s", rec.Type()))
		return
	}
	c.normalizeRecord(rec, input, c.indexIfPlain(input), emit)
}

// normalizeSubscription fans out a CloudWatch Logs subscription payload
// (already gunzipped): every logEvents[].message is one CloudTrail record.
func (c *Mapper) normalizeSubscription(doc *jsondom.Value, input []byte, emit Emit) {
	switch mt := string(doc.GetStringBytes("messageType")); mt {
	case "CONTROL_MESSAGE":
		return // CloudWatch Logs' reachability check carries no records
	case "DATA_MESSAGE":
	default:
		emit(nil, input, record.Reject(record.SourceCloudTrail, "CloudWatch Logs messageType %q is not DATA_MESSAGE", text.Truncate([]byte(mt), 40)))
		return
	}
	events := doc.Get("logEvents")
	if events.Type() != jsondom.Array {
		emit(nil, input, record.Reject(record.SourceCloudTrail, "logEvents: want an array, got %s", events.Type()))
		return
	}
	var reparseErr error
	for i, ev := range c.outer.ArrayItems(events, &reparseErr) {
		msg := ev.Get("message")
		if msg == nil || msg.Type() != jsondom.String {
			emit(nil, c.elementInput(ev), record.Reject(record.SourceCloudTrail, "logEvents[%d].message: want a string", i))
			continue
		}
		text := msg.GetStringBytes()
		textIndex := c.indexIfPlain(text)
		rec, err := c.elem.Parse(text, textIndex, textIndex != nil)
		if err != nil {
			emit(nil, text, record.Reject(record.SourceCloudTrail, "logEvents[%d].message: invalid JSON: %s", i, c.redactString(err.Error())))
			continue
		}
		if rec.Type() != jsondom.Object {
			emit(nil, text, record.Reject(record.SourceCloudTrail, "logEvents[%d].message: want an object, got %s", i, rec.Type()))
			continue
		}
		c.normalizeRecord(rec, text, textIndex, emit)
	}
	c.rejectReparse(reparseErr, input, emit)
}

// indexIfPlain returns c.index built over text when text holds no
// backslash, or nil. The index is valid until the next call.
func (c *Mapper) indexIfPlain(b []byte) *lineindex.Index {
	c.index.Build(b)
	// Unsafe marks every backslash (and control and non-ASCII bytes): a
	// usual record has none of them and needs no search of its own.
	if lineindex.AnySet(c.index.Unsafe) && bytes.IndexByte(b, '\\') >= 0 {
		return nil
	}
	return &c.index
}

// docKeys is what the dispatch of a document reads from its top-level
// keys, found in one pass over them (a plain record is most documents,
// and a lookup per envelope key missed on every one of its keys). The
// first of repeated keys counts, as with Get.
type docKeys struct {
	records, detailType, detail, messageType, logEvents *jsondom.Value
	// cloudTrail: eventVersion or eventName, CloudTrail's own keys.
	cloudTrail bool
	// A digest file has digestStartTime and one of the keys only digest
	// files have beside it.
	digestStart, digestProof bool
}

func topKeys(doc *jsondom.Value) (k docKeys) {
	first := func(dst **jsondom.Value, v *jsondom.Value) {
		if *dst == nil {
			*dst = v
		}
	}
	for _, m := range doc.Members() {
		switch string(m.Key) {
		case "eventVersion", "eventName":
			k.cloudTrail = true
		case "Records":
			first(&k.records, m.V)
		case "detail-type":
			first(&k.detailType, m.V)
		case "detail":
			first(&k.detail, m.V)
		case "messageType":
			first(&k.messageType, m.V)
		case "logEvents":
			first(&k.logEvents, m.V)
		case "digestStartTime":
			k.digestStart = true
		case "digestPublicKeyFingerprint", "digestSignatureAlgorithm", "logFiles":
			k.digestProof = true
		}
	}
	return k
}

// looksLikeCloudTrail is true for an object carrying CloudTrail's own keys.
func looksLikeCloudTrail(v *jsondom.Value) bool {
	return v.Get("eventVersion") != nil || v.Get("eventName") != nil
}

// normalizeRecord maps one record parsed from input; x is input's index
// when input holds no backslash, else nil (see indexIfPlain). The caller
// has found out which while parsing, so it is not searched again here.
func (c *Mapper) normalizeRecord(rec *jsondom.Value, input []byte, x *lineindex.Index, emit Emit) {
	u := c.r
	u.Reset(record.SourceCloudTrail, input)
	u.Strings = c.stringsMode(input, x)
	var err error
	switch {
	case looksLikeCloudTrail(rec):
		err = c.mapCloudTrail(rec, u)
	case accesslog.IsCloudWatchObject(rec):
		err = c.AccessLog.MapJSON(rec, &c.seen, u)
	default:
		err = record.Reject(record.SourceCloudTrail, "not a CloudTrail record: no eventVersion or eventName")
	}
	if err != nil {
		emit(nil, input, err)
		return
	}
	emit(u, input, nil)
}

// maxReason bounds a parser message quoted in a reject reason: it may
// echo part of the input.
const maxReason = 200

func (c *Mapper) redactString(s string) string {
	if len(s) > maxReason {
		s = s[:maxReason] + "..."
	}
	if !c.Redact {
		return s
	}
	return string(redact.Append(nil, []byte(s)))
}
