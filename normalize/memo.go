package normalize

import (
	"github.com/awsaudit/awsaudit/normalize/internal/memo"
	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// principalCache is the encoding of the last memoized principal (see
// record.Record.PrincipalGen), with strings in mode.
type principalCache struct {
	gen     uint64
	mode    redact.Mode
	encoded []byte
}

// appendPrincipal is encodePrincipal through the cache when u's principal
// is the requester memo's.
func (n *Normalizer) appendPrincipal(b []byte, m redact.Mode, u *record.Record) []byte {
	if u.PrincipalGen == 0 {
		return n.encodePrincipal(b, m, &u.Principal)
	}
	c := &n.principals
	if c.gen != u.PrincipalGen || c.mode != m {
		c.encoded = n.encodePrincipal(c.encoded[:0], m, &u.Principal)
		c.gen, c.mode = u.PrincipalGen, m
	}
	return append(b, c.encoded...)
}

type timeMemo struct {
	key memo.Key // the access-log time field
	out []byte
}

// accessLogTimeMemo is accessLogTime through the memo.
func (n *Normalizer) accessLogTimeMemo(b []byte) ([]byte, error) {
	m := &n.timeMemo
	if m.key.Holds(b) {
		return m.out, nil
	}
	out, err := n.accessLogTime(b)
	if err != nil {
		m.key.Forget()
		return out, err
	}
	if m.key.Take(b, n.noShortcuts) == nil {
		return out, nil
	}
	m.out = append(m.out[:0], out...)
	return m.out, nil
}
