package normalize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/normalize/detect"
	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
	"github.com/awsaudit/awsaudit/normalize/record"
)

// accessLine builds a 26-field access-log line from a base GetObject by
// DataReader on acme-data, with fields replaced by number (quoted fields
// take their quotes). A field set to "" is dropped, with every field after
// it, to make older, shorter lines.
func accessLine(over map[int]string) string {
	f := map[int]string{
		1: "5f1c7e2d9a8b4c3e6f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6", 2: "acme-data",
		3: "[03/Mar/2025:14:05:09 +0000]", 4: "203.0.113.7",
		5: "arn:aws:sts::111122223333:assumed-role/DataReader/carol", 6: "REQID00000000001",
		7: "REST.GET.OBJECT", 8: "reports/q1.csv", 9: `"GET /reports/q1.csv HTTP/1.1"`,
		10: "200", 11: "-", 12: "512", 13: "512", 14: "9", 15: "5", 16: `"-"`, 17: `"aws-cli/2.15.0"`,
		18: "-", 19: "HOSTID=", 20: "SigV4", 21: "ECDHE-RSA-AES128-GCM-SHA256", 22: "AuthHeader",
		23: "acme-data.s3.eu-west-1.amazonaws.com", 24: "TLSv1.3", 25: "-", 26: "-",
	}
	maps.Copy(f, over)
	var parts []string
	for i := 1; i <= 26; i++ {
		if f[i] == "" {
			break
		}
		parts = append(parts, f[i])
	}
	return strings.Join(parts, " ")
}

// ctEvent builds a CloudTrail record from a base GetObject by DataReader on
// acme-data with top-level keys replaced (nil deletes a key).
func ctEvent(over map[string]any) string {
	ev := map[string]any{
		"eventVersion": "1.09",
		"userIdentity": map[string]any{
			"type": "AssumedRole", "principalId": "AROAEXAMPLE:carol",
			"arn": "arn:aws:sts::111122223333:assumed-role/DataReader/carol", "accountId": "111122223333",
			"accessKeyId": "ASIAEXAMPLE",
		},
		"eventTime": "2025-03-03T14:05:09Z", "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
		"awsRegion": "eu-west-1", "sourceIPAddress": "203.0.113.7", "userAgent": "[aws-cli/2.15.0]",
		"requestParameters":   map[string]any{"bucketName": "acme-data", "key": "reports/q1.csv"},
		"additionalEventData": map[string]any{"AuthenticationMethod": "AuthHeader", "x-amz-id-2": "HOSTID="},
		"requestID":           "REQID00000000001", "eventID": "0b2e-1", "readOnly": true,
		"eventType": "AwsApiCall", "recipientAccountId": "111122223333",
	}
	for k, v := range over {
		if v == nil {
			delete(ev, k)
		} else {
			ev[k] = v
		}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func role(name string) map[string]any {
	return map[string]any{"type": "AssumedRole", "principalId": "AROAEXAMPLE:s",
		"arn": "arn:aws:sts::111122223333:assumed-role/" + name + "/s", "accountId": "111122223333"}
}

// alertsOf normalizes one input with rules r and returns its alerts (also
// checking that the record's "alerts" field says the same).
func alertsOf(t *testing.T, n *Normalizer, input string) []string {
	t.Helper()
	var got []string
	count := 0
	n.Normalize([]byte(input), SourceAuto, nil, func(o *Output) {
		count++
		if o.Err != nil {
			t.Fatalf("rejected: %v\n%s", o.Err, input)
		}
		got = slices.Clone(o.Alerts)
		validateUnified(t, o.JSON)
		var rec struct {
			Alerts []string `json:"alerts"`
		}
		if err := json.Unmarshal(o.JSON, &rec); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rec.Alerts, got) {
			t.Errorf("record alerts %v, Output.Alerts %v", rec.Alerts, got)
		}
	})
	if count != 1 {
		t.Fatalf("%d outputs", count)
	}
	return got
}

type ruleCase struct {
	name   string
	input  string
	config func(*detect.Config) // changes to the base config; nil keeps it
	want   []string
}

// allRulesOn is the defaults with every rule on, the slow_request
// threshold of the test lines (15 ms) and PutObjectAcl watched: what the
// table and golden tests exercise.
func allRulesOn() detect.Config {
	c := detect.DefaultConfig()
	c.AnonymousAccess.Enabled = true
	c.AccessDenied.Enabled = true
	c.SlowRequest.Enabled, c.SlowRequest.ThresholdMS = true, 15
	c.PublicExposureChange.Actions = append(c.PublicExposureChange.Actions, "PutObjectAcl")
	return c
}

// ruleBase is the base config of the table tests: every rule on with the
// defaults, the rate rule off (it has its own test), and one allow-listed
// bucket.
func ruleBase() detect.Config {
	c := allRulesOn()
	c.AccessDenied.Rate.Enabled = false
	c.Buckets = []detect.BucketConfig{
		{Name: "acme-data", Requesters: []string{"role:DataReader"}, Writers: []string{"role:DataWriter"}},
	}
	return c
}

func runRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := ruleBase()
			if c.config != nil {
				c.config(&cfg)
			}
			r, err := detect.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			n := New(Options{Redact: true, Rules: r})
			if got := alertsOf(t, n, c.input); !slices.Equal(got, c.want) {
				t.Errorf("alerts %v, want %v\ninput: %s", got, c.want, c.input)
			}
		})
	}
}

