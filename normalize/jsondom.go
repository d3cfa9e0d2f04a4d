package normalize

import (
	"bytes"
	"fmt"
	"iter"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/lineindex"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// A small JSON parser for CloudTrail documents. It replaced fastjson on the
// CloudTrail path because a record is read once, front to back, and
// fastjson paid for laziness it could not use there: every string and
// every object's keys were searched for escapes again when first read, and
// members could only be visited through callbacks. This parser decodes
// each string once while parsing (with a plain search for the closing
// quote when the document holds no backslash at all), keeps every value's
// text, and is strict: numbers must follow JSON's grammar, escapes must be
// JSON's, nothing may follow the document. Repeated keys are all kept;
// readers take the first (see Get and duplicateKeys).

// jsonType is the type of a JSON value.
type jsonType uint8

const (
	jsonNull jsonType = iota
	jsonTrue
	jsonFalse
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

var jsonTypeNames = [...]string{"null", "true", "false", "number", "string", "array", "object"}

func (t jsonType) String() string { return jsonTypeNames[t] }

// jsonMaxDepth bounds nesting, as fastjson did; deeper documents are
// rejected.
const jsonMaxDepth = 300

// jsonValue is one parsed value. Its slices alias the input or the
// parser's storage, which the next Parse reuses.
type jsonValue struct {
	t jsonType
	// s is a string's decoded bytes or a number's text.
	s []byte
	// raw is the value's text in the input.
	raw     []byte
	members []jsonMember // an object's, in order, repeats included
	items   []*jsonValue // an array's
	// keyRaw is the member name before the value, as the input spelled
	// it, quotes included (for MarshalTo).
	keyRaw []byte
	// verbatim says raw is already how appendValue writes the value when
	// the record's strings are plain and unredacted: no white space
	// between tokens, no repeated key, no secret key (see jsonParser).
	verbatim bool
	// partial says an array's items were dropped while parsing (see
	// streamArray): read them with jsonParser.arrayItems.
	partial bool
}

type jsonMember struct {
	key []byte // decoded
	v   *jsonValue
}

// Type returns the value's type.
func (v *jsonValue) Type() jsonType { return v.t }

// Len returns the number of members of an object or items of an array.
func (v *jsonValue) Len() int {
	if v.t == jsonArray {
		return len(v.items)
	}
	return len(v.members)
}

// Get follows keys (object member names, or array indexes in decimal)
// from v, the first member winning where a name repeats; nil when a step
// is missing.
func (v *jsonValue) Get(keys ...string) *jsonValue {
	for _, key := range keys {
		if v == nil {
			return nil
		}
		switch v.t {
		case jsonObject:
			var next *jsonValue
			for i := range v.members {
				if string(v.members[i].key) == key {
					next = v.members[i].v
					break
				}
			}
			v = next
		case jsonArray:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(v.items) {
				return nil
			}
			v = v.items[i]
		default:
			return nil
		}
	}
	return v
}

// GetStringBytes returns the string at keys, or nil.
func (v *jsonValue) GetStringBytes(keys ...string) []byte {
	v = v.Get(keys...)
	if v == nil || v.t != jsonString {
		return nil
	}
	return v.s
}

// GetArray returns the items of the array at keys, or nil.
func (v *jsonValue) GetArray(keys ...string) []*jsonValue {
	v = v.Get(keys...)
	if v == nil || v.t != jsonArray {
		return nil
	}
	return v.items
}

// Float64 returns a number's value.
func (v *jsonValue) Float64() (float64, error) {
	if v.t != jsonNumber {
		return 0, fmt.Errorf("value is %s, not a number", v.t)
	}
	return strconv.ParseFloat(string(v.s), 64)
}

// MarshalTo appends v as compact JSON, spelling strings and keys as the
// input did.
func (v *jsonValue) MarshalTo(dst []byte) []byte {
	switch v.t {
	case jsonObject:
		dst = append(dst, '{')
		for i, m := range v.members {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, m.v.keyRaw...)
			dst = append(dst, ':')
			dst = m.v.MarshalTo(dst)
		}
		return append(dst, '}')
	case jsonArray:
		dst = append(dst, '[')
		for i, item := range v.items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = item.MarshalTo(dst)
		}
		return append(dst, ']')
	default:
		return append(dst, v.raw...)
	}
}

