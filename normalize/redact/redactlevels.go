package redact

import (
	"bytes"
	"math/bits"
	"slices"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/lineindex"
)

// A secret can be spelled so that only decoding shows it: percent-encoded
// once or more ("%3D", "%253D"), JSON-escaped ("\u003d", "session\u0054oken",
// \"key\":\"value\" inside a JSON string), or a presigned URL nested,
// encoded, in another URL's query. Text that may hold such a spelling is
// decoded round by round (levels), each level is scanned like the text
// itself, and every value found is mapped back to the bytes of the
// original that spell it: those bytes are replaced, escapes included. A
// value is thus masked in the longest form any level shows ("abc%26def"
// whole, though one decoding ends it at "&").

// maxRounds bounds the decoding rounds: a text still encoded after that
// many is left as it is.
const maxRounds = 8

// NeedsLevels reports whether s may spell a secret that decoding shows
// but the scan of s as spelled does not: s holds a backslash, or a
// percent-escape of a byte that shapes a secret ('"', '{', '[', an '='
// after a secret name, a ':' after a quote) or of '%' or '\\' (more
// rounds), or a '%' that decoding the bytes after it can turn into an
// escape ("%3%44" is "%3D"). Other escapes are covered without decoding:
// parameter and key names are decoded when compared, an escaped separator
// ("%26", "%3F", "%20") ends a name there, blanks around a colon may be
// percent-encoded, and a value ends at no escape. So the "%3D" of base64
// padding in a signature, or of a "year%3D2024" key, needs no decoding.
func NeedsLevels(s []byte) bool {
	return bytes.IndexByte(s, '\\') >= 0 || HasShapingEscape(s)
}

// HasShapingEscape reports whether s holds a percent-escape that
// NeedsLevels cannot skip.
func HasShapingEscape(s []byte) bool {
	for i := 0; ; {
		j := bytes.IndexByte(s[i:], '%')
		if j < 0 {
			return false
		}
		j += i
		i = j + 1
		if i+1 >= len(s) {
			return false
		}
		a, b := s[i], s[i+1]
		switch {
		case a == '3' && (b == 'D' || b == 'd'):
			// Decoded, an '=' whose name is the one before it, decoded too.
			if secretNameBefore(s, j) {
				return true
			}
		case a == '3' && (b == 'A' || b == 'a'):
			// Decoded, a ':' that only a quote can make a JSON key's.
			if k := blanksBefore(s, j); k >= 0 && s[k] == '"' {
				return true
			}
		case shapingEscape(a, b) || a == '%' || b == '%' && jsonw.IsHex(a):
			return true
		}
	}
}

// shapingEscape reports whether the hex digits a, b spell '"', '%', ':',
// '=', '[', '\\' or '{'.
func shapingEscape(a, b byte) bool {
	switch a {
	case '2':
		return b == '2' || b == '5'
	case '3':
		return b == 'A' || b == 'a' || b == 'D' || b == 'd'
	case '5':
		return b == 'B' || b == 'b' || b == 'C' || b == 'c'
	case '7':
		return b == 'B' || b == 'b'
	}
	return false
}

// IndexNeedsLevels is NeedsLevels for the indexed text: a backslash is one of
// the bytes that need escaping, which are rare, so their bits are
// visited instead of searching the text. (A mask of '%' in the index
// costs more to build than the search it would save.)
func IndexNeedsLevels(x *lineindex.Index, text []byte) bool {
	for w, m := range x.Unsafe {
		for ; m != 0; m &= m - 1 {
			if text[w<<6+bits.TrailingZeros64(m)] == '\\' {
				return true
			}
		}
	}
	return HasShapingEscape(text)
}

// escapeRec is one escape decoded by a round: decoded bytes [out, outEnd)
// come from source bytes [in, inEnd). Bytes between escapes map one to one.
type escapeRec struct {
	out, outEnd, in, inEnd int32
}

// decodeRound appends to dst one decoding of src: %XX, the JSON escapes
// (\" \\ \/ \b \f \n \r \t \uXXXX, surrogate pairs joined) and \xXX.
// Anything else, a lone surrogate included, stays as spelled. recs gets
// one record per escape decoded.
func decodeRound(dst []byte, recs []escapeRec, src []byte) ([]byte, []escapeRec) {
	lit := 0
	pct, bsl := nextIndex(src, 0, '%'), nextIndex(src, 0, '\\')
	for {
		i := min(pct, bsl)
		if i >= len(src) {
			break
		}
		var buf [utf8.UTFMax]byte
		dec, size := decodeEscape(src[i:], &buf)
		if size == 0 {
			if i == pct {
				pct = nextIndex(src, i+1, '%')
			} else {
				bsl = nextIndex(src, i+1, '\\')
			}
			continue
		}
		dst = append(dst, src[lit:i]...)
		recs = append(recs, escapeRec{int32(len(dst)), int32(len(dst) + len(dec)), int32(i), int32(i + size)})
		dst = append(dst, dec...)
		lit = i + size
		if pct < lit {
			pct = nextIndex(src, lit, '%')
		}
		if bsl < lit {
			bsl = nextIndex(src, lit, '\\')
		}
	}
	if len(recs) == 0 {
		return dst, recs // a fixed point: the caller stops, no copy needed
	}
	return append(dst, src[lit:]...), recs
}