func off(rule func(*detect.Config) *detect.RuleConfig) func(*detect.Config) {
	return func(c *detect.Config) { rule(c).Enabled = false }
}

func TestRuleAnonymousAccess(t *testing.T) {
	anon := map[string]any{"type": "AWSAccount", "principalId": "", "accountId": "ANONYMOUS_PRINCIPAL"}
	runRuleCases(t, []ruleCase{
		{name: "access log: requester -", input: accessLine(map[int]string{2: "public", 5: "-"}), want: []string{"anonymous_access"}},
		{name: "access log: authenticated", input: accessLine(map[int]string{2: "public"}), want: nil},
		{name: "access log: off", input: accessLine(map[int]string{2: "public", 5: "-"}),
			config: off(func(c *detect.Config) *detect.RuleConfig { return &c.AnonymousAccess }), want: nil},
		{name: "cloudtrail: ANONYMOUS_PRINCIPAL", input: ctEvent(map[string]any{"userIdentity": anon,
			"requestParameters": map[string]any{"bucketName": "public"}}), want: []string{"anonymous_access"}},
		{name: "cloudtrail: authenticated", input: ctEvent(map[string]any{"requestParameters": map[string]any{"bucketName": "public"}}), want: nil},
	})
}

func TestRuleAccessDenied(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{name: "access log: AccessDenied", input: accessLine(map[int]string{10: "403", 11: "AccessDenied"}), want: []string{"access_denied"}},
		{name: "access log: SignatureDoesNotMatch", input: accessLine(map[int]string{10: "403", 11: "SignatureDoesNotMatch"}), want: []string{"access_denied"}},
		{name: "access log: AllAccessDisabled", input: accessLine(map[int]string{10: "403", 11: "AllAccessDisabled"}), want: []string{"access_denied"}},
		{name: "access log: NoSuchKey", input: accessLine(map[int]string{10: "404", 11: "NoSuchKey"}), want: nil},
		{name: "access log: own code list", input: accessLine(map[int]string{10: "404", 11: "NoSuchKey"}),
			config: func(c *detect.Config) { c.AccessDenied.ErrorCodes = []string{"NoSuchKey"} }, want: []string{"access_denied"}},
		{name: "access log: off", input: accessLine(map[int]string{10: "403", 11: "AccessDenied"}),
			config: off(func(c *detect.Config) *detect.RuleConfig { return &c.AccessDenied.RuleConfig }), want: nil},
		{name: "cloudtrail: AccessDenied", input: ctEvent(map[string]any{"errorCode": "AccessDenied", "errorMessage": "Access Denied"}), want: []string{"access_denied"}},
		{name: "cloudtrail: InvalidAccessKeyId", input: ctEvent(map[string]any{"errorCode": "InvalidAccessKeyId"}), want: []string{"access_denied"}},
		{name: "cloudtrail: AccessDeniedException", input: ctEvent(map[string]any{"eventSource": "kms.amazonaws.com", "eventName": "Decrypt",
			"errorCode": "AccessDeniedException", "requestParameters": nil}), want: []string{"access_denied"}},
		{name: "cloudtrail: NoSuchBucket", input: ctEvent(map[string]any{"errorCode": "NoSuchBucket"}), want: nil},
	})
}

