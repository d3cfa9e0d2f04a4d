package detect

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/awsaudit/awsaudit/normalize/enrich"
	"github.com/awsaudit/awsaudit/normalize/internal/text"
	"github.com/awsaudit/awsaudit/normalize/record"
)

// Severity is an alert's severity, numbered as OCSF's severity_id.
type Severity uint8

const (
	SeverityUnset         Severity = 0 // the rule's built-in severity
	SeverityInformational Severity = 1
	SeverityLow           Severity = 2
	SeverityMedium        Severity = 3
	SeverityHigh          Severity = 4
	SeverityCritical      Severity = 5
)

var severityNames = [...]string{"", "informational", "low", "medium", "high", "critical"}

// String is the lower-case name used in rules files.
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("Severity(%d)", uint8(s))
}

// Caption is OCSF's caption of the severity_id value.
func (s Severity) Caption() string {
	switch s {
	case SeverityInformational:
		return "Informational"
	case SeverityLow:
		return "Low"
	case SeverityMedium:
		return "Medium"
	case SeverityHigh:
		return "High"
	case SeverityCritical:
		return "Critical"
	}
	return "Unknown"
}

// ParseSeverity reads informational, low, medium, high or critical (any case).
func ParseSeverity(s string) (Severity, error) {
	for i, name := range severityNames {
		if i > 0 && strings.EqualFold(strings.TrimSpace(s), name) {
			return Severity(i), nil
		}
	}
	return SeverityUnset, fmt.Errorf("severity %q is not one of informational, low, medium, high, critical", s)
}

// defaultSeverity is each alert's severity when the configuration sets none.
var defaultSeverity = [record.NumAlerts]Severity{
	record.AlertAnonymousAccess:      SeverityMedium,
	record.AlertAccessDenied:         SeverityLow,
	record.AlertAccessDeniedRate:     SeverityMedium,
	record.AlertSlowRequest:          SeverityInformational,
	record.AlertUnexpectedRequester:  SeverityMedium,
	record.AlertUnexpectedWrite:      SeverityHigh,
	record.AlertPresignedURL:         SeverityLow,
	record.AlertPublicExposureChange: SeverityHigh,
	record.AlertAuditTampering:       SeverityHigh,
}

// Config configures the detections. The zero value enables nothing;
// DefaultConfig is what a user gets without a rules file. conf loads
// it from the YAML rules file (Rules_File); New validates and
// compiles it.
type Config struct {
	// AnonymousAccess: the requester is unauthenticated.
	AnonymousAccess RuleConfig
	// AccessDenied: the error code is one of ErrorCodes; Rate adds the
	// access_denied_rate alert.
	AccessDenied AccessDeniedConfig
	// SlowRequest: the turn-around time is at least ThresholdMS.
	SlowRequest SlowRequestConfig
	// UnexpectedRequester: the requester is not in the bucket's Requesters.
	UnexpectedRequester RuleConfig
	// UnexpectedWrite: a write by a requester not in the bucket's Writers.
	UnexpectedWrite UnexpectedWriteConfig
	// PresignedURL: the request was authenticated by query string.
	PresignedURL RuleConfig
	// PublicExposureChange: bucket policy, ACL, public access block or
	// ownership changes (Actions).
	PublicExposureChange ActionRuleConfig
	// AuditTampering: logging turned off (Actions, and PutBucketLogging
	// without a target).
	AuditTampering AuditTamperingConfig
	// Buckets are the per-bucket allow-lists of UnexpectedRequester and
	// UnexpectedWrite; the first entry whose Name matches applies.
	Buckets []BucketConfig
}

// RuleConfig is what every rule has.
type RuleConfig struct {
	Enabled bool
	// Severity overrides the rule's built-in severity (used for OCSF
	// severity_id); SeverityUnset keeps it.
	Severity Severity
}

// AccessDeniedConfig configures access_denied and access_denied_rate.
type AccessDeniedConfig struct {
	RuleConfig
	// ErrorCodes are the error codes that count as a denial (exact match).
	ErrorCodes []string
	// Rate raises access_denied_rate on the denial that makes one
	// principal or IP exceed Threshold denials within Window.
	Rate RateConfig
}

