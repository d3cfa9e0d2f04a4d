package normalize

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/normalize/cloudtrail"
	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// secretNamesRE matches a secret name (see redact.SecretNames).
const secretNamesRE = `(x-amz-signature|x-amz-security-token|x-amz-credential|signature|credential|awsaccesskeyid|sessiontoken|secretaccesskey)`

// leakedSecret finds a secret parameter in encoded output, after any byte
// that cannot be part of a name, whose value is neither empty nor REDACTED.
var leakedSecret = regexp.MustCompile(`(?i)(?:^|[^a-z0-9._~%-])` + secretNamesRE + `=([^&;\s"'#<>,\\]+)`)

// leakedJSONSecret finds a secret JSON key, plain or in JSON carried in a
// JSON string, whose value is a string other than REDACTED, or not a
// string (an object, array, number or boolean: masked whole, as a string).
var leakedJSONSecret = regexp.MustCompile(`(?i)"` + secretNamesRE + `\\*"\s*:\s*(?:\\*"([^"\\]+)|([-0-9{\[tf]))`)

// checkOutputs holds the invariants every input must keep: nothing panics
// (the fuzzer reports that), an accepted record is valid, ordered, schema-
// conforming JSON with no secret left, a rejected one says why.
func checkOutputs(t *testing.T, n *Normalizer, input []byte, hint Source) {
	compareShortcuts(t, n, input, hint)
	n.Normalize(input, hint, nil, func(o *Output) {
		if o.Err != nil {
			var re *RejectError
			if !errors.As(o.Err, &re) || re.Reason == "" || !errors.Is(o.Err, ErrRejected) {
				t.Fatalf("reject without a reason: %v", o.Err)
			}
			if o.JSON != nil {
				t.Fatalf("rejected output carries JSON")
			}
			return
		}
		if err := validateUnifiedErr(o.JSON); err != nil {
			t.Fatalf("invalid output: %v\ninput: %.300q\noutput: %.2000s", err, input, o.JSON)
		}
		if err := unifiedKeyOrderErr(o.JSON); err != nil {
			t.Fatalf("key order: %v\noutput: %s", err, o.JSON)
		}
		for _, m := range leakedSecret.FindAllSubmatch(o.JSON, -1) {
			if string(m[2]) != redact.Value {
				t.Fatalf("secret %s=%s survived redaction\ninput: %.300q\noutput: %.2000s", m[1], m[2], input, o.JSON)
			}
		}
		for _, m := range leakedJSONSecret.FindAllSubmatch(o.JSON, -1) {
			if string(m[2]) != redact.Value {
				t.Fatalf("credential %s=%s%s survived redaction\ninput: %.300q\noutput: %.2000s", m[1], m[2], m[3], input, o.JSON)
			}
		}
	})
}

// compareShortcuts checks that input gives byte-identical results without
// the input-wide shortcuts (plain copies, the secret prefilters), and
// with every envelope parsed element by element (as a document bigger
// than cloudtrail.DefaultStreamKeep is). Detections are left out: their rate windows
// keep state between inputs, and they read the record before it is
// encoded.
func compareShortcuts(t *testing.T, n *Normalizer, input []byte, hint Source) {
	t.Helper()
	opts := n.Options()
	opts.Rules = nil
	// One clock for all: a record without a time takes it from the clock.
	clock := func() time.Time { return time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC) }
	slow := New(opts)
	slow.setShortcuts(false)
	slow.now = clock
	var want []string
	slow.Normalize(input, hint, nil, func(o *Output) {
		if o.Err != nil {
			want = append(want, "error: "+o.Err.Error())
			return
		}
		want = append(want, string(o.JSON))
	})
	for _, keep := range []int{cloudtrail.DefaultStreamKeep, 0} {
		n := New(opts)
		n.now = clock
		n.cloudTrail.StreamKeep = keep
		// Warm the memos with other values, so a stale one would show.
		n.Normalize([]byte(testinput.PresignedLine), SourceAuto, nil, func(*Output) {})
		n.Normalize([]byte(testinput.CloudTrailEvent), SourceAuto, nil, func(*Output) {})
		got := 0
		n.Normalize(input, hint, nil, func(o *Output) {
			if got >= len(want) {
				t.Fatalf("streamKeep %d: more outputs than without shortcuts (%d)", keep, len(want))
			}
			if o.Err != nil {
				if w := "error: " + o.Err.Error(); w != want[got] {
					t.Fatalf("streamKeep %d: output %d: %s\nwithout shortcuts: %s\ninput: %.300q", keep, got, w, want[got], input)
				}
			} else if string(o.JSON) != want[got] {
				t.Fatalf("streamKeep %d: output %d differs from the one without shortcuts\ninput: %.300q\ngot:  %.2000s\nwant: %.2000s", keep, got, input, o.JSON, want[got])
			}
			got++
		})
		if got != len(want) {
			t.Fatalf("streamKeep %d: %d outputs, %d without shortcuts", keep, got, len(want))
		}
	}
}

