package normalize

import "bytes"

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
	var buf [maxParamName]byte
	lower, ok := foldName(buf[:0], name)
	if !ok {
		return false
	}
	for _, p := range secretParams {
		if string(lower) == p {
			return true
		}
	}
	return false
}

// IsSecretKey reports whether a JSON object key names a secret value: a
// secret query parameter name or a credential field.
func IsSecretKey(name []byte) bool {
	if !maybeSecretKey(name) {
		return false
	}
	if isSecretParam(name) {
		return true
	}
	var buf [maxParamName]byte
	lower, ok := foldName(buf[:0], name)
	if !ok {
		return false
	}
	for _, k := range secretJSONKeys {
		if string(lower) == k {
			return true
		}
	}
	return false
}

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
	return secretKeyLengths[len(name)] || bytes.IndexByte(name, '%') >= 0
}

func maybeSecretParam(name []byte) bool {
	if len(name) > maxParamName {
		return false
	}
	return secretNameLengths[len(name)] || bytes.IndexByte(name, '%') >= 0
}

// AppendRedacted appends s with the values of secret query parameters
// (presigned-URL signatures, credentials, session tokens) replaced by
// REDACTED, wherever a URL or query string appears in it. Everything else
// is copied unchanged.
func AppendRedacted(dst, s []byte) []byte {
	pos := 0
	for start, end := nextSecretValue(s, 0); start >= 0; start, end = nextSecretValue(s, end) {
		dst = append(dst, s[pos:start]...)
		dst = append(dst, redactedValue...)
		pos = end
	}
	return append(dst, s[pos:]...)
}

// nextSecretValue finds the first non-empty secret parameter value in
// s[from:] and returns its bounds, or -1, -1. Every secret is a value after
// '=', so it jumps from '=' to '=' (a vectorized search) and looks back for
// the name: it must start the string or follow a separator (?, &, ;), like
// a query parameter.
func nextSecretValue(s []byte, from int) (start, end int) {
	for from < len(s) {
		eq := bytes.IndexByte(s[from:], '=')
		if eq < 0 {
			break
		}
		eq += from
		from = eq + 1
		// Walk back over the name, no further than the longest secret name:
		// base64 padding ("...abc=") would otherwise cost a long walk.
		k := eq - 1
		for k >= 0 && eq-k <= maxParamName+1 && !nameEnd[s[k]] {
			k--
		}
		name := s[k+1 : eq]
		if len(name) == 0 || len(name) > maxParamName || (k >= 0 && !paramStart[s[k]]) || !maybeSecretParam(name) || !isSecretParam(name) {
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
// only when no field of the line can hold a secret parameter, so per-field
// redaction can be skipped. Every secret is a '=' after a secret name, and
// a name inside a field is bounded by characters that also bound it in the
// line (space, quote, separators), so checking each '=' of the line with
// any preceding boundary is a superset of the per-field check.
func mayHoldSecret(line []byte) bool {
	for from := 0; from < len(line); {
		eq := bytes.IndexByte(line[from:], '=')
		if eq < 0 {
			return false
		}
		eq += from
		from = eq + 1
		k := eq - 1
		for k >= 0 && eq-k <= maxParamName+1 && !nameEnd[line[k]] {
			k--
		}
		if name := line[k+1 : eq]; len(name) > 0 && len(name) <= maxParamName && maybeSecretParam(name) && isSecretParam(name) {
			return true
		}
	}
	return false
}
