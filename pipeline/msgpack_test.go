package pipeline

import (
	"bytes"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/vmihailenco/msgpack/v5"
)

var t0 = time.Date(2024, 3, 1, 12, 30, 45, 123456789, time.UTC)

type decoded struct {
	time time.Time
	json string // the record, transcoded
}

// decodeAll runs the chunk reader and transcodes each record: the events
// before an error and the error's offset.
func decodeAll(t *testing.T, chunk []byte) ([]decoded, int, error) {
	t.Helper()
	r := mpReader{b: chunk}
	var out []decoded
	for r.off < len(chunk) {
		start := r.off
		ev, err := r.nextEvent()
		if err != nil {
			return out, start, err
		}
		js, err := transcodeMap(nil, ev.body)
		if err != nil {
			t.Fatalf("transcoding a decoded body: %v", err)
		}
		out = append(out, decoded{ev.time, string(js)})
	}
	return out, -1, nil
}

func TestDecodeChunk(t *testing.T) {
	good := kafkatest.NewChunk().Line(t0, "log", "a").Bytes()
	tests := []struct {
		name    string
		chunk   []byte
		want    []decoded
		errAt   int // -1: no error
		wantErr error
	}{
		{
			name:  "empty chunk",
			chunk: nil,
			errAt: -1,
		},
		{
			name: "current form, EventTime ext",
			chunk: kafkatest.NewChunk().Add(kafkatest.Event{Time: t0,
				Metadata: kafkatest.M("otlp", "x"),
				Fields:   kafkatest.M("log", "line one")}).Bytes(),
			want:  []decoded{{t0, `{"log":"line one"}`}},
			errAt: -1,
		},
		{
			name: "legacy form, EventTime ext",
			chunk: kafkatest.NewChunk().Add(kafkatest.Event{Time: t0, Legacy: true,
				Fields: kafkatest.M("message", "m")}).Bytes(),
			want:  []decoded{{t0, `{"message":"m"}`}},
			errAt: -1,
		},
		{
			name: "int timestamp",
			chunk: kafkatest.NewChunk().Add(kafkatest.Event{Time: t0, TimeForm: kafkatest.TimeInt,
				Fields: kafkatest.M("log", "x")}).Bytes(),
			want:  []decoded{{t0.Truncate(time.Second), `{"log":"x"}`}},
			errAt: -1,
		},
		{
			name: "float timestamp, legacy form",
			chunk: kafkatest.NewChunk().Add(kafkatest.Event{Time: t0.Truncate(time.Millisecond), TimeForm: kafkatest.TimeFloat, Legacy: true,
				Fields: kafkatest.M("log", "x")}).Bytes(),
			want:  []decoded{{t0.Truncate(time.Millisecond), `{"log":"x"}`}},
			errAt: -1,
		},
		{
			name: "bin strings",
			chunk: kafkatest.NewChunk().Add(kafkatest.Event{Time: t0, Bin: true,
				Fields: kafkatest.M("log", "bin line", "n", 3)}).Bytes(),
			want:  []decoded{{t0, `{"log":"bin line","n":3}`}},
			errAt: -1,
		},
		{
			name: "several events keep order",
			chunk: kafkatest.NewChunk().Line(t0, "log", "1").
				Add(kafkatest.Event{Time: t0.Add(time.Second), Legacy: true, Fields: kafkatest.M("log", "2")}).
				Line(t0.Add(2*time.Second), "log", "3").Bytes(),
			want: []decoded{
				{t0, `{"log":"1"}`},
				{t0.Add(time.Second), `{"log":"2"}`},
				{t0.Add(2 * time.Second), `{"log":"3"}`},
			},
			errAt: -1,
		},
		{
			name:    "garbage tail after a good event",
			chunk:   append(bytes.Clone(good), 0xc1, 0x00, 0x01),
			want:    []decoded{{t0, `{"log":"a"}`}},
			errAt:   len(good),
			wantErr: errInvalid,
		},
		{
			name:    "truncated second event",
			chunk:   append(bytes.Clone(good), good[:len(good)-2]...),
			want:    []decoded{{t0, `{"log":"a"}`}},
			errAt:   len(good),
			wantErr: errShort,
		},
		{
			name:    "event of three elements",
			chunk:   mustMsgpack(t, []any{1, map[string]any{}, 3}),
			errAt:   0,
			wantErr: errInvalid,
		},
		{
			name:    "string timestamp",
			chunk:   mustMsgpack(t, []any{"now", map[string]any{"log": "x"}}),
			errAt:   0,
			wantErr: errInvalid,
		},
		{
			name:    "record is not a map",
			chunk:   mustMsgpack(t, []any{1, "log"}),
			errAt:   0,
			wantErr: errInvalid,
		},
		{
			name:    "array claiming 4G elements",
			chunk:   []byte{0xdd, 0xff, 0xff, 0xff, 0xff, 0x01},
			errAt:   0,
			wantErr: errShort,
		},
		{
			name:    "map claiming 4G entries inside an event",
			chunk:   []byte{0x92, 0x01, 0xdf, 0xff, 0xff, 0xff, 0xff},
			errAt:   0,
			wantErr: errShort,
		},
		{
			name:    "ext timestamp of wrong type",
			chunk:   []byte{0x92, 0xd7, 0x05, 0, 0, 0, 1, 0, 0, 0, 0, 0x80},
			errAt:   0,
			wantErr: errInvalid,
		},
		{
			name:    "NaN timestamp",
			chunk:   mustMsgpack(t, []any{math.NaN(), map[string]any{}}),
			errAt:   0,
			wantErr: errInvalid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errAt, err := decodeAll(t, tt.chunk)
			if len(got) != len(tt.want) {
				t.Fatalf("decoded %d events %v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if !got[i].time.Equal(tt.want[i].time) {
					t.Errorf("event %d time %v, want %v", i, got[i].time, tt.want[i].time)
				}
				if got[i].json != tt.want[i].json {
					t.Errorf("event %d record %s, want %s", i, got[i].json, tt.want[i].json)
				}
			}
			if errAt != tt.errAt {
				t.Errorf("error at %d (%v), want at %d", errAt, err, tt.errAt)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func mustMsgpack(t *testing.T, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeEveryTruncation cuts a chunk at every byte and flips every
// byte: the reader must return errors, never panic, and decode exactly the
// complete events before a cut.
func TestDecodeEveryTruncation(t *testing.T) {
	c := kafkatest.NewChunk()
	var ends []int
	for i, line := range []string{"first", "second \x00 line", "third"} {
		c.Add(kafkatest.Event{Time: t0, Legacy: i == 1, Bin: i == 2, Fields: kafkatest.M("log", line, "nested", kafkatest.M("a", []any{1, 2.5, nil, true}))})
		ends = append(ends, len(c.Bytes()))
	}
	chunk := c.Bytes()
	for cut := range len(chunk) {
		got, _, _ := decodeAll(t, chunk[:cut])
		complete := 0
		for _, e := range ends {
			if e <= cut {
				complete++
			}
		}
		if len(got) != complete {
			t.Fatalf("cut at %d: decoded %d events, want %d", cut, len(got), complete)
		}
	}
	for i := range chunk {
		for _, b := range []byte{0x00, 0xc1, 0xdf, 0xff, chunk[i] ^ 0x80} {
			mut := bytes.Clone(chunk)
			mut[i] = b
			decodeAll(t, mut) // must not panic
		}
	}
}

// TestDecodeMatchesMsgpackV5 checks the reader against msgpack/v5 on
// values of every type.
func TestDecodeMatchesMsgpackV5(t *testing.T) {
	rec := map[string]any{
		"s":     "text",
		"b":     []byte("bytes"),
		"i8":    int8(-5),
		"i64":   int64(-1) << 40,
		"u64":   uint64(1) << 63,
		"f32":   float32(1.5),
		"f64":   2.25,
		"t":     true,
		"f":     false,
		"nil":   nil,
		"arr":   []any{1, "two", []any{}},
		"map":   map[string]any{"k": map[string]any{}},
		"long":  string(bytes.Repeat([]byte("x"), 70000)),
		"big":   make([]any, 20),
		"bigm":  map[string]any{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9, "j": 10, "k": 11, "l": 12, "m": 13, "n": 14, "o": 15, "p": 16, "q": 17},
		"uni":   "é✓𝄞",
		"ctrl":  "a\"b\\c\n\t\x01",
		"posfx": 127,
		"negfx": -32,
	}
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	var buf bytes.Buffer
	enc.Reset(&buf)
	enc.SetSortMapKeys(true)
	if err := enc.Encode(rec); err != nil {
		t.Fatal(err)
	}
	r := mpReader{b: buf.Bytes()}
	if err := r.skip(); err != nil || r.off != buf.Len() {
		t.Fatalf("skip: off %d of %d, err %v", r.off, buf.Len(), err)
	}
	js, err := transcodeMap(nil, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := jsonUnmarshalNumbers(js, &got); err != nil {
		t.Fatalf("transcoded JSON invalid: %v\n%s", err, js)
	}
	checks := map[string]string{
		"s": "text", "b": "bytes", "i8": "-5", "i64": "-1099511627776",
		"u64": "9223372036854775808", "f32": "1.5", "f64": "2.25", "t": "true",
		"f": "false", "nil": "<nil>", "uni": "é✓𝄞", "ctrl": "a\"b\\c\n\t\x01",
		"posfx": "127", "negfx": "-32",
	}
	for k, want := range checks {
		if g := fmtValue(got[k]); g != want {
			t.Errorf("%s: got %q, want %q", k, g, want)
		}
	}
	if len(got["long"].(string)) != 70000 || len(got["big"].([]any)) != 20 || len(got["bigm"].(map[string]any)) != 17 {
		t.Errorf("long containers lost elements")
	}
}
