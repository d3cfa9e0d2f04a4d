package normalize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// samplesDir holds the published real-world samples (never copied here).
const samplesDir = "../../shared/samples"

// result is one emitted output, copied out of the Normalizer's buffers.
type result struct {
	json  []byte
	key   []byte
	err   error
	input []byte
}

func normalizeAll(n *Normalizer, input []byte, hint Source) []result {
	var out []result
	n.Normalize(input, hint, nil, func(o *Output) {
		out = append(out, result{
			json:  bytes.Clone(o.JSON),
			key:   bytes.Clone(o.Key),
			err:   o.Err,
			input: bytes.Clone(o.Input),
		})
	})
	return out
}

// decode turns an output record into nested maps for spot assertions.
func decode(t testing.TB, doc []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, doc)
	}
	return m
}

// get follows a dotted path through decoded JSON.
func get(m map[string]any, path string) any {
	var v any = m
	for _, part := range strings.Split(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[part]
	}
	return v
}

func readLines(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// spot is one expected value at a dotted path of a sample line's record.
type spot struct {
	line int
	path string
	want any
}

// spotCheck compares each spot with the record decoded from its line.
func spotCheck(t *testing.T, records map[int]map[string]any, checks []spot) {
	t.Helper()
	for _, c := range checks {
		rec := records[c.line]
		if rec == nil {
			t.Errorf("line %d: no record", c.line)
			continue
		}
		if got := get(rec, c.path); got != c.want {
			t.Errorf("line %d %s = %#v, want %#v", c.line, c.path, got, c.want)
		}
	}
}

func requireSamples(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(samplesDir); err != nil {
		t.Skipf("published samples not found at %s (CI always has them): %v", samplesDir, err)
	}
}

// secretValues finds the values of secret query parameters in a line, to
// prove none of them survives normalization.
var secretValueRE = regexp.MustCompile(`(?i)[?&](X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential|Signature|AWSAccessKeyId)=([^&\s"]+)`)

func assertNoSecrets(t *testing.T, input, output []byte) {
	t.Helper()
	for _, m := range secretValueRE.FindAllSubmatch(input, -1) {
		if bytes.Contains(output, m[2]) {
			t.Errorf("secret %s value %q survived redaction:\n%s", m[1], m[2], output)
		}
	}
}

func TestSamplesAccessLog(t *testing.T) {
	requireSamples(t)
	lines := readLines(t, filepath.Join(samplesDir, "s3_access.log"))
	n := New(DefaultOptions())
	records := map[int]map[string]any{}
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		res := normalizeAll(n, line, SourceAuto)
		if len(res) != 1 {
			t.Fatalf("line %d: %d outputs, want 1", i+1, len(res))
		}
		if res[0].err != nil {
			t.Errorf("line %d rejected: %v", i+1, res[0].err)
			continue
		}
		validateUnified(t, res[0].json)
		assertNoSecrets(t, line, res[0].json)
		records[i+1] = decode(t, res[0].json)
	}

	// Spot checks on the fields that matter, by sample line number
	// (SOURCES.md says where each line comes from).
	checks := []spot{
		{1, "time", "2014-02-06T00:00:38Z"},
		{1, "action", "GetBucketVersioning"},
		{1, "principal.type", "CanonicalUser"},
		{2, "outcome", "failure"},
		{2, "error_code", "NoSuchBucketPolicy"},
		{3, "object.size", 4406583.0},
		{6, "region", "us-west-1"},
		{6, "region_source", "host"},
		{10, "request.access_point_arn", "arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP"},
		{10, "request.acl_required", true},
		{10, "request.source_region", "us-east-1"},
		{11, "request.acl_required", false},
		{12, "region", "us-west-1"},
		{13, "principal.type", "AssumedRole"},
		{13, "principal.role_name", "AWSServiceRoleForTrustedAdvisor"},
		{13, "principal.session_name", "TrustedAdvisor_627959692251_784ab70b-8cc9-4d37-a2ec-2ff4d0c08af9"},
		{13, "principal.role_arn", "arn:aws:iam::123456:role/AWSServiceRoleForTrustedAdvisor"},
		{13, "action", "GetBucketLocation"},
		{15, "action", "DeleteObject"},
		{15, "principal.user_name", "test@elastic.co"},
		{15, "region", "eu-central-1"},
		{16, "object.key", "Screen Shot 2019-09-09 at 9.08.44 AM.png"},
		{17, "principal.service", "delivery.logs.amazonaws.com"},
		{18, "action", nil},
		{18, "operation", "S3.EXPIRE.OBJECT"},
		{18, "read_only", false},
		{18, "principal.type", "AWSService"},
		{19, "principal.type", "CanonicalUser"},
		{19, "request.tls_version", "TLSv1.3"},
		{20, "request.uri", `/"`},
		{20, "object.key", "%22"},
		{20, "principal.type", "Anonymous"},
		{20, "principal.authenticated", false},
		{20, "request.referrer", "referer test"},
		{21, "http_status", 304.0},
		{21, "request.referrer", "http://www.viamujer.com/2009/03/horoscopo-acuario-abril-mayo-y-junio-2009/"},
		{23, "request.uri", `/readside/loader.js"+defer="defer`},
		{23, "request.protocol", "HTTP/1.0"},
		{24, "client.user_agent", `Firefox 0.8 (Linux)" useragent="Mozilla/5.0 (X11; U; Linux i686; en-US; rv:1.6) Gecko/20040614 Firefox/0.8`},
		{32, "action", "CopyObject"},
		{38, "action", "PutObjectAcl"},
		{51, "action", "AbortMultipartUpload"},
		{55, "action", "UploadPart"},
		{56, "action", "CreateMultipartUpload"},
		{41, "region", "eu-west-1"},
		{42, "time", "2012-02-10T21:42:07Z"},
		{42, "principal.user_name", "phillip.boss"},
		{52, "action", "ListMultipartUploads"},
		{53, "action", "DeleteObjects"},
		{54, "action", "DeleteObject"},
		{57, "action", "ListObjects"},
		{14, "action", "ListObjects"},
		{59, "client.user_agent", `"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/67.0.3396.99 Safari/537.36`},
		{62, "object.version_id", "MwI7yXtui4mtwTeuZxHoT4qHap44j3T2"},
	}
	spotCheck(t, records, checks)

	// Presigned URLs in the samples (SigV2 and SigV4) keep their other
	// parameters but lose the secrets.
	redacted := 0
	for i, line := range lines {
		if secretValueRE.Match(line) {
			redacted++
			uri, _ := get(records[i+1], "request.uri").(string)
			if !strings.Contains(uri, "=REDACTED") {
				t.Errorf("line %d: request.uri not redacted: %s", i+1, uri)
			}
		}
	}
	if redacted < 2 {
		t.Errorf("expected the samples to hold presigned URLs, found %d", redacted)
	}
}

