package normalize

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
)

// The CloudTrail baseline is "the obvious implementation" of the CloudTrail
// half of the normalizer, the twin of baselineAccessLog: json.Unmarshal into
// map[string]any, redact by walking the tree with a regexp, build the
// unified record as nested maps, json.Marshal. It exists only as a
// yardstick (BenchmarkCloudTrailBaseline) and is deliberately naive, but
// TestBaselineCloudTrail holds it to producing the very record the real
// implementation produces for testinput.CloudTrailEvent.
//
// Known, accepted differences on inputs other than the benchmark's: a
// repeated key keeps its last value here (encoding/json) but its first in
// the real parser; numbers are float64 here, so 1234.0 is written 1234;
// a non-UTC or fractional eventTime is reformatted by time.Format.

// baselineCTSecretRE finds secret query parameters inside any string: the
// name must start the string or follow a query separator.
var baselineCTSecretRE = regexp.MustCompile(`(?i)((?:^|[?&;])(?:x-amz-signature|x-amz-security-token|x-amz-credential|signature|awsaccesskeyid)=)[^&;\s"]+`)

// baselineCTRegionRE is the shape of a region name in awsRegion.
var baselineCTRegionRE = regexp.MustCompile(`^[a-z]+(?:-[a-z0-9]+)+$`)

// baselineSecretKeys are the JSON keys whose string values are masked
// whole, lower-cased.
var baselineSecretKeys = map[string]bool{
	"sessiontoken": true, "secretaccesskey": true,
	"x-amz-signature": true, "x-amz-security-token": true, "x-amz-credential": true,
	"signature": true, "awsaccesskeyid": true,
}

// baselinePrincipalTypes maps userIdentity.type onto principal.type.
var baselinePrincipalTypes = map[string]string{
	"Root": "Root", "IAMUser": "IAMUser", "AssumedRole": "AssumedRole", "Role": "AssumedRole",
	"FederatedUser": "FederatedUser", "AWSAccount": "AWSAccount", "AWSService": "AWSService",
	"IdentityCenterUser": "IdentityCenterUser", "WebIdentityUser": "WebIdentityUser",
	"SAMLUser": "SAMLUser", "Unknown": "Unknown",
}

// baselineCTMapped are the top-level keys baselineCloudTrail maps; the
// others are kept in extra.
var baselineCTMapped = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(`eventVersion userIdentity eventTime eventSource eventName
		awsRegion sourceIPAddress userAgent errorCode errorMessage requestParameters
		responseElements additionalEventData requestID eventID readOnly resources eventType
		managementEvent recipientAccountId sharedEventID vpcEndpointId eventCategory tlsDetails
		sessionCredentialFromConsole`) {
		m[k] = true
	}
	return m
}()

// baselineReadVerbs are the eventName prefixes of read-only calls.
var baselineReadVerbs = []string{"Get", "List", "Head", "Describe", "Lookup", "Search", "Select",
	"BatchGet", "Query", "Scan"}