func TestRuleSlowRequest(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{name: "access log: at threshold", input: accessLine(map[int]string{15: "15"}), want: []string{"slow_request"}},
		{name: "access log: above", input: accessLine(map[int]string{14: "900", 15: "870"}), want: []string{"slow_request"}},
		{name: "access log: below", input: accessLine(map[int]string{15: "14"}), want: nil},
		{name: "access log: no turn-around time", input: accessLine(map[int]string{15: "-"}), want: nil},
		{name: "access log: own threshold", input: accessLine(map[int]string{15: "15"}),
			config: func(c *detect.Config) { c.SlowRequest.ThresholdMS = 100 }, want: nil},
		{name: "access log: off", input: accessLine(map[int]string{15: "500"}),
			config: off(func(c *detect.Config) *detect.RuleConfig { return &c.SlowRequest.RuleConfig }), want: nil},
		// CloudTrail does not log request timings: the rule never fires there.
		{name: "cloudtrail: no timings", input: ctEvent(nil), want: nil},
	})
}

func TestRuleUnexpectedRequesterAndWrite(t *testing.T) {
	put := func(over map[int]string) string {
		m := map[int]string{7: "REST.PUT.OBJECT", 9: `"PUT /reports/q1.csv HTTP/1.1"`}
		maps.Copy(m, over)
		return accessLine(m)
	}
	ctPut := func(over map[string]any) string {
		m := map[string]any{"eventName": "PutObject", "readOnly": false}
		maps.Copy(m, over)
		return ctEvent(m)
	}
	runRuleCases(t, []ruleCase{
		{name: "access log: allowed reader reads", input: accessLine(nil), want: nil},
		{name: "access log: other role reads", input: accessLine(map[int]string{5: "arn:aws:sts::111122223333:assumed-role/Intruder/x"}),
			want: []string{"unexpected_requester"}},
		{name: "access log: reader writes", input: put(nil), want: []string{"unexpected_write"}},
		{name: "access log: writer writes", input: put(map[int]string{5: "arn:aws:sts::111122223333:assumed-role/DataWriter/ci"}), want: nil},
		{name: "access log: stranger writes", input: put(map[int]string{5: "arn:aws:iam::999988887777:user/mallory"}),
			want: []string{"unexpected_requester", "unexpected_write"}},
		{name: "access log: anonymous", input: accessLine(map[int]string{5: "-"}), want: []string{"anonymous_access", "unexpected_requester"}},
		{name: "access log: bucket not listed", input: put(map[int]string{2: "other-bucket", 5: "arn:aws:iam::999988887777:user/mallory"}), want: nil},
		{name: "access log: lifecycle expiry by S3", input: accessLine(map[int]string{5: "AmazonS3", 7: "S3.EXPIRE.OBJECT", 9: `"-"`, 10: "-"}),
			want: []string{"unexpected_requester", "unexpected_write"}},
		{name: "access log: lifecycle allowed by service:*", input: accessLine(map[int]string{5: "AmazonS3", 7: "S3.EXPIRE.OBJECT", 9: `"-"`, 10: "-"}),
			config: func(c *detect.Config) { c.Buckets[0].Requesters = append(c.Buckets[0].Requesters, "service:*") },
			want:   []string{"unexpected_write"}},
		{name: "access log: writers default to requesters", input: put(nil),
			config: func(c *detect.Config) { c.Buckets[0].Writers = nil }, want: nil},
		{name: "access log: empty writers forbid every write", input: put(map[int]string{5: "arn:aws:sts::111122223333:assumed-role/DataWriter/ci"}),
			config: func(c *detect.Config) {
				c.Buckets[0].Requesters = []string{"role:DataWriter"}
				c.Buckets[0].Writers = []string{}
			},
			want: []string{"unexpected_write"}},
		{name: "access log: write actions restricted", input: put(nil),
			config: func(c *detect.Config) { c.UnexpectedWrite.Actions = []string{"DeleteObject"} }, want: nil},
		{name: "access log: glob bucket and account pattern", input: accessLine(map[int]string{2: "team-blue", 5: "arn:aws:iam::444455556666:user/dave"}),
			config: func(c *detect.Config) {
				c.Buckets = []detect.BucketConfig{{Name: "team-*", Requesters: []string{"444455556666"}}}
			},
			want: nil},
		{name: "access log: role ARN pattern matches its sessions", input: accessLine(nil),
			config: func(c *detect.Config) {
				c.Buckets[0].Requesters = []string{"arn:aws:iam::111122223333:role/Data*"}
			},
			want: nil},
		{name: "access log: user pattern, case-insensitive", input: accessLine(map[int]string{5: "arn:aws:iam::111122223333:user/ops/Backup-Agent"}),
			config: func(c *detect.Config) { c.Buckets[0].Requesters = []string{"user:backup-*"} }, want: nil},
		{name: "access log: canonical id", input: accessLine(map[int]string{5: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}),
			config: func(c *detect.Config) {
				c.Buckets[0].Requesters = []string{"canonical:79A59DF900B949E55D96A1E698FBACEDFD6E09D98EACF8F8D5218E7CD47EF2BE"}
			},
			want: nil},
		{name: "access log: requester rule off", input: put(map[int]string{5: "arn:aws:iam::999988887777:user/mallory"}),
			config: off(func(c *detect.Config) *detect.RuleConfig { return &c.UnexpectedRequester }), want: []string{"unexpected_write"}},
		{name: "cloudtrail: allowed reader reads", input: ctEvent(nil), want: nil},
		{name: "cloudtrail: other account reads", input: ctEvent(map[string]any{"userIdentity": map[string]any{
			"type": "IAMUser", "arn": "arn:aws:iam::999988887777:user/mallory", "accountId": "999988887777", "userName": "mallory"}}),
			want: []string{"unexpected_requester"}},
		{name: "cloudtrail: reader deletes", input: ctPut(map[string]any{"eventName": "DeleteObject"}), want: []string{"unexpected_write"}},
		{name: "cloudtrail: writer writes", input: ctPut(map[string]any{"userIdentity": role("DataWriter")}), want: nil},
		{name: "cloudtrail: stranger writes", input: ctPut(map[string]any{"userIdentity": role("Intruder")}),
			want: []string{"unexpected_requester", "unexpected_write"}},
		{name: "cloudtrail: readOnly absent, write by eventName", input: ctPut(map[string]any{"readOnly": nil}), want: []string{"unexpected_write"}},
		{name: "cloudtrail: service invoked", input: ctPut(map[string]any{
			"userIdentity": map[string]any{"type": "AWSService", "invokedBy": "backup.amazonaws.com"}, "sourceIPAddress": "backup.amazonaws.com"}),
			config: func(c *detect.Config) { c.Buckets[0].Writers = []string{"service:backup.amazonaws.com"} },
			want:   nil},
	})
}