// RateConfig configures access_denied_rate. Memory is bounded by
// MaxKeys * (Threshold+1) timestamps: the least recently denied keys are
// forgotten first.
type RateConfig struct {
	RuleConfig
	// Threshold: the alert fires on a denial when more than Threshold
	// denials (this one included) fall within Window.
	Threshold int
	// Window is the sliding window, measured in the records' own times
	// (so replays and late deliveries count as they happened); a record
	// without a time counts at the wall-clock time.
	Window time.Duration
	// ByPrincipal and ByIP say what is counted: per principal (ARN, else
	// principal id, canonical id or access key id) and/or per client IP.
	ByPrincipal bool
	ByIP        bool
	// MaxKeys bounds how many principals and IPs are tracked at once.
	MaxKeys int
}

// SlowRequestConfig configures slow_request.
type SlowRequestConfig struct {
	RuleConfig
	ThresholdMS int64
}

// UnexpectedWriteConfig configures unexpected_write.
type UnexpectedWriteConfig struct {
	RuleConfig
	// Actions restricts which writes count (PutObject, DeleteObject, ...);
	// empty means every write (read_only false).
	Actions []string
}

// ActionRuleConfig configures a rule that fires on a list of actions
// (CloudTrail eventNames, also the access-log action).
type ActionRuleConfig struct {
	RuleConfig
	Actions []string
	// IncludeFailures fires on failed calls too (they are also
	// access_denied when denied).
	IncludeFailures bool
}

// AuditTamperingConfig configures audit_tampering.
type AuditTamperingConfig struct {
	ActionRuleConfig
	// PutBucketLogging fires on a PutBucketLogging that turns server
	// access logging off: in CloudTrail, one whose request has no
	// BucketLoggingStatus.LoggingEnabled.TargetBucket. Access logs do not
	// carry the request body, so there every PutBucketLogging fires.
	PutBucketLogging bool
}

// BucketConfig is the allow-list of one bucket (or of every bucket whose
// name matches the glob Name: * matches any run, ? one character).
//
// A principal pattern is one of:
//
//	arn:...          glob over principal.arn, and over principal.role_arn
//	                 (arn:aws:iam::111122223333:role/Reader matches its sessions)
//	role:NAME        glob over principal.role_name (case-insensitive)
//	user:NAME        glob over principal.user_name (case-insensitive)
//	account:ID       glob over principal.account_id; a bare 12-digit id also works
//	service:NAME     glob over principal.service or client.invoked_by
//	canonical:ID     principal.canonical_id (case-insensitive)
//	anonymous        unauthenticated requests
type BucketConfig struct {
	Name string
	// Requesters may make any request; anyone else is unexpected_requester.
	Requesters []string
	// Writers may write (and are expected requesters too); a write by
	// anyone else is unexpected_write. nil means Requesters; an empty,
	// non-nil list means nobody may write.
	Writers []string
	// SourceRegions are the regions requests may come from
	// (request.source_region, e.g. us-east-1, or a glob such as eu-*): a
	// request from elsewhere is an unexpected_requester whoever made it.
	// nil checks nothing; a record without a source region (CloudTrail,
	// older access logs) is not checked.
	SourceRegions []string
}

// Built-in parameter values.
var (
	defaultDeniedCodes = []string{
		"AccessDenied", "AllAccessDisabled", "SignatureDoesNotMatch", "InvalidAccessKeyId",
		"InvalidToken", "ExpiredToken", "TokenRefreshRequired", "AccountProblem", "InvalidSecurity",
		"AuthorizationHeaderMalformed", "AuthorizationQueryParametersError",
		"AccessDeniedException", "UnauthorizedOperation", "Client.UnauthorizedOperation",
	}
	defaultPublicExposureActions = []string{
		// Bucket- and account-level changes only: object ACLs are set by
		// ordinary uploads (PutObjectAcl fired on 5% of generated traffic);
		// add PutObjectAcl in a rules file to watch them.
		"PutBucketPolicy", "DeleteBucketPolicy", "PutBucketAcl",
		"PutBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock",
		"PutAccountPublicAccessBlock", "DeleteAccountPublicAccessBlock",
		"PutBucketOwnershipControls", "DeleteBucketOwnershipControls",
		"PutAccessPointPolicy", "DeleteAccessPointPolicy",
	}
	defaultAuditTamperingActions = []string{
		"StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors",
		"DeleteEventDataStore", "StopEventDataStoreIngestion",
	}
)