// baselineRedact returns v with every secret masked: string values under a
// secret key become REDACTED, every other string has its secret query
// parameters replaced.
func baselineRedact(v any, secret bool) any {
	switch t := v.(type) {
	case string:
		if secret && t != "" {
			return "REDACTED"
		}
		return baselineCTSecretRE.ReplaceAllString(t, "${1}REDACTED")
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, child := range t {
			out[k] = baselineRedact(child, secret || baselineSecretKeys[strings.ToLower(k)])
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, child := range t {
			out[i] = baselineRedact(child, secret)
		}
		return out
	}
	return v
}

// baselineCloudTrail normalizes one CloudTrail record the obvious way.
func baselineCloudTrail(doc []byte) ([]byte, error) {
	var raw map[string]any
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, errors.New("not a JSON object")
	}
	if raw["eventVersion"] == nil && raw["eventName"] == nil {
		return nil, errors.New("not a CloudTrail record")
	}
	ev := baselineRedact(raw, false).(map[string]any)

	str := func(m map[string]any, key string) string {
		s, _ := m[key].(string)
		return s
	}
	obj := func(m map[string]any, key string) map[string]any {
		o, _ := m[key].(map[string]any)
		return o
	}
	boolean := func(v any) (bool, bool) {
		switch t := v.(type) {
		case bool:
			return t, true
		case string:
			switch strings.ToLower(t) {
			case "true":
				return true, true
			case "false":
				return false, true
			}
		}
		return false, false
	}
	setStr := func(dst map[string]any, key, v string) {
		if v != "" {
			dst[key] = v
		}
	}

	rec := map[string]any{"schema_version": 1, "source": "cloudtrail"}
	bucket := map[string]any{}
	object := map[string]any{}
	client := map[string]any{}
	request := map[string]any{}
	cloudtrail := map[string]any{}
	extra := map[string]any{}

	if s := str(ev, "eventTime"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t, err = time.Parse("2006-01-02 15:04:05.999999999", s)
		}
		if err != nil {
			return nil, fmt.Errorf("eventTime: %w", err)
		}
		rec["time"] = t.UTC().Format(time.RFC3339Nano)
	}
	name := str(ev, "eventName")
	setStr(rec, "action", name)
	setStr(rec, "operation", name)
	setStr(rec, "service", str(ev, "eventSource"))
	if ro, ok := boolean(ev["readOnly"]); ok {
		rec["read_only"] = ro
	} else if name != "" {
		ro := false
		for _, verb := range baselineReadVerbs {
			if strings.HasPrefix(name, verb) && (len(name) == len(verb) || name[len(verb)] >= 'A' && name[len(verb)] <= 'Z') {
				ro = true
			}
		}
		rec["read_only"] = ro
	}
	errorCode, errorMessage := str(ev, "errorCode"), str(ev, "errorMessage")
	rec["outcome"] = "success"
	if errorCode != "" || errorMessage != "" {
		rec["outcome"] = "failure"
	}
	setStr(rec, "error_code", errorCode)
	setStr(rec, "error_message", errorMessage)
	setStr(rec, "account_id", str(ev, "recipientAccountId"))

	params := obj(ev, "requestParameters")
	respElems := obj(ev, "responseElements")
	additional := obj(ev, "additionalEventData")
	tls := obj(ev, "tlsDetails")

	host := strings.ToLower(str(params, "Host"))
	if i := strings.LastIndex(host, ":"); i >= 0 && !strings.Contains(host, "]") {
		host = host[:i]
	}
	if region := strings.ToLower(str(ev, "awsRegion")); baselineCTRegionRE.MatchString(region) {
		rec["region"] = region
		rec["region_source"] = "event"
	} else {
		if r, ok := ev["awsRegion"]; ok && r != nil {
			extra["awsRegion"] = r
		}
		if m := baselineRegionRE.FindStringSubmatch(host); m != nil {
			rec["region"] = m[1]
			rec["region_source"] = "host"
		}
	}

	requestID, hostID := str(ev, "requestID"), str(additional, "x-amz-id-2")
	if requestID != "" {
		sum := sha256.Sum256([]byte(requestID + "\n" + hostID))
		rec["correlation_id"] = hex.EncodeToString(sum[:16])
	}

	setStr(bucket, "name", str(params, "bucketName"))
	setStr(object, "key", str(params, "key"))
	versionID := str(params, "versionId")
	if versionID == "" {
		versionID = str(respElems, "x-amz-version-id")
	}
	setStr(object, "version_id", versionID)

	ip := str(ev, "sourceIPAddress")
	invokedBy := ""
	if ip != "" && net.ParseIP(ip) == nil {
		invokedBy, ip = ip, ""
	}
	setStr(client, "ip", ip)
	setStr(client, "user_agent", str(ev, "userAgent"))

	setStr(request, "id", requestID)
	setStr(request, "host_id", hostID)
	setStr(request, "host", host)
	if f, ok := additional["bytesTransferredOut"].(float64); ok && f >= 0 && f <= 1<<53 && f == math.Trunc(f) {
		request["bytes_sent"] = int64(f)
	}
	setStr(request, "signature_version", str(additional, "SignatureVersion"))
	setStr(request, "auth_type", str(additional, "AuthenticationMethod"))
	setStr(request, "tls_version", str(tls, "tlsVersion"))
	cipher := str(additional, "CipherSuite")
	if cipher == "" {
		cipher = str(tls, "cipherSuite")
	}
	setStr(request, "cipher_suite", cipher)
	resources, _ := ev["resources"].([]any)
	for _, r := range resources {
		if r, ok := r.(map[string]any); ok && str(r, "type") == "AWS::S3::AccessPoint" {
			setStr(request, "access_point_arn", str(r, "ARN"))
		}
	}
	setStr(request, "vpc_endpoint_id", str(ev, "vpcEndpointId"))

	setStr(cloudtrail, "event_id", str(ev, "eventID"))
	setStr(cloudtrail, "event_version", str(ev, "eventVersion"))
	setStr(cloudtrail, "event_type", str(ev, "eventType"))
	setStr(cloudtrail, "event_category", str(ev, "eventCategory"))
	if me, ok := boolean(ev["managementEvent"]); ok {
		cloudtrail["management_event"] = me
	}
	setStr(cloudtrail, "recipient_account_id", str(ev, "recipientAccountId"))
	setStr(cloudtrail, "shared_event_id", str(ev, "sharedEventID"))
	for _, kv := range [...][2]string{{"request_parameters", "requestParameters"},
		{"response_elements", "responseElements"}, {"additional_event_data", "additionalEventData"},
		{"resources", "resources"}, {"tls_details", "tlsDetails"},
		{"session_credential_from_console", "sessionCredentialFromConsole"}} {
		if v := ev[kv[1]]; v != nil {
			cloudtrail[kv[0]] = v
		}
	}

	// Every top-level key not mapped above is kept in extra.
	for k, v := range ev {
		if !baselineCTMapped[k] {
			extra[k] = v
		}
	}

	if ui := obj(ev, "userIdentity"); ui != nil {
		principal, uiExtra := baselineCTPrincipal(ui, &invokedBy)
		rec["principal"] = principal
		if len(uiExtra) > 0 {
			extra["userIdentity"] = uiExtra
		}
	}
	setStr(client, "invoked_by", invokedBy)

	for name, o := range map[string]map[string]any{"bucket": bucket, "object": object,
		"client": client, "request": request, "cloudtrail": cloudtrail, "extra": extra} {
		if len(o) > 0 {
			rec[name] = o
		}
	}
	return json.Marshal(rec)
}