func TestRulePresignedURL(t *testing.T) {
	presignedURI := `"GET /reports/q1.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20250303&X-Amz-Signature=abc HTTP/1.1"`
	runRuleCases(t, []ruleCase{
		{name: "access log: QueryString", input: accessLine(map[int]string{9: presignedURI, 22: "QueryString"}), want: []string{"presigned_url"}},
		{name: "access log: AuthHeader", input: accessLine(nil), want: nil},
		{name: "access log: 2009 line, signature in URI", input: accessLine(map[int]string{9: presignedURI, 18: ""}), want: []string{"presigned_url"}},
		{name: "access log: 2009 line, SigV2 signature in URI",
			input: accessLine(map[int]string{9: `"GET /reports/q1.csv?AWSAccessKeyId=AKIA&Expires=1&Signature=x HTTP/1.1"`, 18: ""}), want: []string{"presigned_url"}},
		{name: "access log: 2009 line, plain URI", input: accessLine(map[int]string{18: ""}), want: nil},
		{name: "access log: off", input: accessLine(map[int]string{9: presignedURI, 22: "QueryString"}),
			config: off(func(c *detect.Config) *detect.RuleConfig { return &c.PresignedURL }), want: nil},
		{name: "cloudtrail: QueryString", input: ctEvent(map[string]any{"additionalEventData": map[string]any{"AuthenticationMethod": "QueryString"}}),
			want: []string{"presigned_url"}},
		{name: "cloudtrail: AuthHeader", input: ctEvent(nil), want: nil},
	})
}

