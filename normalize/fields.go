package normalize

import "github.com/awsaudit/awsaudit/normalize/redact"

// Field writers for the unified record. Each appends one `,"name":value`
// and returns the buffer, so the buffer stays in registers across a whole
// record instead of going through memory after every append (the cost that
// dominated encoding when it was a field of a struct). Keys are passed
// ready to copy, leading comma included: `,"time":`. Objects are opened
// with openObj and closed with closeObj, which turns the comma of the
// object's first field into its '{', or drops the object when nothing was
// written, so callers write fields unconditionally and absence falls out
// of the data.

// redact.Mode is how n writes the strings of the record being encoded.
func (n *Normalizer) stringMode() redact.Mode {
	var m redact.Mode
	if n.plainInput {
		m |= redact.ModePlain
	}
	if n.redactStrings {
		m |= redact.ModeRedact
		if n.redactLevels {
			m |= redact.ModeLevels
		}
	}
	return m
}

// redactMode is redact.ModeRedact when n redacts, for text the record-wide
// checks do not cover (raw).
func (n *Normalizer) redactMode() redact.Mode {
	if n.opts.Redact {
		return redact.ModeRedact | redact.ModeLevels
	}
	return redact.ModeEscape
}