func nextIndex(s []byte, from int, c byte) int {
	if j := bytes.IndexByte(s[from:], c); j >= 0 {
		return from + j
	}
	return len(s)
}

// decodeEscape decodes the escape at the start of b into buf and returns
// the decoded bytes and the escape's size, or size 0 when b starts with
// no escape.
func decodeEscape(b []byte, buf *[utf8.UTFMax]byte) ([]byte, int) {
	if b[0] == '%' {
		if len(b) >= 3 && jsonw.IsHex(b[1]) && jsonw.IsHex(b[2]) {
			buf[0] = jsonw.Unhex(b[1])<<4 | jsonw.Unhex(b[2])
			return buf[:1], 3
		}
		return nil, 0
	}
	if len(b) < 2 {
		return nil, 0
	}
	switch c := b[1]; c {
	case '"', '\\', '/':
		buf[0] = c
	case 'b':
		buf[0] = '\b'
	case 'f':
		buf[0] = '\f'
	case 'n':
		buf[0] = '\n'
	case 'r':
		buf[0] = '\r'
	case 't':
		buf[0] = '\t'
	case 'x':
		if len(b) < 4 || !jsonw.IsHex(b[2]) || !jsonw.IsHex(b[3]) {
			return nil, 0
		}
		buf[0] = jsonw.Unhex(b[2])<<4 | jsonw.Unhex(b[3])
		return buf[:1], 4
	case 'u':
		r, ok := jsonw.Hex4(b[2:])
		if !ok {
			return nil, 0
		}
		size := 6
		if utf16.IsSurrogate(r) {
			if len(b) < 12 || b[6] != '\\' || b[7] != 'u' {
				return nil, 0 // a lone half
			}
			r2, ok := jsonw.Hex4(b[8:])
			if !ok {
				return nil, 0
			}
			if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
				return nil, 0
			}
			size = 12
		}
		return buf[:utf8.EncodeRune(buf[:], r)], size
	default:
		return nil, 0
	}
	return buf[:1], 2
}