// jsonParser parses documents, reusing its storage from one to the next.
type jsonParser struct {
	b     []byte
	i     int
	plain bool // b holds no backslash: strings end at the next quote
	// quotes, when set, indexes b (see lineindex.Index): strings end at its
	// next quote bit instead of a search.
	quotes *lineindex.Index
	blocks [][]jsonValue
	used   int // values handed out from blocks
	// memberStack and itemStack hold the members and items of the open
	// containers; a closed container's are copied to the arenas.
	memberStack []jsonMember
	itemStack   []*jsonValue
	members     []jsonMember
	items       []*jsonValue
	decoded     []byte // decoded strings that held escapes
	spaces      int    // white-space runs skipped so far

	// stream names the members of the top-level object whose arrays are
	// parsed with streamArray (none when empty); keep bounds their text
	// with every item kept. partial says one of them was cut this parse.
	stream  []string
	keep    int
	partial bool
}

// retainedBytes is the capacity of the parser's storage.
func (p *jsonParser) retainedBytes() int {
	return len(p.blocks)*jsonBlockSize*int(unsafe.Sizeof(jsonValue{})) +
		(cap(p.memberStack)+cap(p.members))*int(unsafe.Sizeof(jsonMember{})) +
		(cap(p.itemStack)+cap(p.items))*int(unsafe.Sizeof((*jsonValue)(nil))) +
		cap(p.blocks)*int(unsafe.Sizeof([]jsonValue(nil))) + cap(p.decoded)
}

// jsonMark is how far the parser's storage was used at one point; release
// goes back to it, reusing what was handed out since.
type jsonMark struct{ used, members, items, decoded int }

func (p *jsonParser) mark() jsonMark {
	return jsonMark{p.used, len(p.members), len(p.items), len(p.decoded)}
}

func (p *jsonParser) release(m jsonMark) {
	p.used = m.used
	p.members, p.items, p.decoded = p.members[:m.members], p.items[:m.items], p.decoded[:m.decoded]
}

const jsonBlockSize = 128

func (p *jsonParser) alloc() *jsonValue {
	block, slot := p.used/jsonBlockSize, p.used%jsonBlockSize
	if block == len(p.blocks) {
		p.blocks = append(p.blocks, make([]jsonValue, jsonBlockSize))
	}
	p.used++
	v := &p.blocks[block][slot]
	*v = jsonValue{}
	return v
}

// jsonSyntaxError says where and why a document is not JSON.
type jsonSyntaxError struct {
	offset int
	msg    string
}

func (e *jsonSyntaxError) Error() string {
	return fmt.Sprintf("%s at offset %d", e.msg, e.offset)
}

func (p *jsonParser) fail(msg string) error {
	return &jsonSyntaxError{offset: p.i, msg: msg}
}

// ParseBytes parses b, which must hold one JSON value and nothing else but
// white space. The result aliases b.
func (p *jsonParser) ParseBytes(b []byte) (*jsonValue, error) {
	return p.parse(b, nil, bytes.IndexByte(b, '\\') < 0)
}

// parse is ParseBytes for a caller that has already looked for a
// backslash: plain says b holds none, and index, when set, is b's index.
func (p *jsonParser) parse(b []byte, index *lineindex.Index, plain bool) (*jsonValue, error) {
	p.b, p.i, p.quotes, p.plain, p.partial = b, 0, index, plain, false
	p.memberStack, p.itemStack = p.memberStack[:0], p.itemStack[:0]
	p.release(jsonMark{})
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i < len(p.b) {
		return nil, p.fail("unexpected data after the JSON value")
	}
	return v, nil
}

func (p *jsonParser) skipSpace() {
	if p.i < len(p.b) && p.b[p.i] > ' ' {
		return // the usual case: compact JSON
	}
	p.skipSpaceRun()
}

func (p *jsonParser) skipSpaceRun() {
	start := p.i
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
			continue
		}
		break
	}
	if p.i != start {
		p.spaces++
	}
}

func (p *jsonParser) value(depth int) (*jsonValue, error) {
	p.skipSpace()
	if p.i >= len(p.b) {
		return nil, p.fail("unexpected end of JSON")
	}
	start := p.i
	v := p.alloc()
	var err error
	switch c := p.b[p.i]; c {
	case '{':
		if depth >= jsonMaxDepth {
			return nil, p.fail(fmt.Sprintf("nesting deeper than %d", jsonMaxDepth))
		}
		v.t = jsonObject
		err = p.object(v, depth)
	case '[':
		if depth >= jsonMaxDepth {
			return nil, p.fail(fmt.Sprintf("nesting deeper than %d", jsonMaxDepth))
		}
		v.t = jsonArray
		err = p.array(v, depth, -1)
	case '"':
		v.t = jsonString
		v.s, err = p.string()
		v.verbatim = true
	case 't':
		v.t = jsonTrue
		err = p.literal("true")
	case 'f':
		v.t = jsonFalse
		err = p.literal("false")
	case 'n':
		v.t = jsonNull
		err = p.literal("null")
	default:
		v.t = jsonNumber
		err = p.number()
		v.s = p.b[start:p.i]
	}
	if v.t <= jsonNumber {
		v.verbatim = true
	}
	if err != nil {
		return nil, err
	}
	v.raw = p.b[start:p.i]
	return v, nil
}

