package accesslog

import (
	"bytes"
	"time"
	"unsafe"

	"github.com/awsaudit/awsaudit/normalize/enrich"
	"github.com/awsaudit/awsaudit/normalize/internal/memo"
	"github.com/awsaudit/awsaudit/normalize/internal/text"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/lineindex"
	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// Access-log field positions, counted from 1, as AWS's "Amazon S3 server
// access log format" numbers them.
const (
	fieldBucketOwner = 1 + iota
	fieldBucket
	fieldTime
	fieldRemoteIP
	fieldRequester
	fieldRequestID
	fieldOperation
	fieldKey
	fieldRequestURI
	fieldHTTPStatus
	fieldErrorCode
	fieldBytesSent
	fieldObjectSize
	fieldTotalTime
	fieldTurnaround
	fieldReferrer
	fieldUserAgent
	fieldVersionID
	fieldHostID
	fieldSignatureVersion
	fieldCipherSuite
	fieldAuthType
	fieldHostHeader
	fieldTLSVersion
	fieldAccessPointARN
	fieldACLRequired
	// fieldSourceRegion is the region the request came from (AWS added it
	// in 2026), not the bucket's region: a request from another region
	// reaches the bucket where it lives.
	fieldSourceRegion
	// lastKnownField is the last field this version maps; later ones go to
	// extra by position.
	lastKnownField = fieldSourceRegion
)

// minAccessFields is the shortest line accepted: the 2009-era format ends
// with the User-Agent, and real logs of that age are in the wild.
const minAccessFields = fieldUserAgent

// maxAccessFields bounds how many fields a line may have; AWS adds one every
// few years, so 64 leaves decades of room while keeping the parser's
// storage fixed.
const maxAccessFields = 64

// fieldNames label fields in error messages.
var fieldNames = [...]string{
	fieldTime: "time", fieldHTTPStatus: "HTTP status", fieldBytesSent: "bytes sent",
	fieldObjectSize: "object size", fieldTotalTime: "total time", fieldTurnaround: "turn-around time",
	fieldRequestURI: "Request-URI", fieldReferrer: "Referer", fieldUserAgent: "User-Agent",
}

func fieldName(i int) string {
	if i < len(fieldNames) && fieldNames[i] != "" {
		return fieldNames[i]
	}
	return "field"
}

// splitAccessLog cuts an indexed line into fields. Quoted fields are
// closed by looking at what must follow them, because S3 does not escape
// quotes inside Request-URI, Referer or User-Agent. quoted counts the
// fields that were quoted.
func splitAccessLog(line []byte, x *lineindex.Index, fields *[maxAccessFields][]byte) (n, quoted int, err error) {
	pos := 0
	for {
		if pos < len(line) && line[pos] == ' ' {
			// Fields are one space apart, so this is usually one step.
			if pos++; pos < len(line) && line[pos] == ' ' {
				pos = x.NextClear(x.Space, pos)
			}
		}
		if pos >= len(line) {
			return n, quoted, nil
		}
		if n == maxAccessFields {
			return n, quoted, record.Reject(record.SourceS3Access, "line has more than %d fields", maxAccessFields)
		}
		num := n + 1
		var end int // fields[n] = line[pos:end]; the next field starts after end
		switch {
		case line[pos] == '[' && num == fieldTime:
			close := bytes.IndexByte(line[pos:], ']')
			if close < 0 {
				return n, quoted, record.Reject(record.SourceS3Access, "field %d (time): no closing ']'", num)
			}
			end = pos + close + 1
			if !endsField(line, end) {
				return n, quoted, record.Reject(record.SourceS3Access, "field %d (time): no space after ']'", num)
			}
		case line[pos] == '"':
			close := closingQuote(line, x, pos+1, num)
			if close < 0 {
				return n, quoted, record.Reject(record.SourceS3Access, "field %d (%s): no closing quote", num, fieldName(num))
			}
			fields[n] = line[pos+1 : close]
			n++
			quoted++
			pos = close + 1
			continue
		default:
			end = x.Next(x.Space, pos)
			if num == fieldRequester {
				end = requesterEnd(line, x, end)
			}
		}
		fields[n] = line[pos:end]
		n++
		pos = end
	}
}

// maxRequesterWords bounds how many space-separated words a requester may
// span; the longest seen (a CloudFront origin access identity) has five.
const maxRequesterWords = 8

// requesterEnd returns where the requester that ends its first word at
// end really ends. S3 writes some requesters with spaces in them (the user
// "CloudFront Origin Access Identity E1..." of CloudFront's origin access
// identities), so the requester is known by what follows it: a request id
// and an operation (REST.GET.OBJECT). When the first word is followed by
// them, as it nearly always is, that costs two short checks; otherwise the
// requester grows a word at a time while the words after it do not have
// that shape, and stays one word when no later word fits either.
func requesterEnd(line []byte, x *lineindex.Index, end int) int {
	if followedByRequestAndOperation(line, x, end) {
		return end
	}
	e := end
	for range maxRequesterWords - 1 {
		if e+1 >= len(line) || line[e] != ' ' || line[e+1] == ' ' {
			break
		}
		e = x.Next(x.Space, e+1)
		if followedByRequestAndOperation(line, x, e) {
			return e
		}
	}
	return end
}

// followedByRequestAndOperation reports whether the field that ends at
// end is followed by a request id and an operation, one space apart. The
// operation is known by its start (an upper-case word, a dot, a letter):
// no word of a requester starts that way, and the rest of the line need
// not be read.
func followedByRequestAndOperation(line []byte, x *lineindex.Index, end int) bool {
	if end+1 >= len(line) || line[end] != ' ' {
		return false
	}
	idEnd := x.Next(x.Space, end+1)
	return looksLikeRequestID(line[end+1:idEnd]) && idEnd < len(line) && startsLikeOperation(line[idEnd+1:])
}

// startsLikeOperation reports whether b starts with an upper-case word
// (REST, WEBSITE, BATCH, S3, SOAP), a dot and a letter.
func startsLikeOperation(b []byte) bool {
	i := 0
	for i < len(b) && shapeClass[b[i]]&classOpHead != 0 {
		i++
	}
	return i > 0 && i+1 < len(b) && b[i] == '.' && shapeClass[b[i+1]]&classOpTail != 0
}

// Byte classes of request ids and operations, looked up rather than
// compared: the check runs on every line.
const (
	classID     = 1 << iota // letters, digits, '-'
	classOpHead             // upper-case letters and digits
	classOpTail             // letters, digits, '_'
)

var shapeClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		upper, lower, digit := 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9'
		if upper || lower || digit || c == '-' {
			t[c] |= classID
		}
		if upper || digit {
			t[c] |= classOpHead
		}
		if upper || lower || digit || c == '_' {
			t[c] |= classOpTail
		}
	}
	return t
}()

