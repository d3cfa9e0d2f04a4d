package conf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/awsaudit/awsaudit/normalize/detect"
	"gopkg.in/yaml.v3"
)

// The rules file (Rules_File) is YAML:
//
//	version: 1                  # optional; 1 is the only version
//	rules:
//	  anonymous_access: {enabled: true, severity: medium}
//	  access_denied:
//	    error_codes: [AccessDenied, AllAccessDisabled, SignatureDoesNotMatch]
//	    rate: {threshold: 10, window: 1m, by: [principal, ip], max_keys: 10000}
//	  slow_request: {threshold_ms: 15}
//	  unexpected_requester: {}
//	  unexpected_write: {actions: []}
//	  presigned_url: {}
//	  public_exposure_change: {actions: [...], include_failures: false}
//	  audit_tampering: {actions: [...], put_bucket_logging: true, include_failures: true}
//	buckets:
//	  - name: acme-reports      # or a glob: logs-*
//	    requesters: [role:DataReader, "arn:aws:iam::111122223333:user/ops-*", service:*]
//	    writers: [role:DataWriter]
//
// A rule or setting the file leaves out keeps its built-in value
// (detect.DefaultConfig), so a file only says what differs. Unknown
// keys are errors, so a typo cannot silently leave a rule at its default.

type rulesFile struct {
	Version *int `yaml:"version"`
	Rules   struct {
		AnonymousAccess      *ruleYAML            `yaml:"anonymous_access"`
		AccessDenied         *accessDeniedYAML    `yaml:"access_denied"`
		SlowRequest          *slowRequestYAML     `yaml:"slow_request"`
		UnexpectedRequester  *ruleYAML            `yaml:"unexpected_requester"`
		UnexpectedWrite      *unexpectedWriteYAML `yaml:"unexpected_write"`
		PresignedURL         *ruleYAML            `yaml:"presigned_url"`
		PublicExposureChange *actionRuleYAML      `yaml:"public_exposure_change"`
		AuditTampering       *auditTamperingYAML  `yaml:"audit_tampering"`
	} `yaml:"rules"`
	Buckets []bucketYAML `yaml:"buckets"`
}

type ruleYAML struct {
	Enabled  *bool   `yaml:"enabled"`
	Severity *string `yaml:"severity"`
}

type accessDeniedYAML struct {
	ruleYAML   `yaml:",inline"`
	ErrorCodes *[]string `yaml:"error_codes"`
	Rate       *rateYAML `yaml:"rate"`
}

type rateYAML struct {
	ruleYAML  `yaml:",inline"`
	Threshold *int      `yaml:"threshold"`
	Window    *string   `yaml:"window"`
	By        *[]string `yaml:"by"`
	MaxKeys   *int      `yaml:"max_keys"`
}

type slowRequestYAML struct {
	ruleYAML    `yaml:",inline"`
	ThresholdMS *int64 `yaml:"threshold_ms"`
}

type unexpectedWriteYAML struct {
	ruleYAML `yaml:",inline"`
	Actions  *[]string `yaml:"actions"`
}

type actionRuleYAML struct {
	ruleYAML        `yaml:",inline"`
	Actions         *[]string `yaml:"actions"`
	IncludeFailures *bool     `yaml:"include_failures"`
}

type auditTamperingYAML struct {
	actionRuleYAML   `yaml:",inline"`
	PutBucketLogging *bool `yaml:"put_bucket_logging"`
}

type bucketYAML struct {
	Name       string    `yaml:"name"`
	Requesters []string  `yaml:"requesters"`
	Writers    *[]string `yaml:"writers"`
	// SourceRegions (access logs with field 27): the regions requests to
	// the bucket may come from; unset checks none.
	SourceRegions []string `yaml:"source_regions"`
}

// maxRulesFile bounds the rules file read at start-up.
const maxRulesFile = 4 << 20

// LoadRules reads a rules file: the built-in rules overlaid with what the
// file sets, validated. Every problem is reported, joined with errors.Join,
// each prefixed with the path (and the YAML line where known).
func LoadRules(path string) (detect.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return detect.Config{}, fmt.Errorf("cannot read rules file: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return detect.Config{}, fmt.Errorf("%s is a directory, want a YAML rules file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxRulesFile+1))
	if err != nil {
		return detect.Config{}, fmt.Errorf("cannot read rules file: %w", err)
	}
	if len(data) > maxRulesFile {
		return detect.Config{}, fmt.Errorf("%s: larger than %d bytes", path, maxRulesFile)
	}
	c, err := ParseRules(data)
	if err != nil {
		return detect.Config{}, prefixErrors(path, err)
	}
	return c, nil
}

