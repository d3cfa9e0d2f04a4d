package normalize

import (
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
)

// The baseline is "the obvious implementation" of the access-log half of
// the normalizer: one big regexp, a map[string]any shaped like the unified
// record, and encoding/json. It exists only as a yardstick for benchmarks
// (BenchmarkAccessLogBaseline) and is deliberately naive; it must still
// produce the same fields as the real implementation, or the comparison
// would flatter the real one.

// baselineLineRE matches one access-log line, the way most published
// parsers do it (quoted fields end at the next quote; fields 18-27 optional
// for older buckets; anything after field 27 lands in "rest").
var baselineLineRE = regexp.MustCompile(`^(?P<owner>\S+) (?P<bucket>\S+) \[(?P<time>[^\]]+)\] ` +
	`(?P<ip>\S+) (?P<requester>\S+) (?P<request_id>\S+) (?P<operation>\S+) (?P<key>\S+) ` +
	`"(?P<request_uri>[^"]*)" (?P<status>\S+) (?P<error_code>\S+) (?P<bytes_sent>\S+) ` +
	`(?P<object_size>\S+) (?P<total_time>\S+) (?P<turnaround>\S+) "(?P<referrer>[^"]*)" ` +
	`"(?P<user_agent>[^"]*)"(?: (?P<version_id>\S+))?(?: (?P<host_id>\S+))?(?: (?P<sig_version>\S+))?` +
	`(?: (?P<cipher>\S+))?(?: (?P<auth_type>\S+))?(?: (?P<host>\S+))?(?: (?P<tls>\S+))?` +
	`(?: (?P<ap_arn>\S+))?(?: (?P<acl_required>\S+))?(?: (?P<f27>\S+))?(?: (?P<rest>.*))?$`)

// baselineRegionCodeRE is the reference's idea of a region code, written
// independently of IsRegionCode.
var baselineRegionCodeRE = regexp.MustCompile(`^[a-z]{2,4}(-(gov|iso[a-z]?|[a-z]{2}))?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9][0-9]?$`)

// baselineRegionRE finds the region in an S3 Host header.
var baselineRegionRE = regexp.MustCompile(`(?:^|\.)s3(?:-website|-accesspoint|-object-lambda|-outposts|-fips)?` +
	`[.-](?:dualstack\.)?([a-z]{2,4}(?:-[a-z]+)+-\d+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$`)

// baselineSecretRE finds presigned-URL secrets in a URI.
var baselineSecretRE = regexp.MustCompile(`(?i)([?&](?:x-amz-signature|x-amz-security-token|x-amz-credential|signature|awsaccesskeyid)=)[^&\s"]*`)

// baselineCanonicalRE recognizes a canonical user id.
var baselineCanonicalRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// baselineOps is the small operation map an obvious implementation would
// start with: action and read_only.
var baselineOps = map[string]struct {
	action   string
	readOnly bool
}{
	"REST.GET.OBJECT":               {"GetObject", true},
	"REST.HEAD.OBJECT":              {"HeadObject", true},
	"REST.PUT.OBJECT":               {"PutObject", false},
	"REST.POST.OBJECT":              {"PutObject", false},
	"REST.DELETE.OBJECT":            {"DeleteObject", false},
	"BATCH.DELETE.OBJECT":           {"DeleteObject", false},
	"REST.POST.MULTI_OBJECT_DELETE": {"DeleteObjects", false},
	"REST.COPY.OBJECT":              {"CopyObject", false},
	"REST.GET.BUCKET":               {"ListObjects", true},
	"REST.HEAD.BUCKET":              {"HeadBucket", true},
	"REST.GET.ACL":                  {"GetObjectAcl", true},
	"REST.PUT.ACL":                  {"PutObjectAcl", false},
	"REST.GET.BUCKETPOLICY":         {"GetBucketPolicy", true},
	"REST.PUT.BUCKETPOLICY":         {"PutBucketPolicy", false},
}

