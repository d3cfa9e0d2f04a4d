package jsondom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// jsonTokens lists v's tokens in document order, as encoding/json's
// Decoder gives them: delimiters, then keys and scalars by type.
func jsonTokens(v *Value, out []string) []string {
	switch v.t {
	case Object:
		out = append(out, "{")
		for _, m := range v.members {
			out = append(out, "key:"+validUTF8(m.Key))
			out = jsonTokens(m.V, out)
		}
		return append(out, "}")
	case Array:
		out = append(out, "[")
		for _, item := range v.items {
			out = jsonTokens(item, out)
		}
		return append(out, "]")
	case String:
		return append(out, "string:"+validUTF8(v.s))
	case Number:
		return append(out, "number:"+string(v.s))
	default:
		return append(out, v.t.String())
	}
}

// validUTF8 replaces each invalid byte by U+FFFD, as encoding/json does
// when decoding (the parser keeps the bytes; the encoder replaces them).
func validUTF8(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		sb.WriteRune(r)
		b = b[size:]
	}
	return sb.String()
}

// stdTokens is jsonTokens by encoding/json, or an error when it refuses b.
func stdTokens(b []byte) ([]string, error) {
	if !json.Valid(b) {
		return nil, errors.New("invalid")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out []string
	inObject := []bool{false}
	expectKey := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case json.Delim:
			out = append(out, t.String())
			switch t {
			case '{':
				inObject = append(inObject, true)
				expectKey = true
				continue
			case '[':
				inObject = append(inObject, false)
			default:
				inObject = inObject[:len(inObject)-1]
			}
		case string:
			if expectKey {
				out = append(out, "key:"+t)
				expectKey = false
				continue
			}
			out = append(out, "string:"+t)
		case json.Number:
			out = append(out, "number:"+string(t))
		case bool:
			out = append(out, fmt.Sprint(t))
		case nil:
			out = append(out, "null")
		}
		expectKey = inObject[len(inObject)-1]
	}
}

// onlyRawControls reports whether b is refused by encoding/json only for
// raw control characters in strings, the one thing this parser accepts
// (as fastjson did): with them turned into spaces, b is valid.
func onlyRawControls(b []byte) bool {
	spaced := bytes.Clone(b)
	for i, c := range spaced {
		if c < 0x20 {
			spaced[i] = ' '
		}
	}
	return json.Valid(spaced)
}

// jsonDepth is the deepest nesting in b, counting brackets outside strings
// (only used on documents encoding/json accepts).
func jsonDepth(b []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && (c == '{' || c == '['):
			depth++
			deepest = max(deepest, depth)
		case !inString && (c == '}' || c == ']'):
			depth--
		}
	}
	return deepest
}

// checkParser holds Parser to encoding/json: the same documents
// accepted (but for raw control characters in strings and nesting past
// MaxDepth), the same tokens decoded, and MarshalTo giving JSON that
// decodes to them again.
func checkParser(t *testing.T, p *Parser, doc []byte) {
	t.Helper()
	v, err := p.ParseBytes(doc)
	want, stdErr := stdTokens(doc)
	switch {
	case stdErr != nil && err == nil:
		if !onlyRawControls(doc) {
			t.Fatalf("accepted what encoding/json refuses (%v): %.200q", stdErr, doc)
		}
		return
	case stdErr == nil && err != nil:
		if jsonDepth(doc) <= MaxDepth {
			t.Fatalf("refused valid JSON (%v): %.200q", err, doc)
		}
		return
	case err != nil:
		var syntax *SyntaxError
		if !errors.As(err, &syntax) || syntax.offset < 0 || syntax.offset > len(doc) {
			t.Fatalf("error %v has no offset within the document", err)
		}
		return
	}
	got := jsonTokens(v, nil)
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Fatalf("tokens differ for %.200q\ngot  %q\nwant %q", doc, got, want)
	}
	checkVerbatim(t, v)
	compact := v.MarshalTo(nil)
	again, err := stdTokens(compact)
	if err != nil || strings.Join(again, "\x00") != strings.Join(want, "\x00") {
		t.Fatalf("MarshalTo gave %.200q (%v)", compact, err)
	}
}