// ParseRules reads the YAML of a rules file (see LoadRules).
func ParseRules(data []byte) (detect.Config, error) {
	var file rulesFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			errs := make([]error, 0, len(te.Errors))
			for _, e := range te.Errors {
				// "line 3: field thresold not found in type conf.rateYAML":
				// the Go type means nothing to the user.
				if i := strings.Index(e, " in type "); i >= 0 {
					e = e[:i]
				}
				errs = append(errs, errors.New(e))
			}
			return detect.Config{}, errors.Join(errs...)
		}
		return detect.Config{}, err
	}
	if file.Version != nil && *file.Version != 1 {
		return detect.Config{}, fmt.Errorf("version: %d is not a rules file version this awsaudit reads (1)", *file.Version)
	}

	c := detect.DefaultConfig()
	var errs []error
	fail := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	rule := func(path string, y *ruleYAML, dst *detect.RuleConfig) {
		if y.Enabled != nil {
			dst.Enabled = *y.Enabled
		}
		if y.Severity != nil {
			s, err := detect.ParseSeverity(*y.Severity)
			if err != nil {
				fail(path+".severity", "%v", err)
			}
			dst.Severity = s
		}
	}
	list := func(src *[]string, dst *[]string) {
		if src != nil {
			*dst = nil // an empty list reads as none
			*dst = append(*dst, *src...)
		}
	}

	r := &file.Rules
	if y := r.AnonymousAccess; y != nil {
		rule("rules.anonymous_access", y, &c.AnonymousAccess)
	}
	if y := r.AccessDenied; y != nil {
		rule("rules.access_denied", &y.ruleYAML, &c.AccessDenied.RuleConfig)
		list(y.ErrorCodes, &c.AccessDenied.ErrorCodes)
		if rate := y.Rate; rate != nil {
			dst := &c.AccessDenied.Rate
			rule("rules.access_denied.rate", &rate.ruleYAML, &dst.RuleConfig)
			if rate.Threshold != nil {
				dst.Threshold = *rate.Threshold
			}
			if rate.MaxKeys != nil {
				dst.MaxKeys = *rate.MaxKeys
			}
			if rate.Window != nil {
				d, err := parseDuration(strings.TrimSpace(*rate.Window))
				if err != nil {
					fail("rules.access_denied.rate.window", "%q is not a duration (use Go syntax such as 30s or 5m, or a number of seconds)", *rate.Window)
				} else {
					dst.Window = d
				}
			}
			if rate.By != nil {
				dst.ByPrincipal, dst.ByIP = false, false
				for i, b := range *rate.By {
					switch strings.ToLower(strings.TrimSpace(b)) {
					case "principal":
						dst.ByPrincipal = true
					case "ip":
						dst.ByIP = true
					default:
						fail(fmt.Sprintf("rules.access_denied.rate.by[%d]", i), "%q is not principal or ip", b)
					}
				}
			}
		}
	}
	if y := r.SlowRequest; y != nil {
		rule("rules.slow_request", &y.ruleYAML, &c.SlowRequest.RuleConfig)
		if y.ThresholdMS != nil {
			c.SlowRequest.ThresholdMS = *y.ThresholdMS
		}
	}
	if y := r.UnexpectedRequester; y != nil {
		rule("rules.unexpected_requester", y, &c.UnexpectedRequester)
	}
	if y := r.UnexpectedWrite; y != nil {
		rule("rules.unexpected_write", &y.ruleYAML, &c.UnexpectedWrite.RuleConfig)
		list(y.Actions, &c.UnexpectedWrite.Actions)
	}
	if y := r.PresignedURL; y != nil {
		rule("rules.presigned_url", y, &c.PresignedURL)
	}
	actionRule := func(path string, y *actionRuleYAML, dst *detect.ActionRuleConfig) {
		rule(path, &y.ruleYAML, &dst.RuleConfig)
		list(y.Actions, &dst.Actions)
		if y.IncludeFailures != nil {
			dst.IncludeFailures = *y.IncludeFailures
		}
	}
	if y := r.PublicExposureChange; y != nil {
		actionRule("rules.public_exposure_change", y, &c.PublicExposureChange)
	}
	if y := r.AuditTampering; y != nil {
		actionRule("rules.audit_tampering", &y.actionRuleYAML, &c.AuditTampering.ActionRuleConfig)
		if y.PutBucketLogging != nil {
			c.AuditTampering.PutBucketLogging = *y.PutBucketLogging
		}
	}
	for _, b := range file.Buckets {
		bc := detect.BucketConfig{Name: b.Name, Requesters: append([]string{}, b.Requesters...), SourceRegions: b.SourceRegions}
		if b.Writers != nil {
			bc.Writers = append([]string{}, *b.Writers...)
		}
		c.Buckets = append(c.Buckets, bc)
	}

	if err := c.Validate(); err != nil {
		errs = append(errs, err.(interface{ Unwrap() []error }).Unwrap()...)
	}
	if len(errs) > 0 {
		return detect.Config{}, errors.Join(errs...)
	}
	return c, nil
}

// prefixErrors puts path in front of each joined error.
func prefixErrors(path string, err error) error {
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return fmt.Errorf("%s: %w", path, err)
	}
	var out []error
	for _, e := range joined.Unwrap() {
		out = append(out, fmt.Errorf("%s: %w", path, e))
	}
	return errors.Join(out...)
}