// looksLikeRequestID accepts S3's request ids: 16 upper-case hex digits
// for requests, UUID-style ids for service-side operations (Batch
// Operations), letters, digits and hyphens in general.
func looksLikeRequestID(b []byte) bool {
	if len(b) == 0 || len(b) > 128 {
		return false
	}
	for _, c := range b {
		if shapeClass[c]&classID == 0 {
			return false
		}
	}
	return true
}

// closingQuote finds the quote that closes the field opened just before
// from, or -1. Each quoted field has its own rule for what follows it.
func closingQuote(line []byte, x *lineindex.Index, from, num int) int {
	switch num {
	case fieldRequestURI:
		// Closed by `" ` then the HTTP status (3 digits or "-") then a space.
		for q := x.Next(x.Quote, from); q < len(line); q = x.Next(x.Quote, q+1) {
			if followedByStatus(line, q+1) {
				return q
			}
		}
	case fieldReferrer:
		// The User-Agent that follows always opens with a quote.
		for q := x.Next(x.Quote, from); q < len(line); q = x.Next(x.Quote, q+1) {
			if q+2 < len(line) && line[q+1] == ' ' && line[q+2] == '"' {
				return q
			}
		}
	case fieldUserAgent:
		// Nothing after the User-Agent is ever quoted, so its quote is the
		// last one on the line that ends a field.
		for q := x.Prev(x.Quote, len(line)); q >= from; q = x.Prev(x.Quote, q) {
			if endsField(line, q+1) {
				return q
			}
		}
		return -1
	}
	for q := x.Next(x.Quote, from); q < len(line); q = x.Next(x.Quote, q+1) {
		if endsField(line, q+1) {
			return q
		}
	}
	return -1
}

