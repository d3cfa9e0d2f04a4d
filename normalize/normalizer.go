package normalize

import (
	"time"
	"unsafe"

	"github.com/awsaudit/awsaudit/normalize/detect"
	"github.com/awsaudit/awsaudit/normalize/enrich"
	"github.com/awsaudit/awsaudit/normalize/jsondom"
	"github.com/awsaudit/awsaudit/normalize/lineindex"
	"github.com/awsaudit/awsaudit/normalize/ocsf"
	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/redact"
	"github.com/awsaudit/awsaudit/normalize/unified"
)

// Normalizer turns inputs into unified records. It reuses buffers between
// calls, so it is not safe for concurrent use: give each goroutine its own
// (they are cheap) or pool them.
type Normalizer struct {
	opts          Options
	defaultRegion []byte

	out     Output
	u       record.Record
	ct      record.CloudTrail
	fields  [maxAccessFields][]byte
	index   lineindex.Index // of the access-log line being parsed
	timeBuf [64]byte

	// One-entry memos for the access-log fields that repeat from line to
	// line in a bucket's log (the Host header, the requester, the second);
	// see memo.go.
	regions    enrich.Regions
	requesters enrich.Requesters
	timeMemo   timeMemo

	detector detect.Detector
	unified  unified.Encoder
	ocsf     ocsf.Encoder
	keys     unified.KeyFinder // Options.KeyPath
	// now is the clock for records without a time (tests replace it).
	now func() time.Time

	buf        []byte                   // the encoded record handed out in Output.JSON
	corrID     []byte                   // the record's correlation_id
	keyBuf     []byte                   // the unified record, for KeyPath lookups in OCSF mode
	alertNames [record.NumAlerts]string // backs Output.Alerts
	outKey     []byte                   // Output.Key with its secrets masked
	// seen holds the keys of the JSON objects being read, for the
	// first-wins rule of repeated keys.
	seen  jsondom.Keys
	inner []byte // an envelope element re-serialized for Output.Input
	// jsonExtra backs record.Extra.Members.
	jsonExtra []record.Member

	// redactStrings says whether the record being encoded may hold a
	// secret in any string (see mayHoldSecret); always true for CloudTrail
	// with a backslash, whose JSON escapes can spell a secret the raw
	// text does not show.
	redactStrings bool
	// redactLevels says whether a string of the record may need decoding
	// to show a secret (see redact.NeedsLevels): false when the input holds no
	// backslash and no percent-escape that redact.NeedsLevels looks for.
	redactLevels bool
	// plainInput says every string of the record being encoded is a piece
	// of the input that needs no JSON escaping (see parseAccessLog and
	// normalizeRecord), so strings are copied as is.
	plainInput bool
	// noShortcuts turns off the input-wide checks that let strings skip
	// escaping and redaction, and the memos; tests compare outputs with
	// and without them.
	noShortcuts bool

	outer jsondom.Parser // the input document
	elem  jsondom.Parser // a CloudWatch Logs message inside the document

	// stats are the counters Stats returns; Trim keeps them.
	stats Stats

	// maxInput is the largest input since the last Trim.
	maxInput int
	// streamKeep is defaultStreamKeep; tests lower it.
	streamKeep int
}

// New returns a Normalizer with the given options.
func New(opts Options) *Normalizer {
	n := new(Normalizer)
	n.init(opts)
	return n
}

// init sets up an empty Normalizer.
func (n *Normalizer) init(opts Options) {
	*n = Normalizer{
		opts:          opts,
		defaultRegion: []byte(opts.DefaultRegion),
		regions:       enrich.Regions{Default: []byte(opts.DefaultRegion)},
		now:           time.Now,
		buf:           make([]byte, 0, 4096),
		streamKeep:    defaultStreamKeep,
		unified:       unified.Encoder{Writer: unified.Writer{Redact: opts.Redact}, IncludeRaw: opts.IncludeRaw},
		keys:          unified.NewKeyFinder(opts.KeyPath),
	}
	now := func() time.Time { return n.now() } // tests replace n.now
	n.detector = detect.Detector{Rules: opts.Rules, Now: now}
	n.ocsf = ocsf.Encoder{Writer: unified.Writer{Redact: opts.Redact}, IncludeRaw: opts.IncludeRaw, Rules: opts.Rules, Now: now}
}

// Trim lets go of what the Normalizer kept from an input of more than
// limit bytes since the last Trim, or of its buffers when together they
// grew past limit: a pooled Normalizer would otherwise keep a huge input's
// buffers (and references into the input) alive until it is used again.
// It costs next to nothing when nothing grew. Callers that pool
// Normalizers call it when they put one back.
func (n *Normalizer) Trim(limit int) {
	if n.maxInput <= limit && n.RetainedBytes() <= limit {
		n.maxInput = 0
		return
	}
	now, noShortcuts, keep, stats := n.now, n.noShortcuts, n.streamKeep, n.stats
	n.init(n.opts)
	n.now, n.streamKeep, n.stats = now, keep, stats
	n.setShortcuts(!noShortcuts)
}

// RetainedBytes is the capacity of the buffers the Normalizer keeps from
// one call to the next: what a pooled Normalizer costs between uses.
func (n *Normalizer) RetainedBytes() int {
	b := cap(n.buf) + cap(n.corrID) + cap(n.keyBuf) + cap(n.outKey) + cap(n.inner) +
		(n.seen.Cap()+cap(n.u.Extra.Fields))*int(unsafe.Sizeof([]byte(nil))) +
		(cap(n.ct.Extra)+cap(n.ct.UserIdentityExtra)+cap(n.jsonExtra))*int(unsafe.Sizeof(record.Member{})) +
		(cap(n.index.Space)+cap(n.index.Quote)+cap(n.index.Equals)+cap(n.index.Unsafe))*8
	return b + n.outer.RetainedBytes() + n.elem.RetainedBytes() + n.keys.RetainedBytes() +
		n.detector.RetainedBytes() + n.unified.RetainedBytes() + n.ocsf.RetainedBytes()
}

