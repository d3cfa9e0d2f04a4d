package normalize

import "bytes"

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

type regionMemo struct {
	host, region []byte
	valid        bool
}

// hostRegion is HostRegion(u.reqHost) through the memo.
func (n *Normalizer) hostRegion(u *unified) []byte {
	m := &n.hostMemo
	if m.valid && bytes.Equal(m.host, u.reqHost) {
		return m.region
	}
	if len(u.reqHost) > memoLimit || n.noShortcuts {
		return HostRegion(u.reqHost)
	}
	m.host = append(m.host[:0], u.reqHost...)
	m.region = HostRegion(m.host)
	m.valid = true
	return m.region
}

type requesterMemo struct {
	requester []byte
	principal Principal
	valid     bool
	// encoded is the principal object as encodeUnified writes it with
	// strings in encodedMode, when encodedValid.
	encoded      []byte
	encodedMode  strMode
	encodedValid bool
}

// parseRequester is ParseRequester(s, &u.principal) through the memo;
// u.principal must be zero. It reports in u.principalMemo whether the
// principal is the memo's.
func (n *Normalizer) parseRequester(s []byte, u *unified) {
	m := &n.requestMemo
	if m.valid && bytes.Equal(m.requester, s) {
		u.principal, u.principalMemo = m.principal, true
		return
	}
	if len(s) > memoLimit || n.noShortcuts {
		ParseRequester(s, &u.principal)
		return
	}
	m.requester = append(m.requester[:0], s...)
	m.principal = Principal{}
	ParseRequester(m.requester, &m.principal)
	m.valid, m.encodedValid = true, false
	u.principal, u.principalMemo = m.principal, true
}

// appendPrincipal is encodePrincipal through the memo when u's principal
// is the memo's.
func (n *Normalizer) appendPrincipal(b []byte, m strMode, u *unified) []byte {
	if !u.principalMemo {
		return n.encodePrincipal(b, m, &u.principal)
	}
	r := &n.requestMemo
	if !r.encodedValid || r.encodedMode != m {
		r.encoded = n.encodePrincipal(r.encoded[:0], m, &u.principal)
		r.encodedMode, r.encodedValid = m, true
	}
	return append(b, r.encoded...)
}

type timeMemo struct {
	in, out []byte
	valid   bool
}

// accessLogTimeMemo is accessLogTime through the memo.
func (n *Normalizer) accessLogTimeMemo(b []byte) ([]byte, error) {
	m := &n.timeMemo
	if m.valid && bytes.Equal(m.in, b) {
		return m.out, nil
	}
	out, err := n.accessLogTime(b)
	if err != nil || len(b) > memoLimit || n.noShortcuts {
		return out, err
	}
	m.in = append(m.in[:0], b...)
	m.out = append(m.out[:0], out...)
	m.valid = true
	return m.out, nil
}