func TestRulePublicExposureChange(t *testing.T) {
	bucketOp := func(op, method, uri string, over map[int]string) string {
		m := map[int]string{7: op, 8: "-", 9: `"` + method + ` ` + uri + ` HTTP/1.1"`, 10: "204",
			5: "arn:aws:sts::111122223333:assumed-role/DataWriter/ci"}
		maps.Copy(m, over)
		return accessLine(m)
	}
	ctOp := func(name string, over map[string]any) string {
		m := map[string]any{"eventName": name, "readOnly": false, "userIdentity": role("DataWriter"),
			"requestParameters": map[string]any{"bucketName": "acme-data"}}
		maps.Copy(m, over)
		return ctEvent(m)
	}
	runRuleCases(t, []ruleCase{
		{name: "access log: PutBucketPolicy", input: bucketOp("REST.PUT.BUCKETPOLICY", "PUT", "/?policy", nil), want: []string{"public_exposure_change"}},
		{name: "access log: PutBucketAcl", input: bucketOp("REST.PUT.ACL", "PUT", "/?acl", nil), want: []string{"public_exposure_change"}},
		{name: "access log: PutObjectAcl", input: bucketOp("REST.PUT.ACL", "PUT", "/reports/q1.csv?acl", map[int]string{8: "reports/q1.csv"}),
			want: []string{"public_exposure_change"}},
		{name: "access log: DeletePublicAccessBlock", input: bucketOp("REST.DELETE.PUBLIC_ACCESS_BLOCK", "DELETE", "/?publicAccessBlock", nil),
			want: []string{"public_exposure_change"}},
		{name: "access log: PutBucketOwnershipControls", input: bucketOp("REST.PUT.OWNERSHIP_CONTROLS", "PUT", "/?ownershipControls", nil),
			want: []string{"public_exposure_change"}},
		{name: "access log: GetBucketPolicy", input: bucketOp("REST.GET.BUCKETPOLICY", "GET", "/?policy", nil), want: nil},
		{name: "access log: denied change", input: bucketOp("REST.PUT.BUCKETPOLICY", "PUT", "/?policy", map[int]string{10: "403", 11: "AccessDenied"}),
			want: []string{"access_denied"}},
		{name: "access log: denied change with include_failures", input: bucketOp("REST.PUT.BUCKETPOLICY", "PUT", "/?policy", map[int]string{10: "403", 11: "AccessDenied"}),
			config: func(c *detect.Config) { c.PublicExposureChange.IncludeFailures = true },
			want:   []string{"access_denied", "public_exposure_change"}},
		{name: "cloudtrail: PutBucketPublicAccessBlock", input: ctOp("PutBucketPublicAccessBlock", nil), want: []string{"public_exposure_change"}},
		{name: "cloudtrail: DeleteBucketPolicy", input: ctOp("DeleteBucketPolicy", nil), want: []string{"public_exposure_change"}},
		{name: "cloudtrail: PutAccountPublicAccessBlock", input: ctOp("PutAccountPublicAccessBlock",
			map[string]any{"eventSource": "s3control.amazonaws.com", "requestParameters": nil}), want: []string{"public_exposure_change"}},
		{name: "cloudtrail: GetBucketAcl", input: ctOp("GetBucketAcl", map[string]any{"readOnly": true}), want: nil},
		{name: "cloudtrail: own action list", input: ctOp("PutBucketCors", nil),
			config: func(c *detect.Config) { c.PublicExposureChange.Actions = []string{"PutBucketCors"} }, want: []string{"public_exposure_change"}},
	})
}

