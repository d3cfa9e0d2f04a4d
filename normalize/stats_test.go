package normalize

import (
	"os"
	"testing"
)

// TestStats checks what each counter counts, that a digest file gives
// no output at all (not a reject: it must not reach a DLQ), and that
// Trim keeps the counters.
func TestStats(t *testing.T) {
	digest, err := os.ReadFile("testdata/cloudtrail_digest.json")
	if err != nil {
		t.Fatal(err)
	}
	unknown := line26("-", "1111222233334444", "REST.GET.SHINY_NEW_THING", "")
	known := line26("-", "1111222233334444", "REST.GET.OBJECT", "")
	cwUnknown := `{"schema_version_id":"V_1_0","request_id":"R","operation":"S3.SOMETHING.NEW","http_status":200}`
	tests := []struct {
		name    string
		inputs  []string
		outputs int
		want    Stats
	}{
		{"known operation", []string{known}, 1, Stats{}},
		{"unknown operations, text and JSON", []string{unknown, unknown, cwUnknown}, 3, Stats{UnknownOperations: 3}},
		{"transition to a new storage class is known", []string{line26("-", "1", "S3.TRANSITION_NEWCLASS.OBJECT", "")}, 1, Stats{}},
		{"digest file", []string{string(digest)}, 0, Stats{DigestFiles: 1}},
		{"digest file in a Records-less pretty form", []string{"{\n \"digestStartTime\": \"2026-05-04T10:00:00Z\",\n \"logFiles\": []\n}"}, 0, Stats{DigestFiles: 1}},
		{"CloudTrail record that mentions digestStartTime is not a digest",
			[]string{`{"eventVersion":"1.09","eventName":"GetObject","digestStartTime":"x"}`}, 1, Stats{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := New(DefaultOptions())
			outputs := 0
			for _, in := range tt.inputs {
				for _, r := range normalizeAll(n, []byte(in), SourceAuto) {
					if r.err != nil {
						t.Errorf("rejected: %v", r.err)
					}
					outputs++
				}
			}
			if outputs != tt.outputs {
				t.Errorf("%d outputs, want %d", outputs, tt.outputs)
			}
			if got := n.Stats(); got != tt.want {
				t.Errorf("Stats() = %+v, want %+v", got, tt.want)
			}
			n.Trim(0)
			if got := n.Stats(); got != tt.want {
				t.Errorf("after Trim, Stats() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestStatsString(t *testing.T) {
	s := Stats{UnknownOperations: 2, DigestFiles: 1}.Add(Stats{UnknownOperations: 1})
	if got, want := s.String(), "unknown_operations=3 digest_files=1"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