func (p *jsonParser) literal(word string) error {
	if !bytes.HasPrefix(p.b[p.i:], []byte(word)) {
		return p.fail("invalid literal")
	}
	p.i += len(word)
	return nil
}

// number reads a number in JSON's grammar.
func (p *jsonParser) number() error {
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case isDigit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E':
			p.i++
			continue
		}
		break
	}
	if p.i == start {
		return p.fail(fmt.Sprintf("unexpected character %q", p.b[p.i]))
	}
	if !isJSONNumber(p.b[start:p.i]) {
		p.i = start
		return p.fail("invalid number")
	}
	return nil
}

// maxVerbatimMembers bounds the objects checked for repeated keys pair by
// pair; bigger ones are never verbatim.
const maxVerbatimMembers = 16

func (p *jsonParser) object(v *jsonValue, depth int) error {
	p.i++ // '{'
	base := len(p.memberStack)
	spaces := p.spaces
	verbatim := true
	var seen uint64
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		v.verbatim = p.spaces == spaces
		return nil
	}
	for {
		p.skipSpace()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return p.fail("want a member name")
		}
		keyStart := p.i
		key, err := p.string()
		if err != nil {
			return err
		}
		keyRaw := p.b[keyStart:p.i]
		p.skipSpace()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return p.fail("want ':' after a member name")
		}
		p.i++
		var child *jsonValue
		if depth == 0 && len(p.stream) > 0 && p.streams(key) {
			child, err = p.streamArray()
		} else {
			child, err = p.value(depth + 1)
		}
		if err != nil {
			return err
		}
		if verbatim {
			verbatim = child.verbatim && len(p.memberStack)-base < maxVerbatimMembers && !redact.IsSecretKey(key)
			// A filter of (length, last byte) pairs seen skips the pairwise
			// check for nearly every key.
			bit := uint64(1) << ((uint(len(key))*7 + uint(lastByte(key))) & 63)
			if verbatim && seen&bit != 0 {
				for _, m := range p.memberStack[base:] {
					if string(m.key) == string(key) {
						verbatim = false
						break
					}
				}
			}
			seen |= bit
		}
		child.keyRaw = keyRaw
		p.memberStack = append(p.memberStack, jsonMember{key: key, v: child})
		p.skipSpace()
		if p.i >= len(p.b) {
			return p.fail("unexpected end of JSON in an object")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			continue
		case '}':
			p.i++
			v.members = closeContainer(&p.memberStack, &p.members, base)
			v.verbatim = verbatim && p.spaces == spaces
			return nil
		default:
			return p.fail("want ',' or '}' in an object")
		}
	}
}

// array reads the items of the array v at p.i (its '['). With keep >= 0
// it is a top-level envelope array (see streamArray): once its text passes
// keep bytes, the items kept so far are dropped, every later one is
// dropped as soon as it is parsed, and v is marked partial.
func (p *jsonParser) array(v *jsonValue, depth, keep int) error {
	start := p.i
	base := len(p.itemStack)
	spaces := p.spaces
	verbatim := true
	m := p.mark()
	err := p.eachItem(depth, func(item *jsonValue) bool {
		if keep < 0 || !v.partial && p.i-start <= keep {
			verbatim = verbatim && item.verbatim
			p.itemStack = append(p.itemStack, item)
			return true
		}
		v.partial, p.partial = true, true
		p.itemStack = p.itemStack[:base]
		p.release(m)
		return true
	})
	if err != nil {
		return err
	}
	if !v.partial {
		v.items = closeContainer(&p.itemStack, &p.items, base)
		v.verbatim = verbatim && p.spaces == spaces
	}
	return nil
}

// streams says whether the value of the top-level member named key, at
// p.i after white space, is an array to parse with streamArray.
func (p *jsonParser) streams(key []byte) bool {
	p.skipSpace()
	if p.i >= len(p.b) || p.b[p.i] != '[' {
		return false
	}
	for _, k := range p.stream {
		if string(key) == k {
			return true
		}
	}
	return false
}

// streamArray parses a top-level member's array (p.b[p.i] is '[') like
// value, but keeping its items only while its text is at most p.keep
// bytes (see array): a document holding a huge envelope is checked in the
// memory of one item, and its items are parsed again, one at a time, by
// arrayItems.
func (p *jsonParser) streamArray() (*jsonValue, error) {
	start := p.i
	v := p.alloc()
	v.t = jsonArray
	if err := p.array(v, 1, p.keep); err != nil {
		return nil, err
	}
	v.raw = p.b[start:p.i]
	return v, nil
}