func FuzzAccessLog(f *testing.F) {
	f.Add([]byte(testinput.AccessLogLine))
	f.Add([]byte(testinput.PresignedLine))
	testinput.AddSeeds(f, "testdata/access_log_*.log", "testdata/redaction_*.log", filepath.Join(samplesDir, "s3_access.log"))
	opts := DefaultOptions()
	opts.IncludeRaw = true
	n := New(opts)
	f.Fuzz(func(t *testing.T, line []byte) {
		checkOutputs(t, n, line, SourceS3Access)
	})
}

func FuzzCloudTrail(f *testing.F) {
	f.Add([]byte(testinput.CloudTrailEvent))
	testinput.AddSeeds(f, "testdata/cloudtrail_*.json*", "testdata/redaction_*.jsonl", filepath.Join(samplesDir, "cloudtrail.jsonl"),
		filepath.Join(samplesDir, "cloudtrail_envelopes", "*.json"))
	opts := DefaultOptions()
	opts.IncludeRaw = true
	opts.KeyPath = "cloudtrail.request_parameters.key"
	n := New(opts)
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkOutputs(t, n, doc, SourceCloudTrail)
	})
}

// TestShortcutsMatch runs compareShortcuts over every hand-written input
// and published sample, with redaction on and off.
func TestShortcutsMatch(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*.log")
	more, _ := filepath.Glob("testdata/*.json*")
	paths = append(paths, more...)
	samples, _ := filepath.Glob(filepath.Join(samplesDir, "*.*"))
	envelopes, _ := filepath.Glob(filepath.Join(samplesDir, "cloudtrail_envelopes", "*.json"))
	paths = append(append(paths, samples...), envelopes...)
	if len(paths) < 12 {
		t.Fatalf("found only %d inputs", len(paths))
	}
	for _, redact := range []bool{true, false} {
		opts := DefaultOptions()
		opts.Redact = redact
		opts.IncludeRaw = true
		n := New(opts)
		for _, path := range paths {
			if filepath.Ext(path) == ".md" {
				continue
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			compareShortcuts(t, n, data, SourceAuto)
			for _, line := range bytes.Split(data, []byte("\n")) {
				compareShortcuts(t, n, line, SourceAuto)
			}
		}
	}
}

// TestMemoSequence puts every access-log line of the testdata and samples
// through one Normalizer, forwards then backwards (so each memo meets both
// repeats and changes), and wants each output to equal a fresh
// Normalizer's without shortcuts.
func TestMemoSequence(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*.log")
	paths = append(paths, filepath.Join(samplesDir, "s3_access.log"))
	var lines [][]byte
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			lines = append(lines, line, line) // each twice: a hit after a miss
		}
	}
	if len(lines) < 100 {
		t.Fatalf("only %d lines", len(lines))
	}
	outputs := func(n *Normalizer, line []byte) (out []string) {
		n.Normalize(line, SourceAuto, nil, func(o *Output) {
			if o.Err != nil {
				out = append(out, "error: "+o.Err.Error())
			} else {
				out = append(out, string(o.JSON))
			}
		})
		return out
	}
	n := New(DefaultOptions())
	check := func(line []byte) {
		slow := New(DefaultOptions())
		slow.setShortcuts(false)
		got, want := outputs(n, line), outputs(slow, line)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("line %.200q:\ngot  %v\nwant %v", line, got, want)
		}
	}
	for _, line := range lines {
		check(line)
	}
	for i := len(lines) - 1; i >= 0; i-- {
		check(lines[i])
	}
}
