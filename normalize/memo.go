package normalize

import (
	"bytes"

	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// The memos below remember the last input and result of a derivation that
// is pure but not free, so a log whose lines share the value (every line
// of a bucket's log has its Host header, most share a handful of
// requesters, busy ones many lines per second) derives it once. Results
// alias the memo's own copy of the input, never the caller's line, so they
// stay valid whatever the caller does with its buffer. A memo holds one
// entry: a miss costs a comparison and a copy.

// memoLimit bounds the inputs a memo copies; longer ones are derived
// every time.
const memoLimit = 256

// memoKey is the input a memo holds a result for, in the memo's own copy.
type memoKey struct {
	in    []byte
	valid bool // an empty input is an input too
}

func (k *memoKey) holds(in []byte) bool {
	return k.valid && bytes.Equal(k.in, in)
}

// take copies in as the memo's key and returns the copy, or returns nil
// when in is not memoized (too long, or memos are off); the caller then
// derives from in directly.
func (n *Normalizer) take(k *memoKey, in []byte) []byte {
	if len(in) > memoLimit || n.noShortcuts {
		k.valid = false
		return nil
	}
	k.in, k.valid = append(k.in[:0], in...), true
	return k.in
}

type regionMemo struct {
	key    memoKey // the Host header
	region []byte  // a slice of key.in
}

// hostRegion is HostRegion(u.Request.Host) through the memo.
func (n *Normalizer) hostRegion(u *record.Record) []byte {
	m := &n.hostMemo
	if m.key.holds(u.Request.Host) {
		return m.region
	}
	host := n.take(&m.key, u.Request.Host)
	if host == nil {
		return HostRegion(u.Request.Host)
	}
	m.region = HostRegion(host)
	return m.region
}

type requesterMemo struct {
	key       memoKey // the requester
	principal Principal
	// encoded is the principal object as encodeUnified writes it with
	// strings in encodedMode, when encodedValid.
	encoded      []byte
	encodedMode  redact.Mode
	encodedValid bool
	// gen numbers the parses the memo made (see Record.PrincipalGen).
	gen uint64
}

// parseRequester is ParseRequester(s, &u.Principal) through the memo;
// u.Principal must be zero. It reports in u.principalMemo whether the
// principal is the memo's.
func (n *Normalizer) parseRequester(s []byte, u *record.Record) {
	m := &n.requestMemo
	if m.key.holds(s) {
		u.Principal, u.PrincipalGen = m.principal, m.gen
		return
	}
	requester := n.take(&m.key, s)
	if requester == nil {
		ParseRequester(s, &u.Principal)
		return
	}
	m.principal = Principal{}
	ParseRequester(requester, &m.principal)
	m.encodedValid = false
	m.gen++
	u.Principal, u.PrincipalGen = m.principal, m.gen
}

// appendPrincipal is encodePrincipal through the memo when u's principal
// is the memo's.
func (n *Normalizer) appendPrincipal(b []byte, m redact.Mode, u *record.Record) []byte {
	if u.PrincipalGen == 0 {
		return n.encodePrincipal(b, m, &u.Principal)
	}
	r := &n.requestMemo
	if !r.encodedValid || r.encodedMode != m {
		r.encoded = n.encodePrincipal(r.encoded[:0], m, &u.Principal)
		r.encodedMode, r.encodedValid = m, true
	}
	return append(b, r.encoded...)
}

type timeMemo struct {
	key memoKey // the access-log time field
	out []byte
}

// accessLogTimeMemo is accessLogTime through the memo.
func (n *Normalizer) accessLogTimeMemo(b []byte) ([]byte, error) {
	m := &n.timeMemo
	if m.key.holds(b) {
		return m.out, nil
	}
	out, err := n.accessLogTime(b)
	if err != nil {
		m.key.valid = false
		return out, err
	}
	if n.take(&m.key, b) == nil {
		return out, nil
	}
	m.out = append(m.out[:0], out...)
	return m.out, nil
}
