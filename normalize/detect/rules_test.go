package detect

import (
	"slices"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/normalize/record"
)

// allRulesOn is the defaults with every rule on.
func allRulesOn() Config {
	c := DefaultConfig()
	c.AnonymousAccess.Enabled = true
	c.AccessDenied.Enabled = true
	c.SlowRequest.Enabled = true
	return c
}

func TestRulesValidate(t *testing.T) {
	cases := map[string]struct {
		edit func(*Config)
		want string
	}{
		"severity":          {func(c *Config) { c.SlowRequest.Severity = 9 }, "rules.slow_request.severity"},
		"threshold":         {func(c *Config) { c.AccessDenied.Rate.Threshold = 0 }, "rules.access_denied.rate.threshold"},
		"window":            {func(c *Config) { c.AccessDenied.Rate.Window = 0 }, "rules.access_denied.rate.window"},
		"max keys":          {func(c *Config) { c.AccessDenied.Rate.MaxKeys = 0 }, "rules.access_denied.rate.max_keys"},
		"memory bound":      {func(c *Config) { c.AccessDenied.Rate.MaxKeys, c.AccessDenied.Rate.Threshold = 1000000, 1000 }, "memory bound"},
		"by nothing":        {func(c *Config) { c.AccessDenied.Rate.ByIP, c.AccessDenied.Rate.ByPrincipal = false, false }, "rules.access_denied.rate.by"},
		"no error codes":    {func(c *Config) { c.AccessDenied.ErrorCodes = nil }, "rules.access_denied.error_codes"},
		"slow threshold":    {func(c *Config) { c.SlowRequest.ThresholdMS = 0 }, "rules.slow_request.threshold_ms"},
		"empty action list": {func(c *Config) { c.PublicExposureChange.Actions = nil }, "rules.public_exposure_change.actions"},
		"bad action":        {func(c *Config) { c.AuditTampering.Actions = []string{"Stop Logging"} }, "rules.audit_tampering.actions[0]"},
		"bucket without name": {func(c *Config) { c.Buckets = []BucketConfig{{Requesters: []string{"role:x"}}} },
			"buckets[0].name"},
		"duplicate bucket": {func(c *Config) { c.Buckets = []BucketConfig{{Name: "a"}, {Name: "a"}} }, "buckets[1].name"},
		"bad pattern": {func(c *Config) { c.Buckets = []BucketConfig{{Name: "a", Requesters: []string{"bob"}}} },
			"buckets[0].requesters[0]"},
		"bad writer pattern": {func(c *Config) { c.Buckets = []BucketConfig{{Name: "a", Writers: []string{"role:"}}} },
			"buckets[0].writers[0]"},
		"short ARN": {func(c *Config) { c.Buckets = []BucketConfig{{Name: "a", Requesters: []string{"arn:aws:iam"}}} },
			"buckets[0].requesters[0]"},
	}
	for name, c := range cases {
		cfg := allRulesOn()
		c.edit(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %q", name, err, c.want)
		}
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: NewRules accepted it", name)
		}
	}
	// All problems at once.
	cfg := allRulesOn()
	cfg.SlowRequest.ThresholdMS = 0
	cfg.AccessDenied.Rate.Window = 0
	if err := cfg.Validate(); err == nil || len(err.(interface{ Unwrap() []error }).Unwrap()) != 2 {
		t.Errorf("want both problems joined, got %v", err)
	}
	def := DefaultConfig()
	if err := def.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestNewRulesNothingEnabled(t *testing.T) {
	r, err := New(Config{})
	if err != nil || r != nil {
		t.Errorf("New(zero) = %v, %v; want nil, nil", r, err)
	}
	if r.Enabled() != nil {
		t.Error("nil Rules lists enabled alerts")
	}
	r, err = New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	// The rules that fire on much of ordinary traffic are off by default.
	want := []string{"access_denied_rate", "unexpected_requester", "unexpected_write", "presigned_url", "public_exposure_change", "audit_tampering"}
	if got := r.Enabled(); !slices.Equal(got, want) {
		t.Errorf("defaults enable %v, want %v", got, want)
	}
	if r, _ = New(allRulesOn()); !slices.Equal(r.Enabled(), record.AlertNames()) {
		t.Errorf("every rule on enables %v, want %v", r.Enabled(), record.AlertNames())
	}
	if r.Severity(record.AlertAuditTampering) != SeverityHigh || r.Severity(record.AlertSlowRequest) != SeverityInformational {
		t.Error("default severities")
	}
	cfg := allRulesOn()
	cfg.SlowRequest.Severity = SeverityCritical
	r, _ = New(cfg)
	if r.Severity(record.AlertSlowRequest) != SeverityCritical {
		t.Error("severity override ignored")
	}
}

func TestParseSeverity(t *testing.T) {
	for i, name := range []string{"informational", "Low", "MEDIUM", "high", " critical "} {
		if s, err := ParseSeverity(name); err != nil || s != Severity(i+1) {
			t.Errorf("ParseSeverity(%q) = %v, %v", name, s, err)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("ParseSeverity(severe) succeeded")
	}
}

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		fold, want bool
	}{
		{"acme-*", "acme-data", false, true},
		{"acme-*", "acme-", false, true},
		{"acme-*", "acm", false, false},
		{"*", "", false, true},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"arn:aws:sts::*:assumed-role/Data*/*", "arn:aws:sts::111122223333:assumed-role/DataReader/carol", false, true},
		{"arn:aws:sts::*:assumed-role/Data*/*", "arn:aws:sts::111122223333:assumed-role/Admin/carol", false, false},
		{"*a*b*c*", "xxaxxbxxcxx", false, true},
		{"*a*b*c", "xxaxxbxxcxx", false, false},
		{"DataReader", "datareader", true, true},
		{"DataReader", "datareader", false, false},
		{"", "x", false, false},
	}
	for _, c := range cases {
		if got := globMatch(c.pattern, []byte(c.s), c.fold); got != c.want {
			t.Errorf("globMatch(%q, %q, %v) = %v", c.pattern, c.s, c.fold, got)
		}
	}
}

func TestRegionPatternOK(t *testing.T) {
	for r, want := range map[string]bool{
		"eu-west-1": true, "us-gov-east-1": true, "cn-north-1": true, "ap-southeast-4": true,
		"eu-*": true, "us-gov-*": true, "eu-west-*": true, "*": false,
		"mars": false, "eu-west": false, "useast1": false, "EU-west-1": true, "eu--west-1": false, "1u-west-1": false, "eu-west-1a": false,
	} {
		if got := regionPatternOK(r); got != want {
			t.Errorf("regionPatternOK(%q) = %v, want %v", r, got, want)
		}
	}
}