func TestSamplesCloudTrail(t *testing.T) {
	requireSamples(t)
	lines := readLines(t, filepath.Join(samplesDir, "cloudtrail.jsonl"))
	n := New(DefaultOptions())
	records := map[int]map[string]any{}
	for i, line := range lines {
		res := normalizeAll(n, line, SourceAuto)
		if len(res) != 1 {
			t.Fatalf("line %d: %d outputs, want 1", i+1, len(res))
		}
		if res[0].err != nil {
			t.Errorf("line %d rejected: %v", i+1, res[0].err)
			continue
		}
		validateUnified(t, res[0].json)
		if bytes.Contains(res[0].json, []byte(`"sessionToken":"`)) && !bytes.Contains(res[0].json, []byte(`"sessionToken":"REDACTED"`)) {
			t.Errorf("line %d: sessionToken not redacted: %s", i+1, res[0].json)
		}
		records[i+1] = decode(t, res[0].json)
	}
	checks := []spot{
		{1, "source", "cloudtrail"},
		{1, "action", "ConsoleLogin"},
		{1, "principal.type", "IAMUser"},
		{1, "principal.user_name", "anaya"},
		{1, "region", "us-east-1"},
		{1, "region_source", "event"},
		{2, "outcome", "failure"},
		{3, "principal.type", "Root"},
		{9, "error_code", "TrailNotFoundException"},
		{10, "cloudtrail.event_type", "AwsCloudTrailInsight"},
		{10, "action", nil},
		{11, "client.invoked_by", "AWS Internal"},
		{13, "bucket.name", nil},
		{15, "bucket.name", "DOC-EXAMPLE-BUCKET1"},
		{20, "principal.type", "AssumedRole"},
		{20, "principal.session_name", "JohnRole1"},
		{20, "principal.mfa_authenticated", false},
		{20, "cloudtrail.response_elements.credentials.sessionToken", "REDACTED"},
		{21, "principal.role_name", "AssumeNothing"},
		{21, "principal.session_name", "devdsk"},
		{23, "principal.type", "SAMLUser"},
		{24, "principal.type", "WebIdentityUser"},
		{25, "principal.type", "AWSService"},
		{25, "client.invoked_by", "cloudtrail.amazonaws.com"},
		{28, "object.key", "important-file.txt"},
		{32, "outcome", "failure"},
		{32, "error_code", "AccessDenied"},
		{33, "request.vpc_endpoint_id", "vpce-EXAMPLE08c1b6b9b7"},
		{36, "time", "2024-11-26T17:23:59Z"},
		{36, "request.host_id", "CaKGcLO+fHGAWCSQD7+2dEACPcs+Az44FEQT3c5iu+YlJ8sFA++rPcYTr5xGx5/iwaxNWzWWaWQ="},
		{36, "request.tls_version", "TLSv1.3"},
		{38, "cloudtrail.management_event", true},
		{38, "read_only", true},
		{45, "time", "2020-09-14T01:00:33.000Z"},
		{46, "request.bytes_sent", 89.0},
		{49, "principal.service", "s3.amazonaws.com"},
		{50, "principal.type", "IdentityCenterUser"},
	}
	spotCheck(t, records, checks)
}

