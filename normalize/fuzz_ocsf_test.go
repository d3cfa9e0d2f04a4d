package normalize

import (
	"path/filepath"
	"testing"

	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// FuzzDetectionsAndOCSF puts any input, taken for either source, through
// the detections (unified record, every default rule on plus allow-lists)
// and through Format ocsf: the unified record keeps every invariant of
// checkOutputs, and the OCSF event must match the OCSF schema with no
// secret left.
func FuzzDetectionsAndOCSF(f *testing.F) {
	f.Add([]byte(testinput.AccessLogLine))
	f.Add([]byte(testinput.PresignedLine))
	f.Add([]byte(testinput.CloudTrailEvent))
	f.Add([]byte(testinput.ReadmeAccessLogLine))
	f.Add([]byte(testinput.ReadmeCloudTrailEvent))
	testinput.AddSeeds(f, "testdata/detections_*", "testdata/access_log_*.log", "testdata/cloudtrail_*.json*", "testdata/redaction_*",
		filepath.Join(samplesDir, "s3_access.log"), filepath.Join(samplesDir, "cloudtrail.jsonl"))
	rules := mustRules(testRulesConfig())
	opts := DefaultOptions()
	opts.IncludeRaw = true
	opts.Rules = rules
	unified := New(opts)
	opts.Format = FormatOCSF
	opts.KeyPath = "principal.role_name"
	ocsf := New(opts)
	f.Fuzz(func(t *testing.T, input []byte) {
		for _, hint := range []Source{SourceS3Access, SourceCloudTrail} {
			checkOCSF(t, unified, ocsf, input, hint)
		}
	})
}

func checkOCSF(t *testing.T, unified, ocsf *Normalizer, input []byte, hint Source) {
	checkOutputs(t, unified, input, hint)
	compareShortcuts(t, ocsf, input, hint)
	ocsf.Normalize(input, hint, nil, func(o *Output) {
		if o.Err != nil {
			return
		}
		if err := validateOCSFErr(o.JSON); err != nil {
			t.Fatalf("invalid OCSF event: %v\ninput: %.300q\noutput: %.3000s", err, input, o.JSON)
		}
		for _, m := range leakedSecret.FindAllSubmatch(o.JSON, -1) {
			if string(m[2]) != redact.Value {
				t.Fatalf("secret %s=%s survived redaction\ninput: %.300q\noutput: %.3000s", m[1], m[2], input, o.JSON)
			}
		}
	})
}