// baselineAccessLog normalizes one access-log line the obvious way.
func baselineAccessLog(line string) ([]byte, error) {
	m := baselineLineRE.FindStringSubmatch(line)
	if m == nil {
		return nil, errors.New("not an access-log line")
	}
	f := map[string]string{}
	for i, name := range baselineLineRE.SubexpNames() {
		if name != "" && m[i] != "" && m[i] != "-" {
			f[name] = m[i]
		}
	}

	rec := map[string]any{"schema_version": 1, "source": "s3_access", "service": "s3.amazonaws.com"}
	bucket := map[string]any{}
	object := map[string]any{}
	principal := map[string]any{}
	client := map[string]any{}
	request := map[string]any{}
	extra := map[string]any{}
	setStr := func(dst map[string]any, key, field string) {
		if v, ok := f[field]; ok {
			dst[key] = v
		}
	}
	setInt := func(dst map[string]any, key, field string) error {
		if v, ok := f[field]; ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return err
			}
			dst[key] = n
		}
		return nil
	}

	if v, ok := f["time"]; ok {
		t, err := time.Parse("02/Jan/2006:15:04:05 -0700", v)
		if err != nil {
			return nil, err
		}
		rec["time"] = t.UTC().Format(time.RFC3339)
	}
	if op, ok := f["operation"]; ok {
		rec["operation"] = op
		if info, ok := baselineOps[op]; ok {
			action := info.action
			if strings.HasSuffix(action, "Acl") && f["key"] == "" {
				action = strings.Replace(action, "Object", "Bucket", 1)
			}
			rec["action"] = action
			rec["read_only"] = info.readOnly
		} else {
			parts := strings.Split(op, ".")
			rec["read_only"] = len(parts) > 1 && (parts[1] == "GET" || parts[1] == "HEAD")
		}
	}
	status := 0
	if v, ok := f["status"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, err
		}
		status = n
		rec["http_status"] = n
	}
	setStr(rec, "error_code", "error_code")
	if status != 0 {
		if status < 400 && f["error_code"] == "" {
			rec["outcome"] = "success"
		} else {
			rec["outcome"] = "failure"
		}
	}
	if h, ok := f["host"]; ok {
		h = strings.ToLower(h)
		if i := strings.LastIndex(h, ":"); i >= 0 {
			h = h[:i]
		}
		f["host"] = h
		if rm := baselineRegionRE.FindStringSubmatch(h); rm != nil {
			rec["region"] = rm[1]
			rec["region_source"] = "host"
		}
	}

	setStr(bucket, "name", "bucket")
	setStr(bucket, "owner", "owner")
	if k, ok := f["key"]; ok {
		dk, err := url.QueryUnescape(k)
		if err != nil {
			dk = k
		}
		object["key"] = dk
	}
	setStr(object, "version_id", "version_id")
	if err := setInt(object, "size", "object_size"); err != nil {
		return nil, err
	}

	baselinePrincipal(principal, m[baselineLineRE.SubexpIndex("requester")])

	setStr(client, "ip", "ip")
	setStr(client, "user_agent", "user_agent")

	setStr(request, "id", "request_id")
	setStr(request, "host_id", "host_id")
	if u, ok := f["request_uri"]; ok {
		parts := strings.Fields(u)
		if len(parts) == 3 {
			request["method"] = parts[0]
			request["uri"] = baselineSecretRE.ReplaceAllString(parts[1], "${1}REDACTED")
			request["protocol"] = parts[2]
		} else {
			request["uri"] = baselineSecretRE.ReplaceAllString(u, "${1}REDACTED")
		}
	}
	setStr(request, "host", "host")
	if r, ok := f["referrer"]; ok {
		request["referrer"] = baselineSecretRE.ReplaceAllString(r, "${1}REDACTED")
	}
	for _, kf := range [...][2]string{{"bytes_sent", "bytes_sent"}, {"total_time_ms", "total_time"}, {"turnaround_ms", "turnaround"}} {
		if err := setInt(request, kf[0], kf[1]); err != nil {
			return nil, err
		}
	}
	setStr(request, "signature_version", "sig_version")
	setStr(request, "auth_type", "auth_type")
	setStr(request, "tls_version", "tls")
	setStr(request, "cipher_suite", "cipher")
	setStr(request, "access_point_arn", "ap_arn")
	// aclRequired is "Yes" or "-" (no ACL was needed): present means known.
	if v := m[baselineLineRE.SubexpIndex("acl_required")]; v != "" {
		request["acl_required"] = v == "Yes"
	}

	// Field 27 is the region the request came from when it is a region
	// code; anything else stays in extra by position, as later fields do.
	if v := m[baselineLineRE.SubexpIndex("f27")]; baselineRegionCodeRE.MatchString(v) {
		request["source_region"] = v
	} else {
		setStr(extra, "27", "f27")
	}
	if rest, ok := f["rest"]; ok {
		for i, v := range strings.Fields(rest) {
			if v != "-" {
				extra[strconv.Itoa(28+i)] = v
			}
		}
	}

	for name, obj := range map[string]map[string]any{"bucket": bucket, "object": object,
		"principal": principal, "client": client, "request": request, "extra": extra} {
		if len(obj) > 0 {
			rec[name] = obj
		}
	}
	return json.Marshal(rec)
}

