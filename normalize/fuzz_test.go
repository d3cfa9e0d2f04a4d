package normalize

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// leakedSecret finds a secret query parameter in encoded output whose value
// is neither empty nor REDACTED.
var leakedSecret = regexp.MustCompile(`(?i)[?&;](x-amz-signature|x-amz-security-token|x-amz-credential|signature|awsaccesskeyid)=([^&;\s"'#<>,\\]+)`)

// checkOutputs holds the invariants every input must keep: nothing panics
// (the fuzzer reports that), an accepted record is valid, ordered, schema-
// conforming JSON with no secret left, a rejected one says why.
func checkOutputs(t *testing.T, n *Normalizer, input []byte, hint Source) {
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
			if string(m[2]) != redactedValue {
				t.Fatalf("secret %s=%s survived redaction\ninput: %.300q\noutput: %.2000s", m[1], m[2], input, o.JSON)
			}
		}
	})
}

func addSeeds(f *testing.F, patterns ...string) {
	for _, pattern := range patterns {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
			for _, line := range bytes.Split(data, []byte("\n")) {
				f.Add(line)
			}
		}
	}
}

func FuzzAccessLog(f *testing.F) {
	f.Add([]byte(benchAccessLogLine))
	f.Add([]byte(benchPresignedLine))
	addSeeds(f, "testdata/access_log_*.log", filepath.Join(samplesDir, "s3_access.log"))
	opts := DefaultOptions()
	opts.IncludeRaw = true
	n := New(opts)
	f.Fuzz(func(t *testing.T, line []byte) {
		checkOutputs(t, n, line, SourceS3Access)
	})
}

func FuzzCloudTrail(f *testing.F) {
	f.Add([]byte(benchCloudTrailEvent))
	addSeeds(f, "testdata/cloudtrail_*.json*", filepath.Join(samplesDir, "cloudtrail.jsonl"),
		filepath.Join(samplesDir, "cloudtrail_envelopes", "*.json"))
	opts := DefaultOptions()
	opts.IncludeRaw = true
	opts.KeyPath = "cloudtrail.request_parameters.key"
	n := New(opts)
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkOutputs(t, n, doc, SourceCloudTrail)
	})
}
