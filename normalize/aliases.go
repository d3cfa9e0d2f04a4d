package normalize

import (
	"github.com/awsaudit/awsaudit/normalize/detect"
	"github.com/awsaudit/awsaudit/normalize/ocsf"
	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/schema"
)

// The record's types under the names callers of the façade know.
type (
	// Source names where a record came from; see record.Source.
	Source = record.Source
	// RejectError says why one input could not be normalized.
	RejectError = record.RejectError
	// Principal is who made a request; see record.Principal.
	Principal = record.Principal
	// Bool is a JSON boolean that can also be absent.
	Bool = record.Bool
)

const (
	SourceAuto       = record.SourceAuto
	SourceS3Access   = record.SourceS3Access
	SourceCloudTrail = record.SourceCloudTrail
)

// ErrRejected is wrapped by every error that rejects an input.
var ErrRejected = record.ErrRejected

// ParseSource reads the spelling used in configuration and on the CLI.
func ParseSource(s string) (Source, error) { return record.ParseSource(s) }

// The detections' configuration under the names callers of the façade
// know (see package detect).
type (
	Rules                 = detect.Rules
	RulesConfig           = detect.Config
	RuleConfig            = detect.RuleConfig
	AccessDeniedConfig    = detect.AccessDeniedConfig
	RateConfig            = detect.RateConfig
	SlowRequestConfig     = detect.SlowRequestConfig
	UnexpectedWriteConfig = detect.UnexpectedWriteConfig
	ActionRuleConfig      = detect.ActionRuleConfig
	AuditTamperingConfig  = detect.AuditTamperingConfig
	BucketConfig          = detect.BucketConfig
	Severity              = detect.Severity
	Alert                 = record.Alert
)

const (
	SeverityUnset         = detect.SeverityUnset
	SeverityInformational = detect.SeverityInformational
	SeverityLow           = detect.SeverityLow
	SeverityMedium        = detect.SeverityMedium
	SeverityHigh          = detect.SeverityHigh
	SeverityCritical      = detect.SeverityCritical
)

// NewRules validates and compiles detections (see detect.New).
func NewRules(c RulesConfig) (*Rules, error) { return detect.New(c) }

// DefaultRulesConfig is what a user gets without a rules file.
func DefaultRulesConfig() RulesConfig { return detect.DefaultConfig() }

// ParseSeverity reads a severity's name.
func ParseSeverity(s string) (Severity, error) { return detect.ParseSeverity(s) }

// AlertNames lists every alert name in output order.
func AlertNames() []string { return record.AlertNames() }

// OCSFVersion is the OCSF schema version of Format ocsf output.
const OCSFVersion = ocsf.Version

// SchemaJSON is the JSON Schema of the unified record (see package schema).
var SchemaJSON = schema.JSON

// CheckFieldPath reports whether path names a field of the unified record,
// and the nearest path when it does not (see schema.CheckFieldPath).
func CheckFieldPath(path string) (ok bool, nearest string) { return schema.CheckFieldPath(path) }