func endsField(line []byte, i int) bool {
	return i == len(line) || line[i] == ' '
}

func followedByStatus(line []byte, i int) bool {
	if i >= len(line) || line[i] != ' ' {
		return i == len(line)
	}
	i++
	if i < len(line) && line[i] == '-' {
		return endsField(line, i+1)
	}
	if i+3 <= len(line) && text.IsDigit(line[i]) && text.IsDigit(line[i+1]) && text.IsDigit(line[i+2]) {
		return endsField(line, i+3)
	}
	return false
}

// Parser reads access-log lines (and their CloudWatch Logs JSON twins)
// into records. It reuses its storage and memos from one line to the
// next, so it is not safe for concurrent use.
type Parser struct {
	// Redact says the record's strings will be redacted: the parser then
	// looks once at the whole line for what redaction must do (see
	// record.Record.Strings).
	Redact bool
	// UnknownOperations counts records whose operation is not in the
	// operation map.
	UnknownOperations int64

	noShortcuts bool
	fields      [maxAccessFields][]byte
	index       lineindex.Index
	timeBuf     [64]byte
	time        timeMemo
	requesters  enrich.Requesters
	members     []record.Member // backs a CloudWatch record's Extra.Members
}

// SetShortcuts turns the input-wide checks and the memos on (the default)
// or off; tests compare the outputs both ways.
func (p *Parser) SetShortcuts(on bool) {
	p.noShortcuts, p.requesters.NoMemo = !on, !on
}

// RetainedBytes is the capacity of the parser's storage.
func (p *Parser) RetainedBytes() int {
	x := &p.index
	return (cap(x.Space)+cap(x.Quote)+cap(x.Equals)+cap(x.Unsafe))*8 +
		cap(p.members)*int(unsafe.Sizeof(record.Member{}))
}

// Parse fills r, which the caller has reset, from one access-log line.
func (p *Parser) Parse(line []byte, r *record.Record) error {
	x := &p.index
	x.Build(line)
	r.Strings = 0
	if p.Redact {
		r.Strings = redact.ModeRedact | redact.ModeLevels
		if !p.noShortcuts {
			// Every field is a piece of the line, so what the line cannot
			// hold no field holds: a line that needs no decoding is checked
			// through its index, one that does is decoded and scanned whole.
			r.Strings = 0
			if redact.IndexNeedsLevels(x, line) {
				r.Strings = redact.ModeLevels
				if redact.HasSecret(line, true) {
					r.Strings |= redact.ModeRedact
				}
			} else if redact.IndexMayHoldSecret(x, line) {
				r.Strings = redact.ModeRedact
			}
		}
	}
	return p.parse(line, r)
}