// baselineCTPrincipal builds principal from userIdentity, splitting the ARN
// with strings.Split, and returns the userIdentity keys it does not map.
// invokedBy is set from userIdentity.invokedBy when present.
func baselineCTPrincipal(ui map[string]any, invokedBy *string) (p, rest map[string]any) {
	p = map[string]any{}
	rest = map[string]any{}
	get := func(key string) string {
		s, _ := ui[key].(string)
		return s
	}
	set := func(key, v string) {
		if _, ok := p[key]; !ok && v != "" {
			p[key] = v
		}
	}
	for k, v := range ui {
		switch k {
		case "type", "principalId", "arn", "accountId", "accessKeyId", "userName", "invokedBy":
		default:
			rest[k] = v
		}
	}
	if s := get("invokedBy"); s != "" {
		*invokedBy = s
	}
	set("principal_id", get("principalId"))
	set("account_id", get("accountId"))
	set("access_key_id", get("accessKeyId"))
	set("user_name", get("userName"))

	derivedType := ""
	if arn := get("arn"); strings.HasPrefix(arn, "arn:") {
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) == 6 && parts[1] != "" && parts[2] != "" && parts[5] != "" {
			set("arn", arn)
			set("partition", parts[1])
			set("account_id", parts[4])
			res := strings.Split(parts[5], "/")
			switch {
			case parts[2] == "iam" && res[0] == "root":
				derivedType = "Root"
			case parts[2] == "iam" && res[0] == "user" && len(res) >= 2:
				derivedType = "IAMUser"
				set("user_name", res[len(res)-1])
			case parts[2] == "iam" && res[0] == "role" && len(res) >= 2:
				set("role_name", res[len(res)-1])
			case parts[2] == "sts" && res[0] == "assumed-role" && len(res) >= 2:
				derivedType = "AssumedRole"
				set("role_name", res[1])
				if len(res) >= 3 {
					set("session_name", strings.Join(res[2:], "/"))
				}
			case parts[2] == "sts" && res[0] == "federated-user" && len(res) >= 2:
				derivedType = "FederatedUser"
				set("session_name", strings.Join(res[1:], "/"))
			}
		}
	}
	if t, ok := baselinePrincipalTypes[get("type")]; ok {
		p["type"] = t
	} else if derivedType != "" {
		p["type"] = derivedType
	} else {
		p["type"] = "Unknown"
	}

	if sc, ok := ui["sessionContext"].(map[string]any); ok {
		if issuer, ok := sc["sessionIssuer"].(map[string]any); ok && issuer["type"] == "Role" {
			if s, _ := issuer["arn"].(string); s != "" {
				p["role_arn"] = s
			}
			if s, _ := issuer["userName"].(string); s != "" {
				p["role_name"] = s
			}
		}
		if attrs, ok := sc["attributes"].(map[string]any); ok {
			switch v := attrs["mfaAuthenticated"].(type) {
			case bool:
				p["mfa_authenticated"] = v
			case string:
				if strings.EqualFold(v, "true") || strings.EqualFold(v, "false") {
					p["mfa_authenticated"] = strings.EqualFold(v, "true")
				}
			}
		}
	}
	switch p["type"] {
	case "AWSService":
		set("service", *invokedBy)
	case "AssumedRole", "FederatedUser":
		if id := get("principalId"); strings.Contains(id, ":") {
			set("session_name", id[strings.Index(id, ":")+1:])
		}
	}
	if _, ok := p["role_arn"]; !ok && p["role_name"] != nil && p["account_id"] != nil {
		partition, _ := p["partition"].(string)
		if partition == "" {
			partition = "aws"
		}
		p["role_arn"] = "arn:" + partition + ":iam::" + p["account_id"].(string) + ":role/" + p["role_name"].(string)
	}
	p["authenticated"] = true
	if get("accountId") == "ANONYMOUS_PRINCIPAL" {
		p = map[string]any{"type": "Anonymous", "authenticated": false}
	}
	return p, rest
}

