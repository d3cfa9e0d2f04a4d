package main

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestConsumePrintsFromTheBeginning(t *testing.T) {
	addr := startTestBroker(t, "--topics", "t")
	produce(t, addr, "t",
		&kgo.Record{Key: []byte("k1"), Value: []byte(`{"n":1}`), Headers: []kgo.RecordHeader{{Key: "source", Value: []byte("s3_access")}}},
		&kgo.Record{Value: []byte(`{"n":2}`), Headers: []kgo.RecordHeader{{Key: "reason", Value: []byte("bad line")}}},
		&kgo.Record{Key: []byte("k 3"), Value: []byte(`{"n":3}`)},
	)

	code, stdout, stderr := runCLI(t, "", "consume", "--brokers", addr, "--topic", "t", "--timeout", "500ms")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if want := "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
	if !strings.Contains(stderr, "3 messages from t") {
		t.Errorf("stderr %q: want a count", stderr)
	}

	code, stdout, stderr = runCLI(t, "", "consume", "--brokers", addr, "--topic", "t", "--max", "2", "--headers", "--timeout", "10s")
	if code != exitOK {
		t.Fatalf("--max: exit %d; stderr:\n%s", code, stderr)
	}
	want := "key=k1\tsource=s3_access\t{\"n\":1}\n" +
		"key=-\treason=\"bad line\"\t{\"n\":2}\n"
	if stdout != want {
		t.Errorf("--max 2 --headers:\n got %q\nwant %q", stdout, want)
	}
}

func TestConsumeEmptyTopicTimesOut(t *testing.T) {
	addr := startTestBroker(t, "--topics", "empty")
	code, stdout, stderr := runCLI(t, "", "consume", "--brokers", addr, "--topic", "empty", "--timeout", "300ms")
	if code != exitOK || stdout != "" || !strings.Contains(stderr, "0 messages") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestConsumeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"consume"},
		{"consume", "--brokers", "127.0.0.1:9092"},
		{"consume", "--topic", "t"},
		{"consume", "--brokers", "127.0.0.1:9092", "--topic", "t", "--max", "-1"},
		{"consume", "--brokers", "127.0.0.1:9092", "--topic", "t", "--timeout", "0s"},
		{"consume", "--brokers", "127.0.0.1:9092", "--topic", "t", "extra"},
		{"consume", "--nope"},
	} {
		if code, _, _ := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, stdout, _ := runCLI(t, "", "consume", "--help"); code != exitOK || !strings.Contains(stdout, "--timeout") {
		t.Errorf("--help: exit %d:\n%s", code, stdout)
	}
}

func TestConsumeUnreachableBroker(t *testing.T) {
	// Nothing listens on port 1 (tcpmux) on a test machine.
	code, _, stderr := runCLI(t, "", "consume", "--brokers", "127.0.0.1:1", "--topic", "t", "--timeout", "1s")
	if code != exitUsage || !strings.Contains(stderr, "cannot reach") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestQuoteIfNeeded(t *testing.T) {
	for in, want := range map[string]string{
		"plain":       "plain",
		"":            `""`,
		"a b":         `"a b"`,
		"tab\there":   `"tab\there"`,
		`q"uote`:      `"q\"uote"`,
		"k=v":         `"k=v"`,
		"ünïcødé":     "ünïcødé",
		"nl\n":        `"nl\n"`,
		"back\\slash": `"back\\slash"`,
	} {
		if got := quoteIfNeeded(in); got != want {
			t.Errorf("quoteIfNeeded(%q) = %s, want %s", in, got, want)
		}
	}
}
