package normalize

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
)

// The built-in rules are meant to stay on: each one on by default fires on
// under 1% of ordinary traffic, measured on the deterministic generated
// corpus (access logs and CloudTrail, the benchmark's generator). The
// published samples are too few and too hand-picked for a rate; their
// firing counts are logged for the record.
func TestDefaultRulesFireRarely(t *testing.T) {
	gen := buildGenerator(t)
	rules, err := NewRules(DefaultRulesConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []struct {
		name string
		n    string
		src  Source
	}{{"s3access", "40000", SourceS3Access}, {"cloudtrail", "20000", SourceCloudTrail}} {
		out, err := exec.Command(gen, "-kind", kind.name, "-n", kind.n, "-seed", "7").Output()
		if err != nil {
			t.Fatalf("gen -kind %s: %v", kind.name, err)
		}
		records, fired := fireCounts(t, rules, out, kind.src)
		if records < 10000 {
			t.Fatalf("%s: %d records normalized from the corpus", kind.name, records)
		}
		for _, name := range sortedKeys(fired) {
			rate := float64(fired[name]) / float64(records)
			t.Logf("%s: %s fired on %d of %d records (%.2f%%)", kind.name, name, fired[name], records, 100*rate)
			if rate >= 0.01 {
				t.Errorf("%s: default rule %s fires on %.2f%% of the generated corpus, want under 1%%", kind.name, name, 100*rate)
			}
		}
	}
	// The same count with every rule on sees the noisy ones: the corpus
	// is one where a per-record rule would fire.
	all, err := NewRules(allRulesOn())
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(gen, "-kind", "s3access", "-n", "5000", "-seed", "7").Output()
	if err != nil {
		t.Fatal(err)
	}
	if records, fired := fireCounts(t, all, out, SourceS3Access); fired["anonymous_access"]*100 < records || fired["access_denied"]*100 < records {
		t.Errorf("every rule on: %v of %d records; want anonymous_access and access_denied over 1%%", fired, records)
	}
	for _, sample := range []string{"s3_access.log", "cloudtrail.jsonl"} {
		data, err := os.ReadFile(filepath.Join(samplesDir, sample))
		if err != nil {
			t.Fatal(err)
		}
		records, fired := fireCounts(t, rules, data, SourceAuto)
		t.Logf("samples/%s: %d records, default rules fired %v", sample, records, fired)
	}
}

// fireCounts normalizes every line of data and counts each alert.
func fireCounts(t *testing.T, rules *Rules, data []byte, src Source) (records int, fired map[string]int) {
	t.Helper()
	opts := DefaultOptions()
	opts.Rules = rules
	n := New(opts)
	fired = map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 || sc.Bytes()[0] == '#' {
			continue
		}
		n.Normalize(sc.Bytes(), src, nil, func(o *Output) {
			if o.Err != nil {
				return
			}
			records++
			for _, a := range o.Alerts {
				fired[a]++
			}
		})
	}
	return records, fired
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// buildGenerator builds the benchmark's log generator (beside the
// samples) into a temporary directory.
func buildGenerator(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join(samplesDir, "..", "bench", "tools", "gen"))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "gen")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the generator in %s: %v\n%s", dir, err, out)
	}
	return bin
}