func TestRuleAuditTampering(t *testing.T) {
	trail := func(name string, over map[string]any) string {
		m := map[string]any{"eventSource": "cloudtrail.amazonaws.com", "eventName": name, "readOnly": false,
			"userIdentity": role("Admin"), "requestParameters": map[string]any{"name": "org-trail"}, "additionalEventData": nil}
		maps.Copy(m, over)
		return ctEvent(m)
	}
	logging := func(status map[string]any) string {
		return ctEvent(map[string]any{"eventName": "PutBucketLogging", "readOnly": false, "userIdentity": role("DataWriter"),
			"requestParameters": map[string]any{"bucketName": "acme-data", "BucketLoggingStatus": status, "logging": ""}})
	}
	runRuleCases(t, []ruleCase{
		{name: "cloudtrail: StopLogging", input: trail("StopLogging", nil), want: []string{"audit_tampering"}},
		{name: "cloudtrail: DeleteTrail", input: trail("DeleteTrail", nil), want: []string{"audit_tampering"}},
		{name: "cloudtrail: UpdateTrail", input: trail("UpdateTrail", nil), want: []string{"audit_tampering"}},
		{name: "cloudtrail: denied StopLogging", input: trail("StopLogging", map[string]any{"errorCode": "AccessDenied"}),
			want: []string{"access_denied", "audit_tampering"}},
		{name: "cloudtrail: denied StopLogging, failures excluded", input: trail("StopLogging", map[string]any{"errorCode": "AccessDenied"}),
			config: func(c *detect.Config) { c.AuditTampering.IncludeFailures = false }, want: []string{"access_denied"}},
		{name: "cloudtrail: StartLogging", input: trail("StartLogging", nil), want: nil},
		{name: "cloudtrail: LookupEvents", input: trail("LookupEvents", map[string]any{"readOnly": true}), want: nil},
		{name: "cloudtrail: PutBucketLogging without target", input: logging(map[string]any{"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"}),
			want: []string{"audit_tampering"}},
		{name: "cloudtrail: PutBucketLogging with target", input: logging(map[string]any{
			"LoggingEnabled": map[string]any{"TargetBucket": "acme-logs", "TargetPrefix": "acme-data/"}}), want: nil},
		{name: "cloudtrail: PutBucketLogging, option off", input: logging(map[string]any{}),
			config: func(c *detect.Config) { c.AuditTampering.PutBucketLogging = false }, want: nil},
		{name: "access log: PutBucketLogging (target unknowable)", input: accessLine(map[int]string{7: "REST.PUT.LOGGING_STATUS", 8: "-",
			9: `"PUT /?logging HTTP/1.1"`, 5: "arn:aws:sts::111122223333:assumed-role/DataWriter/ci"}), want: []string{"audit_tampering"}},
		{name: "access log: PutBucketLogging, option off", input: accessLine(map[int]string{7: "REST.PUT.LOGGING_STATUS", 8: "-",
			9: `"PUT /?logging HTTP/1.1"`, 5: "arn:aws:sts::111122223333:assumed-role/DataWriter/ci"}),
			config: func(c *detect.Config) { c.AuditTampering.PutBucketLogging = false }, want: nil},
		{name: "access log: GetBucketLogging", input: accessLine(map[int]string{7: "REST.GET.LOGGING_STATUS", 8: "-", 9: `"GET /?logging HTTP/1.1"`}), want: nil},
	})
}