func (p *Parser) parse(line []byte, u *record.Record) error {
	f := &p.fields
	x := &p.index
	count, quoted, err := splitAccessLog(line, x, f)
	if err != nil {
		return err
	}
	// With no quote inside a field and nothing to escape anywhere, every
	// field is copied into the JSON as is (see redact.ModePlain).
	if lineindex.CountBits(x.Quote) == 2*quoted && !lineindex.AnySet(x.Unsafe) && !p.noShortcuts {
		u.Strings |= redact.ModePlain
	}
	if count < minAccessFields {
		return record.Reject(record.SourceS3Access, "line has %d fields, want at least %d", count, minAccessFields)
	}
	field := func(i int) []byte {
		if i > count {
			return nil
		}
		return text.Present(f[i-1])
	}
	if u.Time, err = p.accessLogTimeMemo(f[fieldTime-1]); err != nil {
		return err
	}
	if u.HTTPStatus, err = number(field(fieldHTTPStatus), fieldHTTPStatus); err != nil {
		return err
	}
	if u.HTTPStatus.OK && (u.HTTPStatus.V < 100 || u.HTTPStatus.V > 599) {
		return record.Reject(record.SourceS3Access, "field %d (HTTP status): %d is not an HTTP status", fieldHTTPStatus, u.HTTPStatus.V)
	}
	if u.Request.BytesSent, err = number(f[fieldBytesSent-1], fieldBytesSent); err != nil {
		return err
	}
	if !u.Request.BytesSent.OK {
		u.Request.BytesSent = jsonw.Int{OK: true} // the log writes "-" for zero bytes
	}
	if u.Object.Size, err = number(field(fieldObjectSize), fieldObjectSize); err != nil {
		return err
	}
	if u.Request.TotalTimeMS, err = number(field(fieldTotalTime), fieldTotalTime); err != nil {
		return err
	}
	if u.Request.TurnaroundMS, err = number(field(fieldTurnaround), fieldTurnaround); err != nil {
		return err
	}

	u.Bucket.Owner = field(fieldBucketOwner)
	u.Bucket.Name = field(fieldBucket)
	u.Client.IP = field(fieldRemoteIP)
	u.HasPrincipal = true
	p.requesters.Parse(f[fieldRequester-1], u)
	u.Request.ID = field(fieldRequestID)
	u.Operation = field(fieldOperation)
	u.Object.Key = field(fieldKey)
	u.Object.KeyEncoded = true
	u.Service = serviceS3

	op := enrich.LookupOperation(u.Operation, f[fieldKey-1], f[fieldRequestURI-1])
	if !op.Known && len(u.Operation) > 0 {
		p.UnknownOperations++
	}
	u.Action = op.Action
	if len(u.Operation) > 0 {
		u.ReadOnly = jsonw.BoolOf(op.ReadOnly)
	}

	if uri := field(fieldRequestURI); len(uri) > 0 {
		splitRequestLine(uri, u)
	}
	u.ErrorCode = field(fieldErrorCode)
	u.Outcome = outcomeOf(u.HTTPStatus, u.ErrorCode)
	u.Request.Referrer = field(fieldReferrer)
	u.Client.UserAgent = field(fieldUserAgent)
	u.Object.VersionID = field(fieldVersionID)
	u.Request.HostID = field(fieldHostID)
	u.Request.SignatureVersion = field(fieldSignatureVersion)
	u.Request.CipherSuite = field(fieldCipherSuite)
	u.Request.AuthType = field(fieldAuthType)
	u.Request.Host = text.HostWithoutPort(field(fieldHostHeader))
	u.Request.TLSVersion = field(fieldTLSVersion)
	u.Request.AccessPointARN = field(fieldAccessPointARN)
	if account := arnAccount(u.Request.AccessPointARN); len(account) > 0 {
		u.AccountID = account
	}
	if count >= fieldACLRequired {
		// AWS documents "-" here as "no ACL was required", not unknown.
		u.Request.ACLRequired = jsonw.BoolOf(string(f[fieldACLRequired-1]) == "Yes")
	}
	extraFrom := lastKnownField
	if count >= fieldSourceRegion {
		if r := text.Present(f[fieldSourceRegion-1]); enrich.IsSourceRegion(r) {
			u.Request.SourceRegion = r
		} else if len(r) > 0 {
			// Not a region code: kept as logged, by position, rather than
			// put in a field whose meaning it may not have.
			extraFrom = fieldSourceRegion - 1
		}
	}
	if count > extraFrom {
		u.Extra.FirstField = extraFrom + 1
		u.Extra.Fields = append(u.Extra.Fields[:0], f[extraFrom:count]...)
		for i, x := range u.Extra.Fields {
			u.Extra.Fields[i] = text.Present(x)
		}
	}
	return nil
}

var serviceS3 = []byte("s3.amazonaws.com")

func outcomeOf(status jsonw.Int, errorCode []byte) string {
	if len(errorCode) > 0 || (status.OK && status.V >= 400) {
		return "failure"
	}
	return "success"
}

// number parses a non-negative decimal field; "-" and absent give no value.
func number(b []byte, num int) (jsonw.Int, error) {
	b = text.Present(b)
	if len(b) == 0 {
		return jsonw.Int{}, nil
	}
	v, ok := text.Count(b)
	if !ok {
		return jsonw.Int{}, record.Reject(record.SourceS3Access, "field %d (%s): %q is not a number", num, fieldName(num), text.Truncate(b, 40))
	}
	return jsonw.IntOf(v), nil
}

