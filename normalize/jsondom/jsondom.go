package jsondom

import (
	"bytes"
	"fmt"
	"iter"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/awsaudit/awsaudit/normalize/internal/text"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/lineindex"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// Type is the type of a JSON value.
type Type uint8

const (
	Null Type = iota
	True
	False
	Number
	String
	Array
	Object
)

var typeNames = [...]string{"null", "true", "false", "number", "string", "array", "object"}

func (t Type) String() string { return typeNames[t] }

// MaxDepth bounds nesting, as fastjson did; deeper documents are
// rejected.
const MaxDepth = 300

// Value is one parsed value. Its slices alias the input or the
// parser's storage, which the next Parse reuses.
type Value struct {
	t Type
	// s is a string's decoded bytes or a number's text.
	s []byte
	// raw is the value's text in the input.
	raw     []byte
	members []Member // an object's, in order, repeats included
	items   []*Value // an array's
	// keyRaw is the member name before the value, as the input spelled
	// it, quotes included (for MarshalTo).
	keyRaw   []byte
	verbatim bool // see Verbatim
	partial  bool // see Partial
	distinct bool // see Distinct
}

// Member is one member of an object: its decoded name and its value.
type Member struct {
	Key []byte
	V   *Value
}

// Type returns the value's type.
func (v *Value) Type() Type { return v.t }

// Len returns the number of members of an object or items of an array.
func (v *Value) Len() int {
	if v.t == Array {
		return len(v.items)
	}
	return len(v.members)
}

// Members returns an object's members in order, repeated names included
// (readers take the first: see Keys.Unique).
func (v *Value) Members() []Member { return v.members }

// Items returns an array's items; nil for a partial array (see
// Parser.ArrayItems).
func (v *Value) Items() []*Value { return v.items }

// Bytes returns a string's decoded bytes or a number's text.
func (v *Value) Bytes() []byte { return v.s }

// Raw returns the value's text in the input.
func (v *Value) Raw() []byte { return v.raw }

// Verbatim says Raw is already how the value is written when the
// record's strings need neither escaping nor redaction: no white space
// between tokens, no repeated key, no secret key.
func (v *Value) Verbatim() bool { return v.verbatim }

// Distinct says the parser found no repeated member name in the object
// (it checks objects of up to maxDistinctMembers members; bigger ones
// are never distinct), so readers can skip their own check.
func (v *Value) Distinct() bool { return v.distinct }

// Partial says an array's items were dropped while parsing (see
// Parser.Stream): read them with Parser.ArrayItems.
func (v *Value) Partial() bool { return v.partial }

// Get follows keys (object member names, or array indexes in decimal)
// from v, the first member winning where a name repeats; nil when a step
// is missing.
func (v *Value) Get(keys ...string) *Value {
	for _, key := range keys {
		if v == nil {
			return nil
		}
		switch v.t {
		case Object:
			var next *Value
			for i := range v.members {
				if string(v.members[i].Key) == key {
					next = v.members[i].V
					break
				}
			}
			v = next
		case Array:
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
func (v *Value) GetStringBytes(keys ...string) []byte {
	v = v.Get(keys...)
	if v == nil || v.t != String {
		return nil
	}
	return v.s
}

// GetArray returns the items of the array at keys, or nil.
func (v *Value) GetArray(keys ...string) []*Value {
	v = v.Get(keys...)
	if v == nil || v.t != Array {
		return nil
	}
	return v.items
}

// Float64 returns a number's value.
func (v *Value) Float64() (float64, error) {
	if v.t != Number {
		return 0, fmt.Errorf("value is %s, not a number", v.t)
	}
	return strconv.ParseFloat(string(v.s), 64)
}

// MarshalTo appends v as compact JSON, spelling strings and keys as the
// input did.
func (v *Value) MarshalTo(dst []byte) []byte {
	switch v.t {
	case Object:
		dst = append(dst, '{')
		for i, m := range v.members {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, m.V.keyRaw...)
			dst = append(dst, ':')
			dst = m.V.MarshalTo(dst)
		}
		return append(dst, '}')
	case Array:
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

// Parser parses documents, reusing its storage from one to the next.
type Parser struct {
	b     []byte
	i     int
	plain bool // b holds no backslash: strings end at the next quote
	// quotes, when set, indexes b (see lineindex.Index): strings end at its
	// next quote bit instead of a search.
	quotes *lineindex.Index
	blocks [][]Value
	used   int // values handed out from blocks
	// memberStack and itemStack hold the members and items of the open
	// containers; a closed container's are copied to the arenas.
	memberStack []Member
	itemStack   []*Value
	members     []Member
	items       []*Value
	decoded     []byte // decoded strings that held escapes
	spaces      int    // white-space runs skipped so far

	// stream names the members of the top-level object whose arrays are
	// parsed with streamArray (none when empty); keep bounds their text
	// with every item kept. partial says one of them was cut this parse.
	stream  []string
	keep    int
	partial bool
}

// Stream makes the next parses keep the items of the top-level arrays
// named names only while their text is at most keep bytes (see
// streamArray); nil names turns it off.
func (p *Parser) Stream(names []string, keep int) { p.stream, p.keep = names, keep }

// Partial says the last parse dropped the items of a streamed array.
func (p *Parser) Partial() bool { return p.partial }

// RetainedBytes is the capacity of the parser's storage.
func (p *Parser) RetainedBytes() int {
	return len(p.blocks)*blockSize*int(unsafe.Sizeof(Value{})) +
		(cap(p.memberStack)+cap(p.members))*int(unsafe.Sizeof(Member{})) +
		(cap(p.itemStack)+cap(p.items))*int(unsafe.Sizeof((*Value)(nil))) +
		cap(p.blocks)*int(unsafe.Sizeof([]Value(nil))) + cap(p.decoded)
}

// usage is how far the parser's storage was used at one point; release
// goes back to it, reusing what was handed out since.
type usage struct{ used, members, items, decoded int }

func (p *Parser) mark() usage {
	return usage{p.used, len(p.members), len(p.items), len(p.decoded)}
}

func (p *Parser) release(m usage) {
	p.used = m.used
	p.members, p.items, p.decoded = p.members[:m.members], p.items[:m.items], p.decoded[:m.decoded]
}

const blockSize = 128

func (p *Parser) alloc() *Value {
	block, slot := p.used/blockSize, p.used%blockSize
	if block == len(p.blocks) {
		p.blocks = append(p.blocks, make([]Value, blockSize))
	}
	p.used++
	v := &p.blocks[block][slot]
	*v = Value{}
	return v
}

// SyntaxError says where and why a document is not JSON.
type SyntaxError struct {
	offset int
	msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s at offset %d", e.msg, e.offset)
}

func (p *Parser) fail(msg string) error {
	return &SyntaxError{offset: p.i, msg: msg}
}

// ParseBytes parses b, which must hold one JSON value and nothing else but
// white space. The result aliases b.
func (p *Parser) ParseBytes(b []byte) (*Value, error) {
	return p.Parse(b, nil, bytes.IndexByte(b, '\\') < 0)
}

// Parse is ParseBytes for a caller that has already looked for a
// backslash: plain says b holds none, and index, when set, is b's index.
func (p *Parser) Parse(b []byte, index *lineindex.Index, plain bool) (*Value, error) {
	p.b, p.i, p.quotes, p.plain, p.partial = b, 0, index, plain, false
	p.memberStack, p.itemStack = p.memberStack[:0], p.itemStack[:0]
	p.release(usage{})
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

func (p *Parser) skipSpace() {
	if p.i < len(p.b) && p.b[p.i] > ' ' {
		return // the usual case: compact JSON
	}
	p.skipSpaceRun()
}

func (p *Parser) skipSpaceRun() {
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

func (p *Parser) value(depth int) (*Value, error) {
	p.skipSpace()
	if p.i >= len(p.b) {
		return nil, p.fail("unexpected end of JSON")
	}
	start := p.i
	v := p.alloc()
	var err error
	switch c := p.b[p.i]; c {
	case '{':
		if depth >= MaxDepth {
			return nil, p.fail(fmt.Sprintf("nesting deeper than %d", MaxDepth))
		}
		v.t = Object
		err = p.object(v, depth)
	case '[':
		if depth >= MaxDepth {
			return nil, p.fail(fmt.Sprintf("nesting deeper than %d", MaxDepth))
		}
		v.t = Array
		err = p.array(v, depth, -1)
	case '"':
		v.t = String
		v.s, err = p.string()
		v.verbatim = true
	case 't':
		v.t = True
		err = p.literal("true")
	case 'f':
		v.t = False
		err = p.literal("false")
	case 'n':
		v.t = Null
		err = p.literal("null")
	default:
		v.t = Number
		err = p.number()
		v.s = p.b[start:p.i]
	}
	if v.t <= Number {
		v.verbatim = true
	}
	if err != nil {
		return nil, err
	}
	v.raw = p.b[start:p.i]
	return v, nil
}

func (p *Parser) literal(word string) error {
	if !bytes.HasPrefix(p.b[p.i:], []byte(word)) {
		return p.fail("invalid literal")
	}
	p.i += len(word)
	return nil
}

// number reads a number in JSON's grammar.
func (p *Parser) number() error {
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case text.IsDigit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E':
			p.i++
			continue
		}
		break
	}
	if p.i == start {
		return p.fail(fmt.Sprintf("unexpected character %q", p.b[p.i]))
	}
	if !IsNumber(p.b[start:p.i]) {
		p.i = start
		return p.fail("invalid number")
	}
	return nil
}

// maxVerbatimMembers bounds the members of a verbatim object;
// maxDistinctMembers those checked for repeated names (a CloudTrail
// record has about 25), with a filter of their hashes (keyFilter) and a
// pairwise check when a bit is already set.
const (
	maxVerbatimMembers = 16
	maxDistinctMembers = 64
)

func (p *Parser) object(v *Value, depth int) error {
	p.i++ // '{'
	base := len(p.memberStack)
	spaces := p.spaces
	verbatim, distinct := true, true
	var seen keyFilter
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		v.verbatim = p.spaces == spaces
		v.distinct = true
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
		var child *Value
		if depth == 0 && len(p.stream) > 0 && p.streams(key) {
			child, err = p.streamArray()
		} else {
			child, err = p.value(depth + 1)
		}
		if err != nil {
			return err
		}
		n := len(p.memberStack) - base
		if distinct {
			if n >= maxDistinctMembers {
				distinct = false
			} else if !seen.add(key) {
				for _, m := range p.memberStack[base:] {
					if string(m.Key) == string(key) {
						distinct = false
						break
					}
				}
			}
		}
		verbatim = verbatim && distinct && child.verbatim && n < maxVerbatimMembers && !redact.IsSecretKey(key)
		child.keyRaw = keyRaw
		p.memberStack = append(p.memberStack, Member{Key: key, V: child})
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
			v.distinct = distinct
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
func (p *Parser) array(v *Value, depth, keep int) error {
	start := p.i
	base := len(p.itemStack)
	spaces := p.spaces
	verbatim := true
	m := p.mark()
	err := p.eachItem(depth, func(item *Value) bool {
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
func (p *Parser) streams(key []byte) bool {
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
func (p *Parser) streamArray() (*Value, error) {
	start := p.i
	v := p.alloc()
	v.t = Array
	if err := p.array(v, 1, p.keep); err != nil {
		return nil, err
	}
	v.raw = p.b[start:p.i]
	return v, nil
}

// eachItem parses the items of the array whose '[' is at p.i, at depth,
// handing each to fn as soon as it is parsed until fn returns false. It
// reads the grammar exactly as array does, so both fail alike.
func (p *Parser) eachItem(depth int, fn func(*Value) bool) error {
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

// ArrayItems yields the items of v, an array of the document p parsed last.
// For a partial array it parses v's text again, one item at a time: each
// item (and everything parsed from the document) is valid only until the
// next one is yielded. A failure, which the first parse already ruled
// out, is stored in *err.
func (p *Parser) ArrayItems(v *Value, err *error) iter.Seq2[int, *Value] {
	return func(yield func(int, *Value) bool) {
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
		p.release(usage{})
		i := 0
		*err = p.eachItem(1, func(item *Value) bool {
			ok := yield(i, item)
			i++
			p.release(usage{}) // the item was all the parser held
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
func (p *Parser) string() ([]byte, error) {
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
func (p *Parser) escapedString(start, esc int) ([]byte, error) {
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