// TestRuleAccessDeniedRate: more than Threshold denials of one principal or
// IP within the window, counted across both sources in record time.
func TestRuleAccessDeniedRate(t *testing.T) {
	newN := func(set func(*detect.RateConfig)) *Normalizer {
		cfg := detect.Config{AccessDenied: detect.AccessDeniedConfig{ErrorCodes: []string{"AccessDenied"}, Rate: detect.RateConfig{
			RuleConfig: detect.RuleConfig{Enabled: true}, Threshold: 2, Window: time.Minute, ByPrincipal: true, ByIP: true, MaxKeys: 100}}}
		if set != nil {
			set(&cfg.AccessDenied.Rate)
		}
		r, err := detect.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return New(Options{Redact: true, Rules: r})
	}
	deniedAL := func(at, requester, ip string) string {
		return accessLine(map[int]string{3: "[03/Mar/2025:14:" + at + " +0000]", 4: ip, 5: requester, 10: "403", 11: "AccessDenied"})
	}
	deniedCT := func(at, arn, ip string) string {
		return ctEvent(map[string]any{"eventTime": "2025-03-03T14:" + at + "Z", "sourceIPAddress": ip, "errorCode": "AccessDenied",
			"userIdentity": map[string]any{"type": "AssumedRole", "arn": arn, "accountId": "111122223333"}})
	}
	const carol = "arn:aws:sts::111122223333:assumed-role/DataReader/carol"
	const dave = "arn:aws:sts::111122223333:assumed-role/DataReader/dave"
	steps := func(t *testing.T, n *Normalizer, steps []struct {
		input string
		fire  bool
	}) {
		t.Helper()
		for i, s := range steps {
			got := alertsOf(t, n, s.input)
			if fired := slices.Contains(got, "access_denied_rate"); fired != s.fire {
				t.Errorf("step %d: access_denied_rate %v, want %v (alerts %v)", i, fired, s.fire, got)
			}
		}
	}
	type step = struct {
		input string
		fire  bool
	}
	t.Run("one principal, both sources", func(t *testing.T) {
		steps(t, newN(nil), []step{
			{deniedAL("05:00", carol, "203.0.113.1"), false},
			{deniedCT("05:10", carol, "203.0.113.2"), false},
			{deniedAL("05:20", carol, "203.0.113.3"), true}, // third within a minute
			{deniedCT("05:30", carol, "203.0.113.4"), true},
			{deniedAL("07:00", carol, "203.0.113.5"), false}, // the window slid past
		})
	})
	t.Run("one IP, many principals", func(t *testing.T) {
		steps(t, newN(nil), []step{
			{deniedAL("05:00", carol, "198.51.100.9"), false},
			{deniedAL("05:01", dave, "198.51.100.9"), false},
			{deniedCT("05:02", "arn:aws:iam::111122223333:user/erin", "198.51.100.9"), true},
		})
	})
	t.Run("anonymous counts by IP", func(t *testing.T) {
		steps(t, newN(nil), []step{
			{deniedAL("05:00", "-", "198.51.100.9"), false},
			{deniedAL("05:01", "-", "198.51.100.9"), false},
			{deniedAL("05:02", "-", "198.51.100.9"), true},
		})
	})
	t.Run("by principal only", func(t *testing.T) {
		steps(t, newN(func(r *detect.RateConfig) { r.ByIP = false }), []step{
			{deniedAL("05:00", carol, "198.51.100.9"), false},
			{deniedAL("05:01", dave, "198.51.100.9"), false},
			{deniedAL("05:02", "-", "198.51.100.9"), false},
		})
	})
	t.Run("exactly the threshold is not more", func(t *testing.T) {
		steps(t, newN(func(r *detect.RateConfig) { r.ByIP = false }), []step{
			{deniedAL("05:00", carol, "203.0.113.1"), false},
			{deniedAL("06:00", carol, "203.0.113.1"), false}, // 60 s later: outside (t-window, t]
			{deniedAL("06:30", carol, "203.0.113.1"), false},
			{deniedAL("06:59", carol, "203.0.113.1"), true},
		})
	})
	t.Run("successes do not count", func(t *testing.T) {
		steps(t, newN(nil), []step{
			{accessLine(nil), false}, {accessLine(nil), false}, {accessLine(nil), false},
		})
	})
}

// TestRateWindowConcurrent exercises the window from many goroutines (the
// plugin's workers share one Rules); run with -race.
func TestRateWindowConcurrent(t *testing.T) {
	r, err := detect.New(detect.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	line := accessLine(map[int]string{10: "403", 11: "AccessDenied"})
	var wg sync.WaitGroup
	fired := make([]int, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := New(Options{Redact: true, Rules: r})
			for range 100 {
				n.Normalize([]byte(line), SourceAuto, nil, func(o *Output) {
					if slices.Contains(o.Alerts, "access_denied_rate") {
						fired[g]++
					}
				})
			}
		}()
	}
	wg.Wait()
	// 400 denials at one time: all but the first Threshold fire.
	total := fired[0] + fired[1] + fired[2] + fired[3]
	if total != 400-detect.DefaultRateThreshold {
		t.Errorf("%d records fired, want %d", total, 400-detect.DefaultRateThreshold)
	}
}

