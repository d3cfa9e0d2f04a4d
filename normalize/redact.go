package normalize

import (
	"bytes"
	"math/bits"
)

// redactedValue replaces every secret value.
const redactedValue = "REDACTED"

// secretParams are the query parameters whose values are secrets
// (SCHEMA.md "Redaction"), lower-cased: SigV4 and SigV2 presigned URLs.
var secretParams = []string{
	"x-amz-signature",
	"x-amz-security-token",
	"x-amz-credential",
	"signature",
	"awsaccesskeyid",
}

// secretJSONKeys are CloudTrail keys whose string values are credentials
// (AssumeRole and GetSessionToken responses log them), lower-cased.
var secretJSONKeys = []string{
	"sessiontoken",
	"secretaccesskey",
}

// maxParamName bounds the parameter names we decode for comparison: every
// secret name is shorter, so longer names are never secrets.
const maxParamName = 64

// isSecretParam reports whether a query parameter name (possibly
// percent-encoded, any case) names a secret.
func isSecretParam(name []byte) bool {
	return secretNameIn(name, secretParams)
}

// IsSecretKey reports whether a JSON object key names a secret value: a
// secret query parameter name or a credential field.
func IsSecretKey(name []byte) bool {
	if len(name) == 0 || !secretFirstByte[name[0]] || !maybeSecretKey(name) {
		return false
	}
	return secretNameIn(name, secretParams) || secretNameIn(name, secretJSONKeys)
}

