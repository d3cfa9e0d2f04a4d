package normalize

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// The redaction oracle: a secret token is planted under a secret name in
// a generated spelling (percent-encoded 0-3 times, JSON-escaped, after any
// separator, in Authorization-header text, in a URL nested in another, as
// a JSON value of any type) inside an access-log field or a CloudTrail
// document, and no output may hold the token in any form a reader can
// decode: not the unified record, the OCSF event (raw on in both), the
// Kafka key, a reject reason or the input as a dead letter carries it.

// recipe hands out the choices of one generated case.
type recipe struct {
	b []byte
	i int
}

// n returns a choice in [0, k): the next byte of the recipe, 0 when it
// is used up.
func (r *recipe) n(k int) int {
	if r.i >= len(r.b) {
		return 0
	}
	v := int(r.b[r.i]) % k
	r.i++
	return v
}

// planted is a generated secret and the text that spells it.
type planted struct {
	token string // the secret value
	probe string // what finds it: its first, random, bytes
	text  string // name and value, spelled
	// quotes says text holds a quote (a carrier that cuts fields at
	// quotes takes it only where that is safe); json says it is a JSON
	// object, which a CloudTrail document may hold as a value.
	quotes, json bool
}

const tokenChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newToken returns a recognizable random token: random letters and
// digits, then, in some, the other bytes of base64 (which S3 keys and
// query strings spell), or, for a JSON number, digits.
func newToken(rng *rand.Rand, numeric bool) (token, probe string) {
	var b strings.Builder
	if numeric {
		b.WriteByte("123456789"[rng.IntN(9)])
		for range 17 {
			b.WriteByte("0123456789"[rng.IntN(10)])
		}
		return b.String(), b.String()[:14]
	}
	for range 16 {
		b.WriteByte(tokenChars[rng.IntN(len(tokenChars))])
	}
	probe = b.String()
	for range rng.IntN(12) {
		b.WriteByte((tokenChars + "+/=")[rng.IntN(len(tokenChars)+3)])
	}
	return b.String(), probe
}

// pctEncode percent-encodes every byte of s that is not unreserved in a
// URL, rounds times.
func pctEncode(s string, rounds int) string {
	for range rounds {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		}
		s = b.String()
	}
	return s
}