// TestRulesAllocations: with every rule on, the access-log and CloudTrail
// paths stay allocation-free (the rate window allocates only for a new
// key).
func TestRulesAllocations(t *testing.T) {
	r, err := detect.New(allRulesOn())
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{testinput.AccessLogLine, testinput.PresignedLine, accessLine(map[int]string{10: "403", 11: "AccessDenied"}), testinput.CloudTrailEvent} {
		n := New(Options{Redact: true, KeyPath: "bucket.name", Rules: r})
		emit := func(o *Output) {
			if o.Err != nil {
				t.Fatal(o.Err)
			}
		}
		b := []byte(line)
		n.Normalize(b, SourceAuto, nil, emit)
		if allocs := testing.AllocsPerRun(200, func() { n.Normalize(b, SourceAuto, nil, emit) }); allocs > 0 {
			t.Errorf("%.1f allocations per line with rules on, want 0: %.60s", allocs, line)
		}
	}
}

// TestReadmeListsEveryAlert keeps the README's table of rules complete.
func TestReadmeListsEveryAlert(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range record.AlertNames() {
		if !strings.Contains(string(readme), "| `"+name+"` |") {
			t.Errorf("README.md's rules table has no row for %s", name)
		}
	}
}

// TestUnexpectedSourceRegion checks a bucket's source_regions make a
// request from another region an unexpected_requester, for buckets that
// list source regions and records that carry one.
func TestUnexpectedSourceRegion(t *testing.T) {
	cfg := detect.DefaultConfig()
	anyone := []string{"role:DataReader", "anonymous"}
	cfg.Buckets = []detect.BucketConfig{
		{Name: "acme-media", Requesters: anyone, SourceRegions: []string{"eu-central-1", "EU-West-*"}},
		{Name: "open-bucket", Requesters: anyone},
	}
	rules := mustRules(cfg)
	withRegion := func(bucket, region string) string {
		line := accessLine(map[int]string{2: bucket})
		if region != "" {
			line += " " + region
		}
		return line
	}
	tests := []struct {
		name, input string
		fires       bool
	}{
		{"listed region", withRegion("acme-media", "eu-central-1"), false},
		{"region matching a glob, any case", withRegion("acme-media", "eu-west-3"), false},
		{"other region", withRegion("acme-media", "ap-southeast-2"), true},
		{"no source region (26 fields)", withRegion("acme-media", ""), false},
		{"field 27 not a region code", withRegion("acme-media", "Yes"), false},
		{"bucket without source_regions", withRegion("open-bucket", "ap-southeast-2"), false},
		{"bucket without an entry", withRegion("other", "ap-southeast-2"), false},
		{"CloudWatch JSON, other region", `{"schema_version_id":"V_1_0","bucket_name":"acme-media","request_id":"R","operation":"REST.GET.OBJECT","source_region":"us-west-2"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := DefaultOptions()
			opts.Rules = rules
			rs := normalizeAll(New(opts), []byte(tt.input), SourceAuto)
			if len(rs) != 1 || rs[0].err != nil {
				t.Fatalf("outputs %+v", rs)
			}
			fired := strings.Contains(string(rs[0].json), `"unexpected_requester"`)
			if fired != tt.fires {
				t.Errorf("fired = %v, want %v\n%s", fired, tt.fires, rs[0].json)
			}
		})
	}
	cfg.Buckets = []detect.BucketConfig{{Name: "b", SourceRegions: []string{"not a region"}}}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "buckets[0].source_regions[0]") {
		t.Errorf("Validate() = %v, want an error naming buckets[0].source_regions[0]", err)
	}
}

// The built-in rules are meant to stay on: each one on by default fires on
// under 1% of ordinary traffic, measured on the deterministic generated
// corpus (access logs and CloudTrail, the benchmark's generator). The
// published samples are too few and too hand-picked for a rate; their
// firing counts are logged for the record.
func TestDefaultRulesFireRarely(t *testing.T) {
	gen := buildGenerator(t)
	rules, err := detect.New(detect.DefaultConfig())
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
	all, err := detect.New(allRulesOn())
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
func fireCounts(t *testing.T, rules *detect.Rules, data []byte, src Source) (records int, fired map[string]int) {
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
