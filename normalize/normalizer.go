package normalize

import (
	"errors"
	"time"

	"github.com/awsaudit/awsaudit/normalize/accesslog"
	"github.com/awsaudit/awsaudit/normalize/cloudtrail"
	"github.com/awsaudit/awsaudit/normalize/detect"
	"github.com/awsaudit/awsaudit/normalize/enrich"
	"github.com/awsaudit/awsaudit/normalize/ocsf"
	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/redact"
	"github.com/awsaudit/awsaudit/normalize/unified"
)

// Normalizer turns inputs into unified records. It reuses buffers between
// calls, so it is not safe for concurrent use: give each goroutine its own
// (they are cheap) or pool them.
type Normalizer struct {
	opts Options

	// The stages an input goes through, each with its own scratch space.
	accessLog  accesslog.Parser
	cloudTrail cloudtrail.Mapper
	regions    enrich.Regions
	detector   detect.Detector
	unified    unified.Encoder
	ocsf       ocsf.Encoder
	keys       unified.KeyFinder // Options.KeyPath

	u   record.Record
	out Output
	// now is the clock for records without a time (tests replace it).
	now func() time.Time

	buf        []byte                   // the encoded record handed out in Output.JSON
	dst        *[]byte                  // the caller's buffer, when it set one (SetOutput)
	corrID     []byte                   // the record's correlation_id
	keyBuf     []byte                   // the unified record, for KeyPath lookups in OCSF mode
	alertNames [record.NumAlerts]string // backs Output.Alerts
	outKey     []byte                   // Output.Key with its secrets masked

	// stats are the counters of the stages before the last Trim.
	stats Stats
	// maxInput is the largest input since the last Trim.
	maxInput int
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
		opts:      opts,
		accessLog: accesslog.Parser{Redact: opts.Redact},
		regions:   enrich.Regions{Default: []byte(opts.DefaultRegion)},
		unified:   unified.Encoder{Writer: unified.Writer{Redact: opts.Redact}, IncludeRaw: opts.IncludeRaw},
		keys:      unified.NewKeyFinder(opts.KeyPath),
		now:       time.Now,
		buf:       make([]byte, 0, 4096),
	}
	n.cloudTrail = cloudtrail.Mapper{Redact: opts.Redact, AccessLog: &n.accessLog, StreamKeep: cloudtrail.DefaultStreamKeep}
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
	now, stats, keep, dst := n.now, n.Stats(), n.cloudTrail.StreamKeep, n.dst
	off := n.regions.NoMemo
	n.init(n.opts)
	n.now, n.stats, n.cloudTrail.StreamKeep, n.dst = now, stats, keep, dst
	n.setShortcuts(!off)
}

// RetainedBytes is the capacity of the buffers the Normalizer keeps from
// one call to the next: what a pooled Normalizer costs between uses.
func (n *Normalizer) RetainedBytes() int {
	return cap(n.buf) + cap(n.corrID) + cap(n.keyBuf) + cap(n.outKey) +
		n.accessLog.RetainedBytes() + n.cloudTrail.RetainedBytes() + n.keys.RetainedBytes() +
		n.detector.RetainedBytes() + n.unified.RetainedBytes() + n.ocsf.RetainedBytes()
}

// setShortcuts turns the input-wide checks and the memos on or off;
// tests compare outputs both ways.
func (n *Normalizer) setShortcuts(on bool) {
	n.accessLog.SetShortcuts(on)
	n.cloudTrail.SetShortcuts(on)
	n.regions.NoMemo = !on
}

// SetOutput makes the Normalizer append each record it encodes to *dst,
// the caller's buffer, instead of a buffer of its own, so that a caller
// that keeps records (the plugin's flush arena) needs no copy. Output.JSON
// is then the last len(JSON) bytes of *dst when emit is called; the
// callback decides whether they stay there, may cut them off, and may
// append after them. A record that fails to encode leaves *dst as it was.
// nil goes back to the Normalizer's own buffer.
func (n *Normalizer) SetOutput(dst *[]byte) { n.dst = dst }

// Options returns the options the Normalizer was made with.
func (n *Normalizer) Options() Options { return n.opts }

// Stats returns the counters since New.
func (n *Normalizer) Stats() Stats {
	return n.stats.Add(Stats{UnknownOperations: n.accessLog.UnknownOperations, DigestFiles: n.cloudTrail.DigestFiles})
}

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
		n.cloudTrail.Map(input, &n.u, func(r *record.Record, in []byte, err error) {
			if err != nil {
				n.emitReject(err, sourceOf(err), in, emit)
				return
			}
			n.finish(r, in, recordRegion, emit)
		})
		return
	}
	u := &n.u
	u.Reset(SourceS3Access, input)
	if err := n.accessLog.Parse(input, u); err != nil {
		n.emitReject(err, SourceS3Access, input, emit)
		return
	}
	n.finish(u, input, recordRegion, emit)
}

// sourceOf is what a rejected JSON input was taken for.
func sourceOf(err error) Source {
	var re *RejectError
	if errors.As(err, &re) && re.Source != SourceAuto {
		return re.Source
	}
	return SourceCloudTrail
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

// finish enriches a mapped record (region, correlation_id, alerts),
// encodes it and emits it.
func (n *Normalizer) finish(u *record.Record, input, recordRegion []byte, emit func(*Output)) {
	n.regions.Settle(u, recordRegion)
	n.corrID = enrich.CorrelationID(n.corrID[:0], u)
	if u.CorrelationID = n.corrID; len(n.corrID) == 0 {
		u.CorrelationID = nil // no request id: no key either
	}
	u.Alerts = n.detector.Detect(u)
	buf := n.buf[:0]
	if n.dst != nil {
		buf = *n.dst
	}
	start := len(buf)
	var err error
	var mode redact.Mode // how the record's strings were written
	if n.opts.Format == FormatOCSF {
		buf, err = n.ocsf.Encode(buf, u)
		mode = n.ocsf.Mode()
	} else {
		buf, err = n.unified.Encode(buf, u)
		mode = n.unified.Mode()
	}
	if err != nil {
		buf = buf[:start]
	}
	if n.dst != nil {
		*n.dst = buf
	} else {
		n.buf = buf
	}
	if err != nil {
		n.emitReject(err, u.Source, input, emit)
		return
	}
	n.out = Output{Source: u.Source, JSON: buf[start:len(buf):len(buf)], Input: input}
	if u.Alerts != 0 {
		n.out.Alerts = u.Alerts.AppendNames(n.alertNames[:0])
	}
	if n.opts.KeyPath != "" {
		encoded := n.out.JSON
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

func (n *Normalizer) emitReject(err error, src Source, input []byte, emit func(*Output)) {
	n.out = Output{Source: src, Err: err, Input: input}
	emit(&n.out)
}
