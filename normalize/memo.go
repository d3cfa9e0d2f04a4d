package normalize

import (
	"github.com/awsaudit/awsaudit/normalize/internal/memo"
)

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
