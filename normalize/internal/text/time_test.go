package text

import (
	"testing"
	"time"
)

func TestEpochMillis(t *testing.T) {
	cases := map[string]int64{
		"1970-01-01T00:00:00Z":        0,
		"2025-03-03T14:05:09Z":        1741010709000,
		"2025-03-03T14:05:09.123Z":    1741010709123,
		"2025-03-03T14:05:09.5Z":      1741010709500,
		"2000-02-29T23:59:59.999999Z": 951868799999,
		"1969-12-31T23:59:59Z":        -1000,
	}
	for in, want := range cases {
		got, ok := EpochMillis([]byte(in))
		ref, _ := time.Parse(time.RFC3339Nano, in)
		if !ok || got != want || got != ref.UnixMilli() {
			t.Errorf("EpochMillis(%s) = %d %v, want %d (time: %d)", in, got, ok, want, ref.UnixMilli())
		}
	}
	if _, ok := EpochMillis([]byte("03/Mar/2025")); ok {
		t.Error("accepted a non-RFC 3339 time")
	}
}