// splitRequestLine cuts "GET /key?x HTTP/1.1" into method, URI, protocol.
func splitRequestLine(line []byte, u *record.Record) {
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 {
		u.Request.URI = line
		return
	}
	u.Request.Method = line[:sp]
	rest := line[sp+1:]
	// The protocol is short: look for its space near the end first, rather
	// than walking back over a long URI.
	tail := max(0, len(rest)-16)
	last := bytes.LastIndexByte(rest[tail:], ' ')
	if last >= 0 {
		last += tail
	} else {
		last = bytes.LastIndexByte(rest[:tail], ' ')
	}
	if last >= 0 && bytes.HasPrefix(rest[last+1:], []byte("HTTP/")) {
		u.Request.URI, u.Request.Protocol = rest[:last], rest[last+1:]
		return
	}
	u.Request.URI = rest
}

// arnAccount returns the account field of an ARN (arn:P:S:R:ACCOUNT:...).
func arnAccount(arn []byte) []byte {
	if !bytes.HasPrefix(arn, []byte("arn:")) {
		return nil
	}
	rest := arn
	for i := 0; i < 4; i++ {
		c := bytes.IndexByte(rest, ':')
		if c < 0 {
			return nil
		}
		rest = rest[c+1:]
	}
	if c := bytes.IndexByte(rest, ':'); c > 0 {
		return rest[:c]
	}
	return nil
}

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// accessLogTime converts "[06/Feb/2019:00:00:38 +0000]" to RFC 3339 UTC.
func (p *Parser) accessLogTime(b []byte) ([]byte, error) {
	bad := func() error {
		return record.Reject(record.SourceS3Access, "field 3 (time): %q is not [dd/Mon/yyyy:HH:MM:SS +hhmm]", text.Truncate(b, 40))
	}
	if len(b) != 28 || b[0] != '[' || b[27] != ']' || b[3] != '/' || b[7] != '/' ||
		b[12] != ':' || b[15] != ':' || b[18] != ':' || b[21] != ' ' || (b[22] != '+' && b[22] != '-') {
		return nil, bad()
	}
	month := -1
	for i, m := range months {
		if string(b[4:7]) == m {
			month = i + 1
			break
		}
	}
	day, ok1 := text.Digits(b[1:3])
	year, ok2 := text.Digits(b[8:12])
	hour, ok3 := text.Digits(b[13:15])
	minute, ok4 := text.Digits(b[16:18])
	sec, ok5 := text.Digits(b[19:21])
	offH, ok6 := text.Digits(b[23:25])
	offM, ok7 := text.Digits(b[25:27])
	if month < 0 || !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) ||
		!text.ValidDate(year, month, day) || hour > 23 || minute > 59 || sec > 59 || offH > 23 || offM > 59 {
		return nil, bad()
	}
	if offH == 0 && offM == 0 {
		// The common case, written without the time package.
		t := p.timeBuf[:0]
		t = append(t, b[8:12]...)
		t = append(t, '-', byte('0'+month/10), byte('0'+month%10), '-')
		t = append(t, b[1:3]...)
		t = append(t, 'T')
		t = append(t, b[13:21]...)
		return append(t, 'Z'), nil
	}
	offset := (offH*60 + offM) * 60
	if b[22] == '-' {
		offset = -offset
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.FixedZone("", offset)).UTC()
	if t.Year() < 0 || t.Year() > 9999 {
		return nil, bad()
	}
	return t.AppendFormat(p.timeBuf[:0], time.RFC3339), nil
}

type timeMemo struct {
	key memo.Key // the access-log time field
	out []byte
}

// accessLogTimeMemo is accessLogTime through the memo.
func (p *Parser) accessLogTimeMemo(b []byte) ([]byte, error) {
	m := &p.time
	if m.key.Holds(b) {
		return m.out, nil
	}
	out, err := p.accessLogTime(b)
	if err != nil {
		m.key.Forget()
		return out, err
	}
	if m.key.Take(b, p.noShortcuts) == nil {
		return out, nil
	}
	m.out = append(m.out[:0], out...)
	return m.out, nil
}