// Built-in numbers, also the documented defaults.
const (
	DefaultSlowRequestMS = 1000
	DefaultRateThreshold = 10
	DefaultRateWindow    = time.Minute
	DefaultRateMaxKeys   = 10000
	maxRateThreshold     = 1000
	maxRateWindow        = 24 * time.Hour
	maxRateMaxKeys       = 1000000
	maxRateTimestamps    = 16 << 20 // MaxKeys*(Threshold+1): 128 MiB of timestamps
	maxRulePatternLen    = 2048
)

// DefaultConfig returns the built-in rules: the ones that stay rare
// on ordinary traffic are on (on the generated corpus each fires on under
// 1% of records); anonymous_access, access_denied (per record) and
// slow_request fire on much of a normal workload and are off until a
// rules file enables them. No bucket allow-lists are set, so
// unexpected_requester and unexpected_write fire only once buckets are
// configured.
func DefaultConfig() Config {
	on := RuleConfig{Enabled: true}
	return Config{
		AnonymousAccess: RuleConfig{},
		AccessDenied: AccessDeniedConfig{
			ErrorCodes: slices.Clone(defaultDeniedCodes),
			Rate: RateConfig{
				RuleConfig: on, Threshold: DefaultRateThreshold, Window: DefaultRateWindow,
				ByPrincipal: true, ByIP: true, MaxKeys: DefaultRateMaxKeys,
			},
		},
		SlowRequest:          SlowRequestConfig{ThresholdMS: DefaultSlowRequestMS},
		UnexpectedRequester:  on,
		UnexpectedWrite:      UnexpectedWriteConfig{RuleConfig: on},
		PresignedURL:         on,
		PublicExposureChange: ActionRuleConfig{RuleConfig: on, Actions: slices.Clone(defaultPublicExposureActions)},
		AuditTampering: AuditTamperingConfig{
			ActionRuleConfig: ActionRuleConfig{RuleConfig: on, Actions: slices.Clone(defaultAuditTamperingActions), IncludeFailures: true},
			PutBucketLogging: true,
		},
	}
}

