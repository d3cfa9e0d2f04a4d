package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/vmihailenco/msgpack/v5"
)

func jsonUnmarshalNumbers(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

func fmtValue(v any) string { return fmt.Sprint(v) }

// body encodes an ordered record map the way the chunk builder does.
func body(t *testing.T, kvs []kafkatest.KV, bin bool) []byte {
	t.Helper()
	c := kafkatest.NewChunk().Add(kafkatest.Event{Time: t0, Legacy: true, Fields: kvs, Bin: bin}).Bytes()
	r := mpReader{b: c}
	ev, err := r.nextEvent()
	if err != nil {
		t.Fatal(err)
	}
	return ev.body
}

func TestTranscode(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty map", []byte{0x80}, `{}`},
		{
			"key order kept",
			body(t, kafkatest.M("z", 1, "a", 2, "m", kafkatest.M("y", 1, "b", 2)), false),
			`{"z":1,"a":2,"m":{"y":1,"b":2}}`,
		},
		{
			"bin strings",
			body(t, kafkatest.M("eventName", "GetObject"), true),
			`{"eventName":"GetObject"}`,
		},
		{
			"scalars",
			body(t, kafkatest.M("n", nil, "t", true, "f", false, "i", -7, "u", uint64(math.MaxUint64), "x", 0.5), false),
			`{"n":null,"t":true,"f":false,"i":-7,"u":18446744073709551615,"x":0.5}`,
		},
		{
			"arrays",
			body(t, kafkatest.M("a", []any{1, "s", []any{}, kafkatest.M("k", "v")}), false),
			`{"a":[1,"s",[],{"k":"v"}]}`,
		},
		{
			"escaping",
			body(t, kafkatest.M("q\"k", "a\"b\\c\n\r\t\x01\x1f</>\u2028"), false),
			`{"q\"k":"a\"b\\c\n\r\t\u0001\u001f</>\u2028"}`,
		},
		{
			"invalid UTF-8 replaced",
			body(t, kafkatest.M("s", "ok\xff\xfeend"), true),
			`{"s":"ok\ufffd\ufffdend"}`,
		},
		{
			"NaN and infinity become null",
			body(t, kafkatest.M("nan", math.NaN(), "inf", math.Inf(1), "f32", float32(0.25)), false),
			`{"nan":null,"inf":null,"f32":0.25}`,
		},
		{
			"non-string keys are quoted",
			mustMsgpack(t, map[int]string{7: "seven"}),
			`{"7":"seven"}`,
		},
		{
			"EventTime ext",
			append([]byte{0x81, 0xa1, 't', 0xd7, 0x00}, 0x65, 0xe1, 0xca, 0x75, 0x00, 0x00, 0x00, 0x00),
			`{"t":"2024-03-01T12:30:45Z"}`,
		},
		{
			"msgpack timestamp ext (time.Time)",
			mustMsgpack(t, map[string]any{"t": t0}),
			`{"t":"2024-03-01T12:30:45.123456789Z"}`,
		},
		{
			"other ext as base64",
			[]byte{0x81, 0xa1, 'e', 0xd5, 0x07, 0xab, 0xcd},
			`{"e":"q80="}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := transcodeMap(nil, tt.in)
			if err != nil {
				t.Fatalf("transcode: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if !json.Valid(got) || !utf8.Valid(got) {
				t.Errorf("output is not valid JSON/UTF-8: %q", got)
			}
		})
	}
}

func TestTranscodeErrors(t *testing.T) {
	deep := bytes.Repeat([]byte{0x81, 0xa1, 'k'}, maxDepth+2)
	deep = append(deep, 0xc0)
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"too deep", deep, errInvalid},
		{"truncated", []byte{0x82, 0xa1, 'a', 0x01}, errShort},
		{"reserved code", []byte{0x81, 0xa1, 'a', 0xc1}, errInvalid},
		{"trailing bytes", []byte{0x80, 0x00}, errInvalid},
		{"map key", []byte{0x81, 0x81, 0xa1, 'k', 0xa1, 'v', 0xa1, 'x'}, errInvalid},
		{"array key", []byte{0x81, 0x91, 0x01, 0xa1, 'x'}, errInvalid},
		// Found by FuzzFlush: map keys nested 40 deep, each level's quotes
		// escaped again, asked for 2^40 bytes.
		{"nested map keys", append(bytes.Repeat([]byte{0x81}, 40), 0xa1, 'x'), errInvalid},
		{"string longer than input", []byte{0x81, 0xa1, 'a', 0xdb, 0x7f, 0xff, 0xff, 0xff}, errShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := transcodeMap(nil, tt.in); !errors.Is(err, tt.want) {
				t.Errorf("err %v, want %v", err, tt.want)
			}
		})
	}
}

// TestTranscodeRoundTrip: any map msgpack/v5 writes comes back as JSON
// encoding/json reads to the same value.
func TestTranscodeRoundTrip(t *testing.T) {
	in := map[string]any{
		"eventVersion": "1.08",
		"userIdentity": map[string]any{"type": "AssumedRole", "sessionContext": map[string]any{"attributes": map[string]any{"mfaAuthenticated": "false"}}},
		"resources":    []any{map[string]any{"ARN": "arn:aws:s3:::b"}},
		"readOnly":     true,
		"n":            float64(12),
	}
	b, err := msgpack.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	js, err := transcodeMap(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(in)
	got, _ := json.Marshal(back)
	if !bytes.Equal(got, want) {
		t.Errorf("round trip\n got %s\nwant %s", got, want)
	}
}