// setShortcuts turns the input-wide checks and the memos on or off;
// tests compare outputs both ways.
func (n *Normalizer) setShortcuts(on bool) {
	n.noShortcuts = !on
	n.regions.NoMemo, n.requesters.NoMemo = !on, !on
}

// Options returns the options the Normalizer was made with.
func (n *Normalizer) Options() Options { return n.opts }

// Normalize turns one input into unified records and calls emit once per
// record, in input order: an access-log line or CloudTrail record gives one,
// a CloudTrail envelope ({"Records":[...]}, EventBridge, CloudWatch Logs
// DATA_MESSAGE) one per element (zero for a CONTROL_MESSAGE). A rejected
// input or element is emitted with Err set, so nothing is lost silently.
// hint forces the source; SourceAuto detects it (a JSON object is taken for
// CloudTrail, anything else for an access-log line). recordRegion is a
// region already on the Fluent Bit record (region_source "record"), or nil.
func (n *Normalizer) Normalize(input []byte, hint Source, recordRegion []byte, emit func(*Output)) {
	input = trimLineEnd(input)
	n.maxInput = max(n.maxInput, len(input))
	src := hint
	if src == SourceAuto {
		src = DetectSource(input)
	}
	if src == SourceCloudTrail {
		n.normalizeJSON(input, recordRegion, emit)
		return
	}
	u := n.resetUnified(SourceS3Access, input)
	n.index.Build(input)
	n.redactStrings, n.redactLevels = n.opts.Redact, n.opts.Redact
	if n.opts.Redact && !n.noShortcuts {
		// Every field is a piece of the line, so what the line cannot hold
		// no field holds: a line that needs no decoding is checked through
		// its index, one that does is decoded and scanned whole.
		if n.redactLevels = redact.IndexNeedsLevels(&n.index, input); n.redactLevels {
			n.redactStrings = redact.HasSecret(input, true)
		} else {
			n.redactStrings = redact.IndexMayHoldSecret(&n.index, input)
		}
	}
	if err := n.parseAccessLog(input, u); err != nil {
		n.emitReject(err, SourceS3Access, input, emit)
		return
	}
	n.regions.Settle(u, recordRegion)
	n.emitRecord(u, input, emit)
}

// DetectSource tells a CloudTrail-family JSON document from an access-log
// line by its first non-blank byte.
func DetectSource(input []byte) Source {
	for _, c := range input {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return SourceCloudTrail
		default:
			return SourceS3Access
		}
	}
	return SourceS3Access
}

func trimLineEnd(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func (n *Normalizer) resetUnified(src Source, raw []byte) *record.Record {
	n.u.Reset(src, raw)
	n.plainInput = false
	return &n.u
}

func (n *Normalizer) emitRecord(u *record.Record, input []byte, emit func(*Output)) {
	n.corrID = enrich.CorrelationID(n.corrID[:0], u)
	if u.CorrelationID = n.corrID; len(n.corrID) == 0 {
		u.CorrelationID = nil // no request id: no key either
	}
	u.Alerts = n.detector.Detect(u)
	u.Strings = n.stringsMode()
	var err error
	var mode redact.Mode // how the record's strings were written
	if n.opts.Format == FormatOCSF {
		n.buf, err = n.ocsf.Encode(n.buf[:0], u)
		mode = n.ocsf.Mode()
	} else {
		n.buf, err = n.unified.Encode(n.buf[:0], u)
		mode = n.unified.Mode()
	}
	if err != nil {
		n.emitReject(err, u.Source, input, emit)
		return
	}
	n.out = Output{Source: u.Source, JSON: n.buf, Input: input}
	if u.Alerts != 0 {
		n.out.Alerts = u.Alerts.AppendNames(n.alertNames[:0])
	}
	if n.opts.KeyPath != "" {
		encoded := n.buf
		if n.opts.Format != FormatUnified && !n.keys.Fast() {
			// KeyPath names a unified-record field whatever the format.
			n.keyBuf, _ = n.unified.Encode(n.keyBuf[:0], u)
			encoded = n.keyBuf
			mode |= n.unified.Mode()
		}
		n.out.Key = n.keys.Find(u, encoded)
		if levels := mode&redact.ModeLevels != 0; mode&redact.ModeRedact != 0 && redact.HasSecret(n.out.Key, levels) {
			// The fast paths take the value from the input, not the record.
			n.outKey = redact.AppendText(n.outKey[:0], n.out.Key, false, levels)
			n.out.Key = n.outKey
		}
	}
	emit(&n.out)
}

// stringsMode is what the parser found of the record's strings (see
// record.Record.Strings).
func (n *Normalizer) stringsMode() redact.Mode {
	var m redact.Mode
	if n.plainInput {
		m |= redact.ModePlain
	}
	if n.redactStrings {
		m |= redact.ModeRedact
	}
	if n.redactLevels {
		m |= redact.ModeLevels
	}
	return m
}

func (n *Normalizer) emitReject(err error, src Source, input []byte, emit func(*Output)) {
	n.out = Output{Source: src, Err: err, Input: input}
	emit(&n.out)
}