// Validate reports every problem of c, joined with errors.Join; each names
// the setting as the rules file spells it (rules.slow_request.threshold_ms).
func (c *Config) Validate() error {
	var errs []error
	fail := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	severity := func(path string, r RuleConfig) {
		if r.Severity > SeverityCritical {
			fail(path+".severity", "%d is not a severity (1-5)", r.Severity)
		}
	}
	actions := func(path string, list []string, enabled, needOne bool) {
		if enabled && needOne && len(list) == 0 {
			fail(path, "is empty; list at least one action or disable the rule")
		}
		for i, a := range list {
			if strings.TrimSpace(a) == "" || strings.ContainsAny(a, " \t") {
				fail(fmt.Sprintf("%s[%d]", path, i), "%q is not an action name (CloudTrail eventName such as PutBucketPolicy)", a)
			}
		}
	}
	severity("rules.anonymous_access", c.AnonymousAccess)
	severity("rules.access_denied", c.AccessDenied.RuleConfig)
	actions("rules.access_denied.error_codes", c.AccessDenied.ErrorCodes,
		c.AccessDenied.Enabled || c.AccessDenied.Rate.Enabled, true)
	r := c.AccessDenied.Rate
	severity("rules.access_denied.rate", r.RuleConfig)
	if r.Enabled {
		if r.Threshold < 1 || r.Threshold > maxRateThreshold {
			fail("rules.access_denied.rate.threshold", "%d is out of range 1-%d", r.Threshold, maxRateThreshold)
		}
		if r.Window <= 0 || r.Window > maxRateWindow {
			fail("rules.access_denied.rate.window", "%s is out of range (more than 0, at most %s)", r.Window, maxRateWindow)
		}
		if r.MaxKeys < 1 || r.MaxKeys > maxRateMaxKeys {
			fail("rules.access_denied.rate.max_keys", "%d is out of range 1-%d", r.MaxKeys, maxRateMaxKeys)
		} else if r.Threshold >= 1 && r.Threshold <= maxRateThreshold && r.MaxKeys*(r.Threshold+1) > maxRateTimestamps {
			fail("rules.access_denied.rate", "max_keys * (threshold + 1) = %d timestamps exceeds the memory bound of %d (128 MiB); lower one of them",
				r.MaxKeys*(r.Threshold+1), maxRateTimestamps)
		}
		if !r.ByPrincipal && !r.ByIP {
			fail("rules.access_denied.rate.by", "is empty; count by principal, ip or both")
		}
	}
	severity("rules.slow_request", c.SlowRequest.RuleConfig)
	if c.SlowRequest.Enabled && c.SlowRequest.ThresholdMS < 1 {
		fail("rules.slow_request.threshold_ms", "%d must be at least 1", c.SlowRequest.ThresholdMS)
	}
	severity("rules.unexpected_requester", c.UnexpectedRequester)
	severity("rules.unexpected_write", c.UnexpectedWrite.RuleConfig)
	actions("rules.unexpected_write.actions", c.UnexpectedWrite.Actions, false, false)
	severity("rules.presigned_url", c.PresignedURL)
	severity("rules.public_exposure_change", c.PublicExposureChange.RuleConfig)
	actions("rules.public_exposure_change.actions", c.PublicExposureChange.Actions, c.PublicExposureChange.Enabled, true)
	severity("rules.audit_tampering", c.AuditTampering.RuleConfig)
	actions("rules.audit_tampering.actions", c.AuditTampering.Actions,
		c.AuditTampering.Enabled && !c.AuditTampering.PutBucketLogging, true)

	seen := map[string]int{}
	for i, b := range c.Buckets {
		path := fmt.Sprintf("buckets[%d]", i)
		switch {
		case strings.TrimSpace(b.Name) == "":
			fail(path+".name", "is required (a bucket name or a glob such as logs-*)")
		case len(b.Name) > 255 || strings.ContainsAny(b.Name, " \t/"):
			fail(path+".name", "%q is not a bucket name or glob", b.Name)
		default:
			if j, dup := seen[b.Name]; dup {
				fail(path+".name", "%q is also buckets[%d]; merge the two entries", b.Name, j)
			}
			seen[b.Name] = i
		}
		for j, p := range b.Requesters {
			if _, err := parsePrincipalPattern(p); err != nil {
				fail(fmt.Sprintf("%s.requesters[%d]", path, j), "%v", err)
			}
		}
		for j, p := range b.Writers {
			if _, err := parsePrincipalPattern(p); err != nil {
				fail(fmt.Sprintf("%s.writers[%d]", path, j), "%v", err)
			}
		}
		for j, r := range b.SourceRegions {
			if !regionPatternOK(strings.TrimSpace(r)) {
				fail(fmt.Sprintf("%s.source_regions[%d]", path, j), "%q is not a region code or a glob such as eu-*", r)
			}
		}
	}
	return errors.Join(errs...)
}

// String lists the enabled rules and the allow-listed buckets, for logs:
// "rules[anonymous_access access_denied ...] buckets[acme-data logs-*]".
func (c Config) String() string {
	var b strings.Builder
	b.WriteString("rules[")
	first := true
	for _, r := range []struct {
		a  record.Alert
		on bool
	}{
		{record.AlertAnonymousAccess, c.AnonymousAccess.Enabled}, {record.AlertAccessDenied, c.AccessDenied.Enabled},
		{record.AlertAccessDeniedRate, c.AccessDenied.Rate.Enabled}, {record.AlertSlowRequest, c.SlowRequest.Enabled},
		{record.AlertUnexpectedRequester, c.UnexpectedRequester.Enabled}, {record.AlertUnexpectedWrite, c.UnexpectedWrite.Enabled},
		{record.AlertPresignedURL, c.PresignedURL.Enabled}, {record.AlertPublicExposureChange, c.PublicExposureChange.Enabled},
		{record.AlertAuditTampering, c.AuditTampering.Enabled},
	} {
		if r.on {
			if !first {
				b.WriteByte(' ')
			}
			first = false
			b.WriteString(r.a.String())
		}
	}
	b.WriteString("] buckets[")
	for i, bc := range c.Buckets {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(bc.Name)
	}
	b.WriteString("]")
	return b.String()
}