// lastRecAt returns the index of the last record whose output starts at
// or before p, or -1.
func lastRecAt(recs []escapeRec, p int) int {
	lo, hi := 0, len(recs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if int(recs[m].out) <= p {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// mapStart returns where the source of decoded byte p starts.
func mapStart(recs []escapeRec, p int) int {
	i := lastRecAt(recs, p)
	if i < 0 {
		return p
	}
	if r := recs[i]; p < int(r.outEnd) {
		return int(r.in)
	} else {
		return int(r.inEnd) + p - int(r.outEnd)
	}
}

// mapEnd returns where the source of decoded byte end-1 ends.
func mapEnd(recs []escapeRec, end int) int {
	if i := lastRecAt(recs, end-1); i >= 0 && end-1 < int(recs[i].outEnd) {
		return int(recs[i].inEnd)
	}
	return mapStart(recs, end-1) + 1
}

// levelSpan is a secret value found at some level, in the original's
// coordinates: s[start:end] is replaced, by "REDACTED" quoted with
// s[qStart:qEnd] (empty for a string's contents; see secretSpan).
type levelSpan struct {
	start, end, qStart, qEnd int
}

// levelScratch holds a text's decoded levels while it is redacted: the
// escapes of every round (to map values back) but only the last two
// texts, so a huge document costs two copies, not one per round.
type levelScratch struct {
	text  [2][]byte
	recs  [maxRounds][]escapeRec
	spans []levelSpan
}

var levelPool = sync.Pool{New: func() any { return new(levelScratch) }}

// maxPooledScratch bounds what a pooled scratch keeps: one that grew for
// a huge text is left to the garbage collector.
const maxPooledScratch = 1 << 20

func getLevelScratch() *levelScratch { return levelPool.Get().(*levelScratch) }

func (ls *levelScratch) release() {
	for _, text := range ls.text {
		if cap(text) > maxPooledScratch {
			return
		}
	}
	for _, recs := range ls.recs {
		if cap(recs)*16 > maxPooledScratch {
			return
		}
	}
	if cap(ls.spans)*32 > maxPooledScratch {
		return
	}
	levelPool.Put(ls)
}

// collect returns the secret values of s at every level, in order, the
// overlapping ones merged. The result is valid until the next collect.
func (ls *levelScratch) collect(s []byte) []levelSpan {
	spans := ls.addSpans(ls.spans[:0], s, 0)
	cur := s
	for r := range maxRounds {
		ls.text[r%2], ls.recs[r] = decodeRound(ls.text[r%2][:0], ls.recs[r][:0], cur)
		if len(ls.recs[r]) == 0 {
			break // a fixed point
		}
		cur = ls.text[r%2]
		spans = ls.addSpans(spans, cur, r+1)
	}
	ls.spans = mergeSpans(spans)
	return ls.spans
}

// addSpans appends the secret values of text, the given level, mapped
// back to the original.
func (ls *levelScratch) addSpans(spans []levelSpan, text []byte, level int) []levelSpan {
	sc := secretScanner{s: text}
	for sp := sc.next(0); sp.start >= 0; sp = sc.next(sp.end) {
		ss := levelSpan{start: sp.start, end: sp.end}
		if sp.quote >= 0 {
			ss.qStart, ss.qEnd = sp.quote, sp.quote+1
		}
		for j := level - 1; j >= 0; j-- {
			recs := ls.recs[j]
			ss.start, ss.end = mapStart(recs, ss.start), mapEnd(recs, ss.end)
			if ss.qEnd > ss.qStart {
				ss.qStart, ss.qEnd = mapStart(recs, ss.qStart), mapEnd(recs, ss.qEnd)
			}
		}
		spans = append(spans, ss)
	}
	return spans
}

// mergeSpans sorts spans and merges the overlapping ones; a merged span
// is replaced like its first.
func mergeSpans(spans []levelSpan) []levelSpan {
	slices.SortFunc(spans, func(a, b levelSpan) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
	out := spans[:0]
	for _, sp := range spans {
		if n := len(out); n > 0 && sp.start < out[n-1].end {
			out[n-1].end = max(out[n-1].end, sp.end)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// Append appends s with every secret value replaced by REDACTED:
// the values of secret parameters (presigned-URL signatures, credentials,
// session tokens; name=value after any separator, in a URL, a query
// string, an Authorization header or free text) and of secret JSON keys
// ("sessionToken": value, of any type but null), however the text spells
// them: percent-encoded to any depth up to maxRounds, JSON-escaped, or
// nested in JSON carried in a JSON string. A value that is not a JSON
// string becomes the string "REDACTED". Everything else is copied
// unchanged.
func Append(dst, s []byte) []byte {
	return AppendText(dst, s, false, true)
}

// AppendText appends s with its secret values masked, escaped for
// the inside of a JSON string when escape. levels false promises that s
// needs no decoding (see NeedsLevels), which saves looking.
func AppendText(dst, s []byte, escape, levels bool) []byte {
	if levels && NeedsLevels(s) {
		ls := getLevelScratch()
		dst = appendMasked(dst, s, ls.collect(s), escape)
		ls.release()
		return dst
	}
	if len(s) <= shortText && !hasEither(s, '=', ':') { // every secret value follows one
		return appendText(dst, s, escape) // most fields: no '=' or ':' to look behind
	}
	pos := 0
	sc := secretScanner{s: s}
	for sp := sc.next(0); sp.start >= 0; sp = sc.next(sp.end) {
		dst = appendText(dst, s[pos:sp.start], escape)
		var quote []byte
		if sp.quote >= 0 {
			quote = s[sp.quote : sp.quote+1]
		}
		dst = appendReplacement(dst, quote, escape)
		pos = sp.end
	}
	return appendText(dst, s[pos:], escape)
}

// shortText bounds the texts hasAnchor looks at: for those, one loop
// costs less than the two searches of the scanners.
const shortText = 48

// HasSecret reports whether AppendText would mask anything.
func HasSecret(s []byte, levels bool) bool {
	if nextSecretValue(s, 0).start >= 0 {
		return true
	}
	if !levels || !NeedsLevels(s) {
		return false
	}
	ls := getLevelScratch()
	found := len(ls.collect(s)) > 0
	ls.release()
	return found
}

// appendMasked appends s with spans replaced.
func appendMasked(dst, s []byte, spans []levelSpan, escape bool) []byte {
	pos := 0
	for _, sp := range spans {
		dst = appendText(dst, s[pos:sp.start], escape)
		dst = appendReplacement(dst, s[sp.qStart:sp.qEnd], escape)
		pos = sp.end
	}
	return appendText(dst, s[pos:], escape)
}

// appendReplacement appends REDACTED, between two quotes spelled quote
// when a whole JSON value is replaced.
func appendReplacement(dst, quote []byte, escape bool) []byte {
	dst = appendText(dst, quote, escape)
	dst = append(dst, Value...)
	return appendText(dst, quote, escape)
}

func appendText(dst, s []byte, escape bool) []byte {
	if escape {
		return jsonw.AppendEscaped(dst, s)
	}
	return append(dst, s...)
}