// spellBytes spells each byte of s as itself or, by the recipe, as an
// escape: percent-encoded 1-3 times, or (when json) \u00XX.
func spellBytes(r *recipe, s string, json bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch r.n(8) {
		case 5:
			b.WriteString(testinput.EncodeTimes(string(c), 1+r.n(3), false))
		case 6:
			if json {
				fmt.Fprintf(&b, `\u%04x`, c)
			} else {
				b.WriteString(testinput.EncodeTimes(string(c), 1, false))
			}
		case 7:
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// spellName spells a secret name (the recipe picks which) in random case
// with bytes escaped.
func spellName(r *recipe, names []string, json bool) string {
	return spellBytes(r, names[r.n(len(names))], json)
}

var (
	separators = []string{"?", "&", ";", " ", ",", `"`, "'", "", "%3F", "%26", "%253F", `\u0026`, "%20", "/", "+"}
	equalSigns = []string{"=", "=", "%3D", "%3d", "%253D", "%25253D", `\u003d`, `\x3D`, "%5Cu003d", "%3%44", "%%33D"}
)

// newPlant generates a secret and its spelling.
func newPlant(rng *rand.Rand, r *recipe) planted {
	var p planted
	form := r.n(5)
	p.token, p.probe = newToken(rng, form == 4 && r.n(2) == 0)
	value := p.token
	if rounds := r.n(4); rounds > 0 && r.n(2) == 0 {
		value = pctEncode(value, rounds)
	} else {
		value = spellBytes(r, value, false)
	}
	switch form {
	case 0, 1: // name=value after a separator
		p.text = separators[r.n(len(separators))] + spellName(r, redact.SecretNames, form == 1) + equalSigns[r.n(len(equalSigns))] + value
	case 2: // Authorization-header text
		credential, signature := "AKIAEXAMPLE00", "00aa11bb"
		if r.n(2) == 0 {
			credential = value
		} else {
			signature = value
		}
		p.text = fmt.Sprintf("AWS4-HMAC-SHA256 %s=%s/20250101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, %s=%s",
			spellBytes(r, "Credential", false), credential, spellBytes(r, "Signature", false), signature)
	case 3: // a presigned URL nested in another's query, encoded 1-2 times
		inner := "https://bkt.s3.amazonaws.com/k?X-Amz-Date=1&" + spellName(r, redact.SecretNames, false) + "=" + value + "&x=1"
		p.text = "https://app.example.com/login?next=" + pctEncode(inner, 1+r.n(2)) + "&lang=en"
	default: // "name": value, a JSON value of any type
		p.text, p.quotes, p.json = jsonPlant(r, p.token), true, true
		switch r.n(4) {
		case 1: // JSON carried in a JSON string
			p.text, p.json = strings.ReplaceAll(strings.ReplaceAll(p.text, `\`, `\\`), `"`, `\"`), false
		case 2: // percent-encoded, as in a query string
			p.text, p.quotes, p.json = "?state="+pctEncode(p.text, 1+r.n(2)), false, false
		}
	}
	return p
}

// jsonPlant spells {"name": value} with the token in a value of some
// JSON type (a number when the token is digits).
func jsonPlant(r *recipe, token string) string {
	key := spellName(r, redact.SecretNames, true)
	v := `"` + spellBytes(r, token, true) + `"`
	if token[0] >= '1' && token[0] <= '9' {
		v = token // a number
	}
	switch r.n(4) {
	case 1:
		v = `{"value":` + v + `,"n":1}`
	case 2:
		v = `["x",` + v + `]`
	case 3:
		v = `{"a":[{"b":` + v + `}]}`
	}
	blank := []string{"", " ", "\t"}[r.n(3)]
	return `{"a":1,"` + key + `"` + blank + `:` + blank + v + `,"z":"end"}`
}

const plantOwner = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"

// accessLogCarrier returns a 27-field access-log line with the plant in
// one field: a quoted one (Request-URI, Referer, User-Agent) or, when it
// holds no space or quote, any other; the bytes-sent field makes a
// rejected line.
func accessLogCarrier(r *recipe, p planted) string {
	f := []string{plantOwner, "bkt", "[01/Jan/2025:00:00:00 +0000]", "192.0.2.1", "arn:aws:iam::123456789012:user/alice",
		"REQ0001", "REST.GET.OBJECT", "k.bin", `"GET /k.bin HTTP/1.1"`, "200", "-", "10", "10", "5", "4", `"-"`,
		`"aws-cli/2.15"`, "-", "aGlkPQ==", "SigV4", "ECDHE-RSA-AES128-GCM-SHA256", "QueryString",
		"bkt.s3.us-east-1.amazonaws.com", "TLSv1.2", "-", "-", "us-east-1"}
	// Text before the plant ends with a separator, as it must for the
	// plant's name to be a name (its own separator may be empty).
	prefix := []string{"", "x ", "a/b?", "k?a=1&", "agent/1.0 "}[r.n(5)]
	text := prefix + p.text
	bare := !strings.ContainsAny(text, " \"")
	switch c := r.n(10); {
	case c == 0 && !p.quotes && !strings.Contains(text, " HTTP/"):
		f[8] = `"GET /k.bin?v=1&` + text + ` HTTP/1.1"`
	case c == 1 && !p.quotes:
		f[15] = `"` + text + `"`
	case c >= 2 && c <= 8 && bare:
		f[[]int{1, 7, 10, 11, 17, 22, 26}[c-2]] = text
	default:
		f[16] = `"` + text + `"`
	}
	return strings.Join(f, " ")
}

// jsonSpell spells s as the contents of a JSON string, escaping what JSON
// requires and, by the recipe, some other bytes (\u00XX, \/).
func jsonSpell(r *recipe, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		case c == '/' && r.n(2) == 0:
			b.WriteString(`\/`)
		case r.n(10) == 0:
			fmt.Fprintf(&b, `\u%04X`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// cloudTrailCarrier returns a CloudTrail document with the plant in a
// string (a value, a key, an array item), or as a JSON value; in a Records
// or CloudWatch Logs envelope, or cut short (a rejected document).
func cloudTrailCarrier(r *recipe, p planted) string {
	str := `"` + jsonSpell(r, []string{"", "x ", "a&", "q="}[r.n(4)]+p.text) + `"`
	fields := map[string]string{
		"userAgent": `"aws-cli/2.15"`, "errorMessage": `"denied"`, "requestParameters": `{"bucketName":"bkt","key":"k"}`,
		"responseElements": "null", "additionalEventData": `{"SignatureVersion":"SigV4"}`, "eventName": `"GetObject"`,
	}
	switch c := r.n(9); c {
	case 0, 1:
		fields[[]string{"userAgent", "errorMessage"}[c]] = str
	case 2:
		fields["requestParameters"] = `{"bucketName":"bkt","url":` + str + `}`
	case 3:
		fields["requestParameters"] = `{"bucketName":"bkt",` + str + `:1}`
	case 4:
		fields["responseElements"] = `{"items":["a",` + str + `]}`
	case 5:
		fields["eventName"] = str
	case 6:
		fields["requestParameters"] = `{"bucketName":"bkt","key":` + str + `}`
	default:
		if p.json {
			fields["additionalEventData"] = p.text
		} else {
			fields["additionalEventData"] = `{"note":` + str + `}`
		}
	}
	doc := `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","userName":"alice"},` +
		`"eventTime":"2025-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":` + fields["eventName"] + `,"awsRegion":"us-east-1",` +
		`"sourceIPAddress":"192.0.2.1","userAgent":` + fields["userAgent"] + `,"errorCode":"AccessDenied","errorMessage":` + fields["errorMessage"] +
		`,"requestParameters":` + fields["requestParameters"] + `,"responseElements":` + fields["responseElements"] +
		`,"additionalEventData":` + fields["additionalEventData"] + `,"requestID":"REQ0001","eventID":"00000000-0000-4000-8000-000000000001","eventType":"AwsApiCall","recipientAccountId":"123456789012"}`
	switch r.n(5) {
	case 1:
		doc = `{"Records":[` + doc + `]}`
	case 2:
		doc = `{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1,"message":"` +
			jsonSpell(r, doc) + `"}]}`
	case 3:
		// Broken JSON: cut after the plant, so only the dead letter has it.
		if i := strings.Index(doc, `"requestID"`); i > 0 {
			doc = doc[:i] + `"broken`
		}
	}
	return doc
}

// readerDecode decodes text the way a reader could, independently of the
// redactor: percent-escapes and JSON or C escapes, until nothing changes.
var readerEscape = regexp.MustCompile(`%[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\[/"\\]`)

func readerDecode(s string) string {
	for range 12 {
		dec := readerEscape.ReplaceAllStringFunc(s, func(e string) string {
			switch {
			case e[0] == '%' || e[1] == 'x':
				v, _ := strconv.ParseUint(e[len(e)-2:], 16, 8)
				return string([]byte{byte(v)})
			case e[1] == 'u':
				v, _ := strconv.ParseUint(e[2:], 16, 16)
				return string(rune(v))
			}
			return e[1:]
		})
		if dec == s {
			break
		}
		s = dec
	}
	return s
}

// plantNormalizers are the Normalizers the oracle runs: unified and OCSF,
// raw on, one Kafka key taken from the record's fields, one re-read from
// the encoded record.
func plantNormalizers() (unified, ocsf *Normalizer) {
	opts := DefaultOptions()
	opts.IncludeRaw = true
	opts.Rules = mustRules(testRulesConfig())
	unified = New(opts)
	opts.Format = FormatOCSF
	opts.KeyPath = "client.user_agent"
	return unified, New(opts)
}

// checkPlant fails when the planted token survives any output of input.
func checkPlant(t *testing.T, unified, ocsf *Normalizer, p planted, input string, hint Source) {
	t.Helper()
	probe := strings.ToLower(p.probe)
	leak := func(where string, out []byte) {
		if strings.Contains(strings.ToLower(readerDecode(string(out))), probe) {
			t.Fatalf("the planted secret %q survives in %s\nplant: %s\ninput: %s\noutput: %s", p.token, where, p.text, input, out)
		}
	}
	if !strings.Contains(strings.ToLower(readerDecode(input)), probe) {
		t.Fatalf("generator: the input does not carry the token %q: %s", p.token, input)
	}
	leak("redact.Append of the input", redact.Append(nil, []byte(input)))
	leak("redact.Append of the plant", redact.Append(nil, []byte(p.text)))
	for _, n := range []*Normalizer{unified, ocsf} {
		format := n.Options().Format.String()
		n.Normalize([]byte(input), hint, nil, func(o *Output) {
			if o.Err != nil {
				leak(format+" reject reason", redact.Append(nil, []byte(o.Err.Error())))
				leak(format+" dead-letter input", redact.Append(nil, o.Input))
				return
			}
			leak(format+" record", o.JSON)
			leak(format+" key", o.Key)
		})
		compareShortcuts(t, n, []byte(input), hint)
	}
}

// plantCase generates the case a seed and recipe describe.
func plantCase(seed uint64, b []byte) (p planted, input string, hint Source) {
	rng := rand.New(rand.NewPCG(seed, seed>>7|1))
	r := &recipe{b: b}
	p = newPlant(rng, r)
	if r.n(2) == 0 {
		return p, accessLogCarrier(r, p), SourceS3Access
	}
	return p, cloudTrailCarrier(r, p), SourceCloudTrail
}

// FuzzRedaction plants a secret in a generated spelling and carrier (the
// fuzzer varies the recipe) and wants it in no output. Run it with
// go test ./normalize -run XXX -fuzz FuzzRedaction.
func FuzzRedaction(f *testing.F) {
	// One seed per form and carrier; the recipe bytes are choices (see
	// newPlant, accessLogCarrier and cloudTrailCarrier).
	for i, recipe := range [][]byte{
		{0, 0, 0, 0, 0, 0, 0},                         // name=value after "?", in the User-Agent
		{0, 1, 9, 0, 4, 4, 4, 0, 0, 4, 0},             // encoded separator and '=', in the Request-URI
		{1, 2, 6, 6, 6, 6, 6, 6, 6, 6, 0, 16},         // JSON-escaped name, in the Referer
		{2, 0, 0, 0, 0, 0, 0, 1, 0, 16},               // Authorization text, token in Signature
		{3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1},          // nested presigned URL, encoded twice, in CloudTrail
		{4, 0, 0, 1, 6, 6, 6, 1, 2, 1, 7, 1},          // credential object, in CloudTrail as a value
		{4, 1, 0, 2, 0, 0, 0, 0, 0, 0, 1, 3},          // JSON in a JSON string, cut short (dead letter)
		{4, 0, 0, 0, 0, 0, 0, 3, 0, 2, 5, 0},          // percent-encoded JSON, in the object key
		{4, 0, 0, 3, 0, 0, 0, 0, 0, 0, 1, 2},          // a number, CloudWatch Logs envelope
		{0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 5, 0, 0, 1, 3}, // token encoded three times, in an access-log field
	} {
		f.Add(uint64(i+1), recipe)
	}
	unified, ocsf := plantNormalizers()
	f.Fuzz(func(t *testing.T, seed uint64, b []byte) {
		p, input, hint := plantCase(seed, b)
		checkPlant(t, unified, ocsf, p, input, hint)
	})
}

// TestRedactionPlants runs the oracle of FuzzRedaction over random
// recipes, so every test run covers each form and carrier.
func TestRedactionPlants(t *testing.T) {
	unified, ocsf := plantNormalizers()
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 400 {
		b := make([]byte, 48)
		for j := range b {
			b[j] = byte(rng.IntN(256))
		}
		p, input, hint := plantCase(uint64(i), b)
		checkPlant(t, unified, ocsf, p, input, hint)
	}
}

// TestReaderDecode keeps the oracle's decoder honest.
func TestReaderDecode(t *testing.T) {
	for in, want := range map[string]string{
		"%2541%42":              "AB",
		`\u0041\x42\/\"\\`:      `AB/"\`,
		"%5Cu0041":              "A",
		"plain":                 "plain",
		pctEncode("a=b&c/d", 3): "a=b&c/d",
	} {
		if got := readerDecode(in); got != want {
			t.Errorf("readerDecode(%q) = %q, want %q", in, got, want)
		}
	}
	if !bytes.Contains([]byte(readerDecode(pctEncode("Zq0123", 2))), []byte("Zq0123")) {
		t.Error("pctEncode does not round-trip")
	}
}

func TestRedactOff(t *testing.T) {
	opts := DefaultOptions()
	opts.Redact = false
	res := normalizeAll(New(opts), []byte(testinput.PresignedLine), SourceAuto)
	if len(res) != 1 || res[0].err != nil {
		t.Fatalf("unexpected result %+v", res)
	}
	if !strings.Contains(string(res[0].json), testinput.AccessLogSignature) {
		t.Errorf("Redact off must keep the URI as logged:\n%s", res[0].json)
	}
}