func BenchmarkCloudTrailBaseline(b *testing.B) {
	doc := []byte(testinput.CloudTrailEvent)
	b.ReportAllocs()
	b.SetBytes(int64(len(testinput.CloudTrailEvent)))
	for b.Loop() {
		out, err := baselineCloudTrail(doc)
		if err != nil {
			b.Fatal(err)
		}
		benchSink = out
	}
}

// TestBaselineCloudTrail keeps the CloudTrail yardstick honest: for the
// benchmark's event it must produce exactly the record the real
// implementation produces (compared as decoded JSON, so key order and
// number spelling do not matter).
func TestBaselineCloudTrail(t *testing.T) {
	out, err := baselineCloudTrail([]byte(testinput.CloudTrailEvent))
	if err != nil {
		t.Fatal(err)
	}
	validateUnified(t, out)

	var realOut []byte
	New(DefaultOptions()).Normalize([]byte(testinput.CloudTrailEvent), SourceAuto, nil, func(o *Output) {
		if o.Err != nil {
			t.Fatalf("real implementation rejected the event: %v", o.Err)
		}
		realOut = append([]byte(nil), o.JSON...)
	})
	if realOut == nil {
		t.Fatal("real implementation emitted nothing")
	}

	var got, want map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("baseline output is not JSON: %v\n%s", err, out)
	}
	if err := json.Unmarshal(realOut, &want); err != nil {
		t.Fatalf("real output is not JSON: %v\n%s", err, realOut)
	}
	if reflect.DeepEqual(got, want) {
		return
	}
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	show := func(m map[string]any, k string) string {
		v, ok := m[k]
		if !ok {
			return "(absent)"
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	for _, k := range sorted {
		if !reflect.DeepEqual(got[k], want[k]) {
			t.Errorf("%s differs:\n baseline: %s\n     realOut: %s", k, show(got, k), show(want, k))
		}
	}
}

// TestBaselineCloudTrailRedacts checks the baseline does the redaction work
// the real implementation does, on a record with secrets in a URL and in
// secret keys.
func TestBaselineCloudTrailRedacts(t *testing.T) {
	var ev map[string]any
	if err := json.Unmarshal([]byte(testinput.CloudTrailEvent), &ev); err != nil {
		t.Fatal(err)
	}
	ev["requestParameters"].(map[string]any)["url"] = "https://acme-docs.s3.amazonaws.com/k?X-Amz-Date=20240314T092640Z&X-Amz-Signature=" + testinput.AccessLogSignature
	ev["responseElements"] = map[string]any{"credentials": map[string]any{"sessionToken": "IQoJb3JpZ2luX2VjEJr", "secretAccessKey": "wJalrXUtnFEMIK7MDENG"}}
	doc, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := baselineCloudTrail(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{testinput.AccessLogSignature, "IQoJb3JpZ2luX2VjEJr", "wJalrXUtnFEMIK7MDENG"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("baseline output leaks %q", secret)
		}
	}
	var realOut []byte
	New(DefaultOptions()).Normalize(doc, SourceAuto, nil, func(o *Output) { realOut = append([]byte(nil), o.JSON...) })
	var got, want map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	// encoding/json writes '&' as \u0026, so look at the decoded value.
	url := got["cloudtrail"].(map[string]any)["request_parameters"].(map[string]any)["url"]
	if url != "https://acme-docs.s3.amazonaws.com/k?X-Amz-Date=20240314T092640Z&X-Amz-Signature=REDACTED" {
		t.Errorf("baseline did not redact the URL as expected: %v", url)
	}
	if err := json.Unmarshal(realOut, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("baseline and real differ on a record with secrets:\n baseline: %s\n     real: %s", out, realOut)
	}
}