// anyEnabled reports whether any rule is on.
func (c *Config) anyEnabled() bool {
	return c.AnonymousAccess.Enabled || c.AccessDenied.Enabled || c.AccessDenied.Rate.Enabled ||
		c.SlowRequest.Enabled || c.UnexpectedRequester.Enabled || c.UnexpectedWrite.Enabled ||
		c.PresignedURL.Enabled || c.PublicExposureChange.Enabled || c.AuditTampering.Enabled
}

// Rules are compiled detections, shared by every Normalizer of one plugin
// instance (they may run concurrently): the access_denied_rate window is
// per Rules, safe for concurrent use, and bounded in memory.
type Rules struct {
	enabled  record.AlertSet
	severity [record.NumAlerts]Severity

	deniedCodes    map[string]struct{}
	slowMS         int64
	writeActions   map[string]struct{} // nil: every write
	publicActions  map[string]struct{}
	publicFailures bool
	tamperActions  map[string]struct{}
	tamperFailures bool
	bucketLogging  bool
	buckets        []bucketRule

	rate *rateWindow
}

type bucketRule struct {
	name       string
	requesters []principalPattern
	writers    []principalPattern
	writersSet bool // false: writers are the requesters
	// sourceRegions are globs of the regions requests may come from; nil
	// checks nothing.
	sourceRegions []string
}

// New validates and compiles c. It returns nil (detect nothing, at no
// cost) when no rule is enabled. Call it once per plugin instance and share
// the result between that instance's Normalizers.
func New(c Config) (*Rules, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if !c.anyEnabled() {
		return nil, nil
	}
	r := &Rules{severity: defaultSeverity}
	set := func(a record.Alert, rc RuleConfig) {
		if !rc.Enabled {
			return
		}
		r.enabled.Add(a)
		if rc.Severity != SeverityUnset {
			r.severity[a] = rc.Severity
		}
	}
	set(record.AlertAnonymousAccess, c.AnonymousAccess)
	set(record.AlertAccessDenied, c.AccessDenied.RuleConfig)
	set(record.AlertAccessDeniedRate, c.AccessDenied.Rate.RuleConfig)
	set(record.AlertSlowRequest, c.SlowRequest.RuleConfig)
	set(record.AlertUnexpectedRequester, c.UnexpectedRequester)
	set(record.AlertUnexpectedWrite, c.UnexpectedWrite.RuleConfig)
	set(record.AlertPresignedURL, c.PresignedURL)
	set(record.AlertPublicExposureChange, c.PublicExposureChange.RuleConfig)
	set(record.AlertAuditTampering, c.AuditTampering.RuleConfig)

	r.deniedCodes = stringSet(c.AccessDenied.ErrorCodes)
	r.slowMS = c.SlowRequest.ThresholdMS
	if len(c.UnexpectedWrite.Actions) > 0 {
		r.writeActions = stringSet(c.UnexpectedWrite.Actions)
	}
	r.publicActions = stringSet(c.PublicExposureChange.Actions)
	r.publicFailures = c.PublicExposureChange.IncludeFailures
	r.tamperActions = stringSet(c.AuditTampering.Actions)
	r.tamperFailures = c.AuditTampering.IncludeFailures
	r.bucketLogging = c.AuditTampering.PutBucketLogging
	for _, b := range c.Buckets {
		br := bucketRule{name: strings.TrimSpace(b.Name), writersSet: b.Writers != nil}
		for _, sr := range b.SourceRegions {
			br.sourceRegions = append(br.sourceRegions, strings.ToLower(strings.TrimSpace(sr)))
		}
		for _, p := range b.Requesters {
			pp, _ := parsePrincipalPattern(p)
			br.requesters = append(br.requesters, pp)
		}
		for _, p := range b.Writers {
			pp, _ := parsePrincipalPattern(p)
			br.writers = append(br.writers, pp)
		}
		r.buckets = append(r.buckets, br)
	}
	if rc := c.AccessDenied.Rate; rc.Enabled {
		r.rate = newRateWindow(rc.Threshold, rc.Window, rc.MaxKeys, rc.ByPrincipal, rc.ByIP)
	}
	return r, nil
}

// Enabled lists the names of the enabled alerts, in output order.
func (r *Rules) Enabled() []string {
	if r == nil {
		return nil
	}
	var out []string
	for a := record.Alert(0); a < record.NumAlerts; a++ {
		if r.enabled.Has(a) {
			out = append(out, a.String())
		}
	}
	return out
}