// secretNameIn reports whether name, percent-decoded and lower-cased, is
// one of names.
func secretNameIn(name []byte, names []string) bool {
	if len(name) == 0 || !secretFirstByte[name[0]] {
		return false // most names are refused here, without folding
	}
	if !hasPercent(name) {
		for _, p := range names {
			if len(p) == len(name) && equalLower(name, p) {
				return true
			}
		}
		return false
	}
	var buf [maxParamName]byte
	lower, ok := foldName(buf[:0], name)
	if !ok {
		return false
	}
	for _, p := range names {
		if string(lower) == p {
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

// secretLastByte marks the bytes a secret parameter name can end with, in
// either case, or a hex digit ending a percent-encoded last letter.
var secretLastByte = func() (set [256]bool) {
	for _, c := range []byte("0123456789abcdefABCDEF") {
		set[c] = true
	}
	for _, p := range secretParams {
		c := p[len(p)-1]
		set[c] = true
		set[c-'a'+'A'] = true
	}
	return set
}()

// secretFirstByte marks the bytes a secret name can start with, in either
// case, or '%' for a percent-encoded first letter.
var secretFirstByte = func() (set [256]bool) {
	set['%'] = true
	for _, names := range [][]string{secretParams, secretJSONKeys} {
		for _, p := range names {
			set[p[0]] = true
			set[p[0]-'a'+'A'] = true
		}
	}
	return set
}()

// foldName percent-decodes and lower-cases name into dst (which has room
// for maxParamName bytes); ok is false when it does not fit.
func foldName(dst, name []byte) ([]byte, bool) {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '%' && i+2 < len(name) && isHex(name[i+1]) && isHex(name[i+2]) {
			c = unhex(name[i+1])<<4 | unhex(name[i+2])
			i += 2
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if len(dst) == cap(dst) {
			return dst, false
		}
		dst = append(dst, c)
	}
	return dst, true
}

// valueEnd marks the bytes that end a query parameter value inside free
// text: a URL in a log line ends at a space or quote, in HTML at < or >.
var valueEnd = byteSet("&; \t\n\r\"'#<>,\\")

// nameEnd marks the bytes that end a parameter name.
var nameEnd = byteSet("&; \t\n\r\"'#<>,\\=?/")

// paramStart marks the separators after which a parameter name begins.
var paramStart = byteSet("?&;")

func byteSet(chars string) (set [256]bool) {
	for i := 0; i < len(chars); i++ {
		set[chars[i]] = true
	}
	return set
}

// secretNameLengths lets the scan skip most parameters without folding
// their names: only these lengths (or a percent-encoded name) can match.
var secretNameLengths = func() (set [maxParamName + 1]bool) {
	for _, p := range secretParams {
		set[len(p)] = true
	}
	return set
}()

// secretKeyLengths is secretNameLengths plus the credential field names.
var secretKeyLengths = func() (set [maxParamName + 1]bool) {
	set = secretNameLengths
	for _, k := range secretJSONKeys {
		set[len(k)] = true
	}
	return set
}()

func maybeSecretKey(name []byte) bool {
	if len(name) > maxParamName {
		return false
	}
	return secretKeyLengths[len(name)] || hasPercent(name)
}

func maybeSecretParam(name []byte) bool {
	if len(name) > maxParamName {
		return false
	}
	return secretNameLengths[len(name)] || hasPercent(name)
}

// hasPercent is bytes.IndexByte(name, '%') >= 0 for names of at most
// maxParamName bytes, where a loop beats a call.
func hasPercent(name []byte) bool {
	for _, c := range name {
		if c == '%' {
			return true
		}
	}
	return false
}

// AppendRedacted appends s with every secret value replaced by REDACTED:
// secret query parameters (presigned-URL signatures, credentials, session
// tokens) wherever a URL or query string appears, and the string values of
// secret JSON keys ("sessionToken": "...") wherever JSON text appears, also
// JSON nested in a JSON string (\"sessionToken\":\"...\"). Everything
// else is copied unchanged.
func AppendRedacted(dst, s []byte) []byte {
	pos := 0
	sc := secretScanner{s: s}
	for start, end := sc.next(0); start >= 0; start, end = sc.next(end) {
		dst = append(dst, s[pos:start]...)
		dst = append(dst, redactedValue...)
		pos = end
	}
	return append(dst, s[pos:]...)
}

// secretScanner yields the secret values of s in order, merging the query
// and JSON scanners. It remembers each scanner's next find, so a text with
// many secrets is still scanned in linear time.
type secretScanner struct {
	s                  []byte
	qStart, qEnd       int
	jStart, jEnd       int
	qScanned, jScanned bool
}

// next returns the first secret value starting at or after from.
func (sc *secretScanner) next(from int) (start, end int) {
	if !sc.qScanned || (sc.qStart >= 0 && sc.qStart < from) {
		sc.qStart, sc.qEnd = nextQuerySecret(sc.s, from)
		sc.qScanned = true
	}
	if !sc.jScanned || (sc.jStart >= 0 && sc.jStart < from) {
		sc.jStart, sc.jEnd = nextJSONSecret(sc.s, from)
		sc.jScanned = true
	}
	switch {
	case sc.qStart < 0:
		return sc.jStart, sc.jEnd
	case sc.jStart < 0 || sc.qStart <= sc.jStart:
		return sc.qStart, sc.qEnd
	default:
		return sc.jStart, sc.jEnd
	}
}

// nextSecretValue returns the first secret value in s[from:], or -1, -1.
func nextSecretValue(s []byte, from int) (start, end int) {
	sc := secretScanner{s: s}
	return sc.next(from)
}

// nextJSONSecret finds the first non-empty string value of a secret key in
// JSON text in s[from:]: "key": "value", or the same with escaped quotes
// (\"key\":\"value\") for JSON carried inside a JSON string. It anchors on
// each ':' (a vectorized search) and looks back for the quoted key.
func nextJSONSecret(s []byte, from int) (start, end int) {
	for from < len(s) {
		colon := bytes.IndexByte(s[from:], ':')
		if colon < 0 {
			break
		}
		colon += from
		from = colon + 1
		if start, end := jsonSecretAt(s, colon); start >= 0 {
			return start, end
		}
	}
	return -1, -1
}

// jsonSecretAt returns the bounds of the secret value after the colon at
// s[colon], when the colon follows a quoted secret key and precedes a
// non-empty string, or -1, -1.
func jsonSecretAt(s []byte, colon int) (start, end int) {
	// The key's closing quote, possibly escaped, before optional blanks.
	k := colon - 1
	for k >= 0 && (s[k] == ' ' || s[k] == '\t') {
		k--
	}
	if k < 0 || s[k] != '"' {
		return -1, -1
	}
	escaped := k > 0 && s[k-1] == '\\'
	nameEnd := k
	if escaped {
		nameEnd = k - 1
	}
	open := bytes.LastIndexByte(s[max(0, nameEnd-maxParamName-2):nameEnd], '"')
	if open < 0 {
		return -1, -1
	}
	open += max(0, nameEnd-maxParamName-2)
	nameStart := open + 1
	if escaped && (open == 0 || s[open-1] != '\\') {
		return -1, -1
	}
	if !IsSecretKey(s[nameStart:nameEnd]) {
		return -1, -1
	}
	// The value must be a string: an opening quote (escaped alike).
	v := colon + 1
	for v < len(s) && (s[v] == ' ' || s[v] == '\t') {
		v++
	}
	if escaped {
		if v+1 >= len(s) || s[v] != '\\' || s[v+1] != '"' {
			return -1, -1
		}
		v += 2
		// Ends at the next escaped quote.
		e := bytes.Index(s[v:], []byte(`\"`))
		if e < 0 {
			e = len(s) - v
		}
		if e > 0 {
			return v, v + e
		}
		return -1, -1
	}
	if v >= len(s) || s[v] != '"' {
		return -1, -1
	}
	v++
	e := v
	for e < len(s) && s[e] != '"' {
		if s[e] == '\\' {
			e++
		}
		e++
	}
	e = min(e, len(s))
	if e > v {
		return v, e
	}
	return -1, -1
}

// nextQuerySecret finds the first non-empty secret parameter value in
// s[from:] and returns its bounds, or -1, -1. Every secret is a value after
// '=', so it jumps from '=' to '=' (a vectorized search) and looks back for
// the name: it must start the string or follow a separator (?, &, ;), like
// a query parameter.
func nextQuerySecret(s []byte, from int) (start, end int) {
	for from < len(s) {
		eq := bytes.IndexByte(s[from:], '=')
		if eq < 0 {
			break
		}
		eq += from
		from = eq + 1
		if !secretNameBefore(s, eq, true) {
			continue
		}
		end := eq + 1
		for end < len(s) && !valueEnd[s[end]] {
			end++
		}
		if end > eq+1 {
			return eq + 1, end
		}
		from = end
	}
	return -1, -1
}

// mayHoldSecret is a prefilter for a whole access-log line: it is false
// only when no field of the line can hold a secret, so per-field
// redaction can be skipped. Every secret is a '=' after a secret name, and
// a name inside a field is bounded by characters that also bound it in the
// line (space, quote, separators), so checking each '=' of the line with
// any preceding boundary is a superset of the per-field check; likewise
// for a JSON secret key's quote and colon.
func mayHoldSecret(line []byte) bool {
	if start, _ := nextJSONSecret(line, 0); start >= 0 {
		return true
	}
	for from := 0; from < len(line); {
		eq := bytes.IndexByte(line[from:], '=')
		if eq < 0 {
			return false
		}
		eq += from
		from = eq + 1
		if secretNameBefore(line, eq, false) {
			return true
		}
	}
	return false
}

// mayHoldSecret is the package function for the indexed line: it visits
// only the line's '=' and quotes (a JSON key's colon always follows a
// quote, after optional blanks) instead of searching the text again.
func (x *lineIndex) mayHoldSecret(line []byte) bool {
	if x.mayHoldSecretParam(line) {
		return true
	}
	for w, m := range x.quote {
		for ; m != 0; m &= m - 1 {
			c := w<<6 + bits.TrailingZeros64(m) + 1
			for c < len(line) && (line[c] == ' ' || line[c] == '\t') {
				c++
			}
			if c < len(line) && line[c] == ':' {
				if start, _ := jsonSecretAt(line, c); start >= 0 {
					return true
				}
			}
		}
	}
	return false
}

// mayHoldSecretParam reports whether any '=' of the indexed text may end
// a secret query parameter name.
func (x *lineIndex) mayHoldSecretParam(text []byte) bool {
	for w, m := range x.equals {
		for ; m != 0; m &= m - 1 {
			if secretNameBefore(text, w<<6+bits.TrailingZeros64(m), false) {
				return true
			}
		}
	}
	return false
}

// secretNameBefore reports whether the '=' at s[eq] ends a secret query
// parameter name that starts the text or follows a separator (or, unless
// strict, any byte that ends a name: a prefilter's superset).
func secretNameBefore(s []byte, eq int, strict bool) bool {
	if eq == 0 || !secretLastByte[s[eq-1]] {
		return false // refuses most '=' (base64 padding, ordinary names) at once
	}
	// Walk back over the name, no further than the longest secret name:
	// base64 padding ("...abc=") would otherwise cost a long walk.
	k := eq - 1
	for k >= 0 && eq-k <= maxParamName+1 && !nameEnd[s[k]] {
		k--
	}
	name := s[k+1 : eq]
	return len(name) > 0 && len(name) <= maxParamName && (k < 0 || !strict || paramStart[s[k]]) &&
		maybeSecretParam(name) && isSecretParam(name)
}