func TestSamplesEnvelopes(t *testing.T) {
	requireSamples(t)
	cases := []struct {
		file    string
		outputs int
		rejects int
		actions []string
	}{
		{"s3_delivered_log_file_Records.json", 3, 0, []string{"ListBuckets", "PutBucketAcl", "GetBucketVersioning"}},
		{"eventbridge_aws_api_call_via_cloudtrail.json", 1, 0, []string{"CreateBucket"}},
		{"cwlogs_subscription_data_message.json", 1, 0, []string{"PutObject"}},
		// AWS truncated these messages in its docs: each is dead-lettered
		// with a reason, none is lost.
		{"cwlogs_subscription_data_message_awsdocs.json", 0, 3, nil},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join(samplesDir, "cloudtrail_envelopes", c.file))
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			rejects := 0
			for _, r := range normalizeAll(New(DefaultOptions()), doc, SourceAuto) {
				if r.err != nil {
					rejects++
					if !strings.Contains(r.err.Error(), "invalid JSON") {
						t.Errorf("reject reason %q does not say why", r.err)
					}
					continue
				}
				validateUnified(t, r.json)
				a, _ := get(decode(t, r.json), "action").(string)
				actions = append(actions, a)
			}
			if len(actions) != c.outputs || rejects != c.rejects {
				t.Errorf("%d outputs and %d rejects, want %d and %d", len(actions), rejects, c.outputs, c.rejects)
			}
			if c.actions != nil && strings.Join(actions, ",") != strings.Join(c.actions, ",") {
				t.Errorf("actions %v, want %v", actions, c.actions)
			}
		})
	}
}