// Severity returns the severity of alert a under these rules.
func (r *Rules) Severity(a record.Alert) Severity {
	if r == nil || a >= record.NumAlerts {
		return SeverityUnset
	}
	return r.severity[a]
}

// Highest returns the highest severity of the alerts in s, at least
// informational (what OCSF's severity_id of a record says).
func (r *Rules) Highest(s record.AlertSet) Severity {
	severity := SeverityInformational
	if s == 0 || r == nil {
		return severity
	}
	for a := record.Alert(0); a < record.NumAlerts; a++ {
		if s.Has(a) && r.severity[a] > severity {
			severity = r.severity[a]
		}
	}
	return severity
}

func stringSet(list []string) map[string]struct{} {
	m := make(map[string]struct{}, len(list))
	for _, s := range list {
		m[strings.TrimSpace(s)] = struct{}{}
	}
	return m
}

// patternKind says which principal field a pattern is matched against.
type patternKind uint8

const (
	patternARN patternKind = iota
	patternRole
	patternUser
	patternAccount
	patternService
	patternCanonical
	patternAnonymous
)

type principalPattern struct {
	kind patternKind
	glob string
}

var patternPrefixes = [...]struct {
	prefix string
	kind   patternKind
}{
	{"role:", patternRole},
	{"user:", patternUser},
	{"account:", patternAccount},
	{"service:", patternService},
	{"canonical:", patternCanonical},
}

// parsePrincipalPattern reads one allow-list entry (see BucketConfig).
func parsePrincipalPattern(s string) (principalPattern, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return principalPattern{}, errors.New("empty principal pattern")
	case len(s) > maxRulePatternLen:
		return principalPattern{}, fmt.Errorf("principal pattern longer than %d characters", maxRulePatternLen)
	case strings.EqualFold(s, "anonymous"):
		return principalPattern{kind: patternAnonymous}, nil
	case strings.HasPrefix(s, "arn:"):
		if strings.Count(s, ":") < 5 {
			return principalPattern{}, fmt.Errorf("%q is not an ARN pattern (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, * and ? allowed)", s)
		}
		return principalPattern{kind: patternARN, glob: s}, nil
	case isAccountID(s):
		return principalPattern{kind: patternAccount, glob: s}, nil
	}
	for _, p := range patternPrefixes {
		if len(s) >= len(p.prefix) && strings.EqualFold(s[:len(p.prefix)], p.prefix) {
			v := strings.TrimSpace(s[len(p.prefix):])
			if v == "" {
				return principalPattern{}, fmt.Errorf("%q names no %s", s, strings.TrimSuffix(p.prefix, ":"))
			}
			return principalPattern{kind: p.kind, glob: v}, nil
		}
	}
	return principalPattern{}, fmt.Errorf("%q is not a principal pattern (want arn:..., role:NAME, user:NAME, account:ID, service:NAME, canonical:ID or anonymous)", s)
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !text.IsDigit(s[i]) {
			return false
		}
	}
	return true
}

// globMatch reports whether s matches pattern, where * matches any run of
// bytes (also '/' and ':') and ? exactly one; fold compares ASCII letters
// case-insensitively. It runs in O(len(pattern)*len(s)) at worst and does
// not allocate.
func globMatch(pattern string, s []byte, fold bool) bool {
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			c := pattern[p]
			switch {
			case c == '*':
				starP, starI = p, i
				p++
				continue
			case c == '?' || c == s[i] || (fold && text.LowerByte(c) == text.LowerByte(s[i])):
				p++
				i++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		starI++
		p, i = starP+1, starI
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// regionPatternOK accepts a region code (eu-west-1, us-gov-east-1,
// cn-north-1; IsRegionCode decides) or a prefix of one ending in *
// (eu-*, us-gov-*: words of letters), in any case.
func regionPatternOK(r string) bool {
	prefix, glob := strings.CutSuffix(strings.ToLower(r), "*")
	if !glob {
		return enrich.IsRegionCode([]byte(prefix))
	}
	words := strings.Split(strings.TrimSuffix(prefix, "-"), "-")
	if len(words[0]) < 2 {
		return false
	}
	for _, w := range words {
		if w == "" || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "" {
			return false
		}
	}
	return true
}
