package redact

import (
	"bytes"
	"math/bits"

	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/lineindex"
)

// Value replaces every secret value.
const Value = "REDACTED"

// SecretNames are the names whose values are secrets (README
// "Redaction"), lower-cased: the SigV4 and SigV2 presigned-URL and
// Authorization-header parameters, and the credentials CloudTrail logs in
// AssumeRole and GetSessionToken responses. Each counts in either form,
// name=value or "name": value.
var SecretNames = []string{
	"x-amz-signature",
	"x-amz-security-token",
	"x-amz-credential",
	"signature",
	"credential",
	"awsaccesskeyid",
	"sessiontoken",
	"secretaccesskey",
}

// maxParamName bounds the decoded names compared: every secret name is
// shorter, so longer names are never secrets.
const maxParamName = 64

// nameWindow bounds the bytes of a name (or JSON key) looked at before it
// is decoded: every secret name fits in it however its letters are
// escaped, so a name that does not is no secret.
const nameWindow = 256

// nameByte marks the bytes a parameter name is made of; any other byte
// ends it (a separator: ?, &, ;, space, comma, quote, slash...). '%'
// keeps an encoded name whole until it is decoded.
var nameByte = func() (set [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		set[c], set[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		set[c] = true
	}
	for _, c := range []byte("-_.~%") {
		set[c] = true
	}
	return set
}()

// secretLastByte marks the bytes a secret name can end with, in either
// case, or a hex digit ending an encoded last letter.
var secretLastByte = func() (set [256]bool) {
	for _, c := range []byte("0123456789abcdefABCDEF") {
		set[c] = true
	}
	for _, p := range SecretNames {
		c := p[len(p)-1]
		set[c], set[c-'a'+'A'] = true, true
	}
	return set
}()

// secretFirstByte marks the bytes a secret JSON key can start with, in
// either case, or the first byte of an escape.
var secretFirstByte = func() (set [256]bool) {
	set['%'], set['\\'] = true, true
	for _, p := range SecretNames {
		set[p[0]], set[p[0]-'a'+'A'] = true, true
	}
	return set
}()

// secretLengths lets a name without escapes be refused by its length.
var secretLengths = func() (set [maxParamName + 1]bool) {
	for _, p := range SecretNames {
		set[len(p)] = true
	}
	return set
}()

// valueEnd marks the bytes that end a parameter value inside free text: a
// URL in a log line ends at a space or quote, in HTML at < or >, in an
// Authorization header at a comma.
var valueEnd = byteSet("&; \t\n\r\"'#<>,\\")

// scalarEnd marks the bytes that end a JSON number or literal.
var scalarEnd = byteSet(",}] \t\n\r\"'\\&;")

func byteSet(chars string) (set [256]bool) {
	for i := 0; i < len(chars); i++ {
		set[chars[i]] = true
	}
	return set
}

// IsSecretKey reports whether a JSON object key (any case, escaped or
// not) names a secret value.
func IsSecretKey(name []byte) bool {
	if len(name) == 0 || !secretFirstByte[name[0]] {
		return false // most keys are refused here, without folding
	}
	return secretName(name, false)
}

// secretName reports whether name, decoded and lower-cased, is a secret
// name. For a parameter (param) only what follows the decoded name's last
// separator counts: "%3FX-Amz-Signature" names X-Amz-Signature.
func secretName(name []byte, param bool) bool {
	if len(name) == 0 {
		return false
	}
	if !hasEither(name, '%', '\\') { // no escape
		return plainSecretName(name)
	}
	if len(name) > nameWindow {
		if !param {
			return false
		}
		name = name[len(name)-nameWindow:]
	}
	var buf [nameWindow]byte
	folded := foldName(&buf, name)
	if param {
		for i := len(folded) - 1; i >= 0; i-- {
			if !nameByte[folded[i]] {
				folded = folded[i+1:]
				break
			}
		}
	}
	for _, p := range SecretNames {
		if string(folded) == p {
			return true
		}
	}
	return false
}

// plainSecretName is secretName for a name without escapes.
func plainSecretName(name []byte) bool {
	if len(name) > maxParamName || !secretLengths[len(name)] {
		return false // most names are refused by their length
	}
	for _, p := range SecretNames {
		if len(p) == len(name) && equalLower(name, p) {
			return true
		}
	}
	return false
}

// hasEither reports whether s holds a or b (for short text, where a loop
// beats two calls).
func hasEither(s []byte, a, b byte) bool {
	for _, c := range s {
		if c == a || c == b {
			return true
		}
	}
	return false
}

// equalLower reports whether name, ASCII lower-cased, is lower (which is
// lower case and as long as name).
func equalLower(name []byte, lower string) bool {
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// foldName decodes name (of at most nameWindow bytes) in buf until nothing
// is left to decode (%XX, and \u00XX or \xXX of an ASCII byte: a secret
// name is ASCII) and lower-cases it. Every round shortens the text, so it
// ends.
func foldName(buf *[nameWindow]byte, name []byte) []byte {
	b := buf[:copy(buf[:], name)]
	for changed := true; changed; {
		changed = false
		w := 0
		for i := 0; i < len(b); i++ {
			c := b[i]
			switch {
			case c == '%' && i+2 < len(b) && jsonw.IsHex(b[i+1]) && jsonw.IsHex(b[i+2]):
				c = jsonw.Unhex(b[i+1])<<4 | jsonw.Unhex(b[i+2])
				i += 2
				changed = true
			case c == '\\':
				if d, size := asciiEscape(b[i:]); size > 0 {
					c = d
					i += size - 1
					changed = true
				}
			}
			b[w] = c
			w++
		}
		b = b[:w]
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}

// asciiEscape reads \u00XX or \xXX spelling an ASCII byte at the start of
// b, and returns the byte and the escape's size (0 when there is none).
func asciiEscape(b []byte) (byte, int) {
	switch {
	case len(b) >= 6 && b[1] == 'u' && b[2] == '0' && b[3] == '0' && jsonw.IsHex(b[4]) && jsonw.IsHex(b[5]) && b[4] < '8':
		return jsonw.Unhex(b[4])<<4 | jsonw.Unhex(b[5]), 6
	case len(b) >= 4 && b[1] == 'x' && jsonw.IsHex(b[2]) && jsonw.IsHex(b[3]) && b[2] < '8':
		return jsonw.Unhex(b[2])<<4 | jsonw.Unhex(b[3]), 4
	}
	return 0, 0
}

// secretSpan is a secret value found in a text: s[start:end] is replaced.
// When quote >= 0 the value was not a JSON string (an object, array or
// number) and is replaced whole by a string, "REDACTED", whose quotes are
// spelled like the byte at s[quote] (the key's closing quote).
type secretSpan struct {
	start, end, quote int
}

var noSpan = secretSpan{-1, -1, -1}

// secretScanner yields the secret values of one text in order, merging
// the parameter and JSON scanners. It remembers each scanner's next find,
// so a text with many secrets is still scanned in linear time.
type secretScanner struct {
	s                  []byte
	q, j               secretSpan
	qScanned, jScanned bool
}

// next returns the first secret value starting at or after from.
func (sc *secretScanner) next(from int) secretSpan {
	if !sc.qScanned || (sc.q.start >= 0 && sc.q.start < from) {
		sc.q = nextQuerySecret(sc.s, from)
		sc.qScanned = true
	}
	if !sc.jScanned || (sc.j.start >= 0 && sc.j.start < from) {
		sc.j = nextJSONSecret(sc.s, from)
		sc.jScanned = true
	}
	switch {
	case sc.q.start < 0:
		return sc.j
	case sc.j.start < 0 || sc.q.start <= sc.j.start:
		return sc.q
	default:
		return sc.j
	}
}

// nextSecretValue returns the first secret value of s, as spelled (no
// decoding), at or after from.
func nextSecretValue(s []byte, from int) secretSpan {
	sc := secretScanner{s: s}
	return sc.next(from)
}

// nextQuerySecret finds the first non-empty secret parameter value in
// s[from:]. Every such value follows '=', so it jumps from '=' to '=' (a
// vectorized search) and looks back for the name.
func nextQuerySecret(s []byte, from int) secretSpan {
	for eq := indexFrom(s, from, '='); eq >= 0; eq = indexFrom(s, from, '=') {
		from = eq + 1
		if !secretNameBefore(s, eq) {
			continue
		}
		end := eq + 1
		for end < len(s) && !valueEnd[s[end]] {
			end++
		}
		if end > eq+1 {
			return secretSpan{eq + 1, end, -1}
		}
		from = end
	}
	return noSpan
}

// secretNameBefore reports whether the '=' at s[eq] ends a secret
// parameter name: the name bytes before it, from the start of s or a
// separator.
func secretNameBefore(s []byte, eq int) bool {
	if eq == 0 || !secretLastByte[s[eq-1]] {
		return false // refuses most '=' (base64 padding, ordinary names) at once
	}
	// Walk back over the name, no further than a secret name can reach:
	// base64 padding ("...abc=") would otherwise cost a long walk. A name
	// without escapes is compared here; one with '%' is decoded.
	k := eq - 1
	for k >= 0 && nameByte[s[k]] && s[k] != '%' {
		if eq-k > maxParamName {
			return false // longer than any secret name, with nothing to decode
		}
		k--
	}
	if k < 0 || s[k] != '%' {
		return plainSecretName(s[k+1 : eq])
	}
	for k >= 0 && nameByte[s[k]] && eq-k < nameWindow {
		k--
	}
	return secretName(s[k+1:eq], true)
}

// nextJSONSecret finds the first secret value of a JSON key in s[from:]:
// "key": value. It anchors on each ':' (a vectorized search) and looks
// back for the quoted key.
func nextJSONSecret(s []byte, from int) secretSpan {
	for colon := indexFrom(s, from, ':'); colon >= 0; colon = indexFrom(s, colon+1, ':') {
		if sp := jsonSecretAt(s, colon); sp.start >= 0 {
			return sp
		}
	}
	return noSpan
}

// indexFrom is the index of the first c in s[from:], or -1.
func indexFrom(s []byte, from int, c byte) int {
	if from >= len(s) {
		return -1
	}
	if i := bytes.IndexByte(s[from:], c); i >= 0 {
		return from + i
	}
	return -1
}

// jsonSecretAt returns the value after the colon at s[colon] when the
// colon follows a quoted secret key: a string's contents when not empty,
// an object or array (up to its closing bracket) or any other token but
// null, which hold nothing.
func jsonSecretAt(s []byte, colon int) secretSpan {
	k := blanksBefore(s, colon)
	if k < 0 || s[k] != '"' {
		return noSpan
	}
	lo := max(0, k-nameWindow-1)
	open := bytes.LastIndexByte(s[lo:k], '"')
	if open < 0 || !IsSecretKey(s[lo+open+1:k]) {
		return noSpan
	}
	v := blanksAfter(s, colon+1)
	if v >= len(s) {
		return noSpan
	}
	switch s[v] {
	case '"':
		e := stringEnd(s, v+1)
		if e > v+1 {
			return secretSpan{v + 1, e, -1}
		}
		return noSpan
	case '{', '[':
		return secretSpan{v, containerEnd(s, v), k}
	case 'n':
		if bytes.HasPrefix(s[v:], []byte("null")) && (v+4 == len(s) || scalarEnd[s[v+4]]) {
			return noSpan
		}
	}
	e := v
	for e < len(s) && !scalarEnd[s[e]] {
		e++
	}
	if e > v {
		return secretSpan{v, e, k}
	}
	return noSpan
}

// blanksBefore returns the index of the last byte before s[i] that is
// not a blank (a space or tab, or one percent-encoded), or -1.
func blanksBefore(s []byte, i int) int {
	k := i - 1
	for k >= 0 {
		switch {
		case s[k] == ' ' || s[k] == '\t':
			k--
		case k >= 2 && s[k-2] == '%' && isEncodedBlank(s[k-1], s[k]):
			k -= 3
		default:
			return k
		}
	}
	return k
}

// blanksAfter returns the index of the first byte at or after s[i] that
// is not a blank (see blanksBefore), or len(s).
func blanksAfter(s []byte, i int) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t':
			i++
		case s[i] == '%' && i+2 < len(s) && isEncodedBlank(s[i+1], s[i+2]):
			i += 3
		default:
			return i
		}
	}
	return i
}