// checkVerbatim holds the verbatim flag to its meaning: the value's text
// is its compact form, with no repeated or secret key anywhere in it.
func checkVerbatim(t *testing.T, v *Value) {
	t.Helper()
	if v.verbatim {
		if compact := v.MarshalTo(nil); string(compact) != string(v.raw) {
			t.Fatalf("verbatim value %q is not compact (%q)", v.raw, compact)
		}
		seen := map[string]bool{}
		for _, m := range v.members {
			if seen[string(m.Key)] || redact.IsSecretKey(m.Key) {
				t.Fatalf("verbatim object %.200q repeats or hides key %q", v.raw, m.Key)
			}
			seen[string(m.Key)] = true
		}
	}
	if v.t == Object {
		// distinct is exact up to maxDistinctMembers: Keys.Unique trusts it.
		seen, repeats := map[string]bool{}, false
		for _, m := range v.members {
			repeats = repeats || seen[string(m.Key)]
			seen[string(m.Key)] = true
		}
		if want := !repeats && len(v.members) <= maxDistinctMembers; v.distinct != want {
			t.Fatalf("object %.200q: distinct %v, want %v", v.raw, v.distinct, want)
		}
	}
	for _, m := range v.members {
		if v.verbatim && !m.V.verbatim {
			t.Fatalf("verbatim object %.200q holds %q, not verbatim", v.raw, m.V.raw)
		}
		checkVerbatim(t, m.V)
	}
	for _, item := range v.items {
		if v.verbatim && !item.verbatim {
			t.Fatalf("verbatim array %.200q holds %q, not verbatim", v.raw, item.raw)
		}
		checkVerbatim(t, item)
	}
}

func TestJSONParser(t *testing.T) {
	var p Parser
	for _, doc := range []string{
		`{}`, `[]`, `""`, `0`, `-0.5e+10`, `true`, `false`, `null`, ` {"a" : [1, 2, {"b":null}] } `,
		`{"a":1,"a":2}`, `{"a":{"b":1,"c":2,"b":3}}`, `{"x":{"sessionToken":"s"}}`, `{"a": 1}`, `[{"a":1}, 2]`, `"\u00e9\ud83d\ude00\ud800x\/\b\f\n\r\t\"\\"`, `{"k\u0065y":"v"}`,
		`{`, `[1,]`, `{"a":}`, `01`, `1.`, `.5`, `-`, `1e`, `NaN`, `"\x"`, `"\u12"`, `"abc`, `{"a" 1}`,
		`[1 2]`, `tru`, `nulls`, `{} {}`, "\"a\x01b\"", strings.Repeat("[", 301) + strings.Repeat("]", 301),
		strings.Repeat("[", 300) + strings.Repeat("]", 300), testinput.CloudTrailEvent,
	} {
		checkParser(t, &p, []byte(doc))
	}
}

func FuzzJSONParser(f *testing.F) {
	f.Add([]byte(testinput.CloudTrailEvent))
	f.Add([]byte(`{"a":"\u00e9\ud83d\ude00","b":[1,-2.5e3,true,false,null,{}]}`))
	testinput.AddSeeds(f, testinput.Testdata("cloudtrail_*.json*"), testinput.Sample("cloudtrail.jsonl"))
	var p Parser
	f.Fuzz(func(t *testing.T, doc []byte) { checkParser(t, &p, doc) })
}

// TestJSONParserStreamArrayErrors wants the first parse of a streamed
// document to fail exactly like a whole parse.
func TestJSONParserStreamArrayErrors(t *testing.T) {
	for _, doc := range []string{
		`{"Records":[{"a":1},{"a":}]}`,
		`{"Records":[{"a":1} {"a":2}]}`,
		`{"Records":[{"a":1},`,
		`{"Records":[`,
		`{"Records":[1,2]`,
		`{"Records":[1,2]]`,
		`{"Records":[1,"\x"]}`,
		`{"logEvents":[` + strings.Repeat("[", MaxDepth) + `]}`,
	} {
		var whole, streamed Parser
		_, werr := whole.ParseBytes([]byte(doc))
		streamed.Stream([]string{"Records", "logEvents"}, 0)
		_, serr := streamed.ParseBytes([]byte(doc))
		if werr == nil || serr == nil || werr.Error() != serr.Error() {
			t.Errorf("%.60s: whole parse: %v; streamed: %v", doc, werr, serr)
		}
	}
}
