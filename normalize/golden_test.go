package normalize

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/normalize/detect"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// TestGolden runs every hand-written input in testdata through Normalize
// and compares the outputs with testdata/NAME.golden (go test -update
// rewrites them). .log and .jsonl files are read a line at a time, .json
// files as one document. Every output must also match the schema and key
// order, and none may carry a secret. A rejected input is shown by its
// reason, redacted as a dead letter's is. Options per file come from the
// table. TestGoldenOCSF runs the same inputs through Format ocsf.
func TestGolden(t *testing.T) {
	options := map[string]func(*Options){
		"access_log_bytes.log":       func(o *Options) { o.IncludeRaw = true },
		"access_log_forms.log":       func(o *Options) { o.DefaultRegion = "ca-central-1" },
		"redaction_access_log.log":   func(o *Options) { o.IncludeRaw = true },
		"redaction_cloudtrail.jsonl": func(o *Options) { o.IncludeRaw = true },
		// The detections files run with the test rules (normalizer_ocsf_test.go).
		"detections_access_log.log":   func(o *Options) { o.Rules = mustRules(testRulesConfig()) },
		"detections_cloudtrail.jsonl": func(o *Options) { o.Rules = mustRules(testRulesConfig()) },
	}
	goldenInputs(t, func(t *testing.T, name, path string) {
		opts := DefaultOptions()
		if set := options[name]; set != nil {
			set(&opts)
		}
		got := goldenRun(t, New(opts), name, path, func(doc []byte) {
			validateUnified(t, doc)
			if err := unifiedKeyOrderErr(doc); err != nil {
				t.Errorf("key order: %v\n%s", err, doc)
			}
		})
		compareGolden(t, strings.TrimSuffix(path, filepath.Ext(path))+".golden", got)
	})
}

// goldenInputs runs fn as a subtest for every hand-written input in
// testdata/ (.log, .jsonl and .json files).
func goldenInputs(t *testing.T, fn func(t *testing.T, name, path string)) {
	inputs, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range inputs {
		name := filepath.Base(path)
		if ext := filepath.Ext(name); ext != ".log" && ext != ".jsonl" && ext != ".json" {
			continue
		}
		t.Run(name, func(t *testing.T) { fn(t, name, path) })
	}
}

// goldenRun normalizes every document of the input at path with n and
// returns what its golden file holds: a line per record (each checked by
// check first), or REJECT and the redacted reason. No output may carry a
// secret of the input, nor a planted one.
func goldenRun(t *testing.T, n *Normalizer, name, path string, check func(doc []byte)) []byte {
	var got bytes.Buffer
	for _, doc := range goldenDocs(t, path) {
		for _, r := range normalizeAll(n, doc, SourceAuto) {
			if r.err != nil {
				reject := redact.Append(nil, []byte(r.err.Error()))
				assertNoPlanted(t, name, reject, redact.Append(nil, r.input))
				fmt.Fprintf(&got, "REJECT %s\n", reject)
				continue
			}
			check(r.json)
			assertNoSecrets(t, doc, r.json)
			assertNoPlanted(t, name, r.json, r.key)
			fmt.Fprintf(&got, "%s\n", r.json)
		}
	}
	return got.Bytes()
}

// plantedSecret matches the secret values written into the redaction_*
// inputs (they start with LEAK, or are the number 13371337...), in any
// case, or with a letter percent-encoded.
var plantedSecret = regexp.MustCompile(`(?i)leak|l%[0-9a-f]{2}ak|le%[0-9a-f]{2}k|13371337`)

// assertNoPlanted fails when an output of a redaction_* input carries a
// planted secret.
func assertNoPlanted(t *testing.T, name string, outputs ...[]byte) {
	t.Helper()
	if !strings.HasPrefix(name, "redaction_") {
		return
	}
	for _, out := range outputs {
		if loc := plantedSecret.FindIndex(out); loc != nil {
			t.Errorf("%s: a planted secret survived at %d: ...%s...", name, loc[0], out[max(0, loc[0]-60):min(len(out), loc[1]+20)])
		}
	}
}

func mustRules(c detect.Config) *detect.Rules {
	r, err := detect.New(c)
	if err != nil {
		panic(err)
	}
	return r
}

// goldenDocs reads a testdata input: .json files whole, others a line at
// a time without blank and # lines.
func goldenDocs(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Ext(path) == ".json" {
		return [][]byte{data}
	}
	var docs [][]byte
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		docs = append(docs, line)
	}
	return docs
}

// compareGolden compares got with the golden file, or rewrites it with
// -update.
func compareGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./normalize -run 'TestGolden' -update)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(gotLines), len(wantLines)); i++ {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Errorf("output %d differs from %s:\n got: %s\nwant: %s", i+1, golden, g, w)
		}
	}
}