// eachItem parses the items of the array whose '[' is at p.i, at depth,
// handing each to fn as soon as it is parsed until fn returns false. It
// reads the grammar exactly as array does, so both fail alike.
func (p *jsonParser) eachItem(depth int, fn func(*jsonValue) bool) error {
	p.i++ // '['
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		item, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		if !fn(item) {
			return nil
		}
		p.skipSpace()
		if p.i >= len(p.b) {
			return p.fail("unexpected end of JSON in an array")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			continue
		case ']':
			p.i++
			return nil
		default:
			return p.fail("want ',' or ']' in an array")
		}
	}
}

// arrayItems yields the items of v, an array of the document p parsed last.
// For a partial array it parses v's text again, one item at a time: each
// item (and everything parsed from the document) is valid only until the
// next one is yielded. A failure, which the first parse already ruled
// out, is stored in *err.
func (p *jsonParser) arrayItems(v *jsonValue, err *error) iter.Seq2[int, *jsonValue] {
	return func(yield func(int, *jsonValue) bool) {
		if !v.partial {
			for i, item := range v.items {
				if !yield(i, item) {
					return
				}
			}
			return
		}
		text := v.raw
		p.b, p.i, p.quotes = text, 0, nil
		p.memberStack, p.itemStack = p.memberStack[:0], p.itemStack[:0]
		p.release(jsonMark{})
		i := 0
		*err = p.eachItem(1, func(item *jsonValue) bool {
			ok := yield(i, item)
			i++
			p.release(jsonMark{}) // the item was all the parser held
			return ok
		})
	}
}

// closeContainer moves a closed container's members or items, the top of
// stack from base, to the arena, and returns them there. Slices handed out
// earlier stay valid when the arena grows: they keep the old array.
func closeContainer[T any](stack, arena *[]T, base int) []T {
	start := len(*arena)
	*arena = append(*arena, (*stack)[base:]...)
	*stack = (*stack)[:base]
	return (*arena)[start:len(*arena):len(*arena)]
}

// string reads a string starting at its opening quote and returns its
// decoded bytes: a slice of the input when it holds no escape.
func (p *jsonParser) string() ([]byte, error) {
	start := p.i + 1
	if p.plain {
		var end int
		if p.quotes != nil {
			end = p.quotes.Next(p.quotes.Quote, start)
		} else if end = bytes.IndexByte(p.b[start:], '"'); end >= 0 {
			end += start
		} else {
			end = len(p.b)
		}
		if end >= len(p.b) {
			p.i = len(p.b)
			return nil, p.fail("unterminated string")
		}
		p.i = end + 1
		return p.b[start:end], nil
	}
	for j := start; j < len(p.b); j++ {
		switch p.b[j] {
		case '"':
			p.i = j + 1
			return p.b[start:j], nil
		case '\\':
			return p.escapedString(start, j)
		}
	}
	p.i = len(p.b)
	return nil, p.fail("unterminated string")
}

// escapedString decodes a string from start whose first escape is at esc.
func (p *jsonParser) escapedString(start, esc int) ([]byte, error) {
	out := len(p.decoded)
	p.decoded = append(p.decoded, p.b[start:esc]...)
	j := esc
	for j < len(p.b) {
		c := p.b[j]
		if c == '"' {
			p.i = j + 1
			return p.decoded[out:len(p.decoded):len(p.decoded)], nil
		}
		if c != '\\' {
			p.decoded = append(p.decoded, c)
			j++
			continue
		}
		if j+1 >= len(p.b) {
			break
		}
		switch e := p.b[j+1]; e {
		case '"', '\\', '/':
			p.decoded = append(p.decoded, e)
		case 'b':
			p.decoded = append(p.decoded, '\b')
		case 'f':
			p.decoded = append(p.decoded, '\f')
		case 'n':
			p.decoded = append(p.decoded, '\n')
		case 'r':
			p.decoded = append(p.decoded, '\r')
		case 't':
			p.decoded = append(p.decoded, '\t')
		case 'u':
			r, ok := jsonw.Hex4(p.b[j+2:])
			if !ok {
				p.i = j
				return nil, p.fail("invalid \\u escape")
			}
			j += 6
			if utf16.IsSurrogate(r) {
				// A pair is two escapes; a lone half becomes U+FFFD.
				if r2, ok := jsonw.Hex4(p.b[min(j+2, len(p.b)):]); ok && j+1 < len(p.b) && p.b[j] == '\\' && p.b[j+1] == 'u' {
					if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
						p.decoded = utf8.AppendRune(p.decoded, pair)
						j += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			p.decoded = utf8.AppendRune(p.decoded, r)
			continue
		default:
			p.i = j
			return nil, p.fail("invalid escape")
		}
		j += 2
	}
	p.i = len(p.b)
	return nil, p.fail("unterminated string")
}

func lastByte(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[len(b)-1]
}