// isEncodedBlank reports whether the hex digits a, b spell a space or tab.
func isEncodedBlank(a, b byte) bool {
	return a == '2' && b == '0' || a == '0' && b == '9'
}

// stringEnd returns the index of the quote closing a JSON string whose
// contents start at s[i], or len(s).
func stringEnd(s []byte, i int) int {
	for i < len(s) && s[i] != '"' {
		if s[i] == '\\' {
			i++
		}
		i++
	}
	return min(i, len(s))
}

// containerEnd returns the index after the bracket closing the object or
// array opened at s[i], or len(s).
func containerEnd(s []byte, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1
			}
		case '"':
			i = stringEnd(s, i+1)
		}
	}
	return len(s)
}

// IndexMayHoldSecret is the prefilter for an indexed text that needs no
// decoding (see NeedsLevels): it is false only when no piece of the text
// between separators can hold a secret, so per-field redaction can be
// skipped. Every secret follows a '=' or a JSON key's colon, and a name
// inside a field is bounded by bytes that also bound it in the line
// (space, quote, separators), so checking each '=' and each quote
// followed by a colon of the line is a superset of the per-field check.
func IndexMayHoldSecret(x *lineindex.Index, line []byte) bool {
	if IndexMayHoldSecretParam(x, line) {
		return true
	}
	for w, m := range x.Quote {
		for ; m != 0; m &= m - 1 {
			c := blanksAfter(line, w<<6+bits.TrailingZeros64(m)+1)
			if c < len(line) && line[c] == ':' {
				if jsonSecretAt(line, c).start >= 0 {
					return true
				}
			}
		}
	}
	return false
}

// IndexMayHoldSecretParam reports whether any '=' of the indexed text may end
// a secret parameter name.
func IndexMayHoldSecretParam(x *lineindex.Index, text []byte) bool {
	for w, m := range x.Equals {
		for ; m != 0; m &= m - 1 {
			if secretNameBefore(text, w<<6+bits.TrailingZeros64(m)) {
				return true
			}
		}
	}
	return false
}