// baselinePrincipal fills principal from the Requester field by splitting
// the ARN by its documented parts.
func baselinePrincipal(p map[string]any, requester string) {
	switch {
	case requester == "-" || requester == "":
		p["type"] = "Anonymous"
		p["authenticated"] = false
		return
	case baselineCanonicalRE.MatchString(requester):
		p["type"] = "CanonicalUser"
		p["canonical_id"] = requester
		p["authenticated"] = true
		return
	case strings.HasPrefix(requester, "svc:") || requester == "AmazonS3" || strings.HasSuffix(requester, ".amazonaws.com"):
		p["type"] = "AWSService"
		p["service"] = strings.TrimPrefix(requester, "svc:")
		p["authenticated"] = true
		return
	}
	p["authenticated"] = true
	parts := strings.Split(requester, ":")
	if len(parts) < 6 || parts[0] != "arn" {
		p["type"] = "Unknown"
		return
	}
	p["arn"] = requester
	p["partition"] = parts[1]
	if parts[4] != "" {
		p["account_id"] = parts[4]
	}
	res := strings.Split(strings.Join(parts[5:], ":"), "/")
	switch {
	case res[0] == "assumed-role" && len(res) >= 3:
		p["type"] = "AssumedRole"
		p["role_name"] = res[1]
		p["session_name"] = res[len(res)-1]
		p["role_arn"] = "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + res[1]
	case res[0] == "user" && len(res) >= 2:
		p["type"] = "IAMUser"
		p["user_name"] = res[len(res)-1]
	case res[0] == "root":
		p["type"] = "Root"
	case res[0] == "federated-user" && len(res) >= 2:
		p["type"] = "FederatedUser"
		p["session_name"] = res[len(res)-1]
	default:
		p["type"] = "Unknown"
	}
}

func benchBaseline(b *testing.B, line string) {
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := baselineAccessLog(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAccessLogBaseline(b *testing.B) { benchBaseline(b, testinput.AccessLogLine) }

func BenchmarkAccessLogPresignedBaseline(b *testing.B) { benchBaseline(b, testinput.PresignedLine) }

// TestBaselineAccessLog keeps the yardstick honest: it must do the work the
// real implementation does (derivations, redaction) and its output must
// satisfy the published schema.
func TestBaselineAccessLog(t *testing.T) {
	out, err := baselineAccessLog(testinput.PresignedLine)
	if err != nil {
		t.Fatal(err)
	}
	validateUnified(t, out)
	var rec struct {
		Time      string `json:"time"`
		Action    string `json:"action"`
		ReadOnly  *bool  `json:"read_only"`
		Outcome   string `json:"outcome"`
		Region    string `json:"region"`
		RegionSrc string `json:"region_source"`
		Bucket    struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key  string `json:"key"`
			Size int64  `json:"size"`
		} `json:"object"`
		Principal struct {
			Type        string `json:"type"`
			RoleName    string `json:"role_name"`
			SessionName string `json:"session_name"`
			RoleARN     string `json:"role_arn"`
		} `json:"principal"`
		Request struct {
			Method    string `json:"method"`
			URI       string `json:"uri"`
			Protocol  string `json:"protocol"`
			Host      string `json:"host"`
			ACLReq    *bool  `json:"acl_required"`
			SrcRegion string `json:"source_region"`
		} `json:"request"`
		Extra map[string]string `json:"extra"`
	}
	if err := json.Unmarshal(out, &rec); err != nil {
		t.Fatalf("baseline output is not JSON: %v\n%s", err, out)
	}
	check := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	check("time", rec.Time, "2024-03-14T09:26:53Z")
	check("action", rec.Action, "GetObject")
	check("outcome", rec.Outcome, "success")
	check("region", rec.Region, "us-west-2")
	check("region_source", rec.RegionSrc, "host")
	check("bucket.name", rec.Bucket.Name, "acme-docs")
	check("object.key", rec.Object.Key, "q1/p&l 2024.pdf")
	check("principal.type", rec.Principal.Type, "AssumedRole")
	check("principal.role_name", rec.Principal.RoleName, "ReportReader")
	check("principal.session_name", rec.Principal.SessionName, "alice")
	check("principal.role_arn", rec.Principal.RoleARN, "arn:aws:iam::210987654321:role/ReportReader")
	check("request.method", rec.Request.Method, "GET")
	check("request.protocol", rec.Request.Protocol, "HTTP/1.1")
	check("request.host", rec.Request.Host, "acme-docs.s3.us-west-2.amazonaws.com")
	check("request.source_region", rec.Request.SrcRegion, "us-west-2")
	if _, ok := rec.Extra["27"]; ok {
		t.Error("field 27, a region code, should not be in extra")
	}
	if rec.ReadOnly == nil || !*rec.ReadOnly {
		t.Error("read_only should be true")
	}
	if rec.Request.ACLReq == nil || *rec.Request.ACLReq {
		t.Error(`request.acl_required should be false for "-"`)
	}
	if rec.Object.Size != 482133 {
		t.Errorf("object.size = %d", rec.Object.Size)
	}
	for _, p := range []string{"X-Amz-Signature=REDACTED", "X-Amz-Security-Token=REDACTED", "X-Amz-Credential=REDACTED",
		"X-Amz-Date=20240314T092640Z", "X-Amz-Expires=900"} {
		if !strings.Contains(rec.Request.URI, p) {
			t.Errorf("request.uri lacks %q: %s", p, rec.Request.URI)
		}
	}
	for _, secret := range []string{testinput.AccessLogSignature, "IQoJb3JpZ2luX2VjEJr", "ASIAZ7EXAMPLEQK4Z3MN"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("baseline output leaks %q", secret)
		}
	}
}
