package conf

import (
	"time"

	"github.com/awsaudit/awsaudit/normalize"
)

// Config is one [OUTPUT] section of the awsaudit plugin (or the CLI's ship
// command). Parse fills it from properties, applies defaults and validates.
type Config struct {
	Brokers         []string
	Topic           string // default topic for normalized records
	TopicS3Access   string // overrides Topic for s3_access records
	TopicCloudTrail string // overrides Topic for cloudtrail records
	// TopicAlerts also receives every record with at least one alert; ""
	// (the default) sends alerts nowhere else.
	TopicAlerts     string
	DLQTopic        string // "" when dead-lettering is off
	Source          string // auto, s3_access or cloudtrail
	LogKeys         []string
	DefaultRegion   string
	RegionKey       string
	Redact          bool
	IncludeRaw      bool
	MessageKey      string // dotted path into the unified record
	Compression     string // none, gzip, snappy, lz4, zstd
	RequiredAcks    string // all, one, none
	BatchSize       int
	BatchBytes      int
	WriteTimeout    time.Duration
	ClientID        string
	MetricsInterval time.Duration // 0 disables periodic counter logs

	// OutputFormat is what the records are written as: "unified" (the
	// default) or "ocsf" (normalize.ParseFormat reads it). The key is
	// Format; the field cannot be, Config has a Format method.
	OutputFormat string
	// RulesFile is the YAML rules file the detections came from; "" when
	// the built-in rules apply or detections are off.
	RulesFile string
	// Rules are the detections: the built-in rules, those of RulesFile, or
	// none (every rule disabled) with Rules_File off. Compile them once per
	// instance with normalize.NewRules (nil when none is enabled).
	Rules normalize.RulesConfig

	TLS           bool
	TLSCAFile     string
	TLSCertFile   string
	TLSKeyFile    string
	TLSVerify     bool
	SASLMechanism string // "", PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, AWS_MSK_IAM
	SASLUsername  string
	SASLPassword  string
	// AWSRegion signs AWS_MSK_IAM authentication; "" takes the region of
	// the AWS credential chain (AWS_REGION, the profile).
	AWSRegion string
}

// Source values; they match normalize.ParseSource's canonical spellings.
const (
	SourceAuto       = "auto"
	SourceS3Access   = "s3_access"
	SourceCloudTrail = "cloudtrail"
)

// Default returns the configuration a user gets without setting any key.
// It has no Brokers, so it does not validate on its own.
func Default() Config {
	return Config{
		Topic:           "aws.audit.normalized",
		DLQTopic:        "aws.audit.dlq",
		Source:          SourceAuto,
		LogKeys:         []string{"log", "message"},
		Redact:          true,
		MessageKey:      "bucket.name",
		Compression:     "none",
		RequiredAcks:    "all",
		BatchSize:       1000,
		BatchBytes:      1048576,
		WriteTimeout:    10 * time.Second,
		ClientID:        "awsaudit",
		MetricsInterval: 60 * time.Second,
		OutputFormat:    FormatUnified,
		Rules:           normalize.DefaultRulesConfig(),
		TLSVerify:       true,
	}
}

// Format values; they match normalize.ParseFormat's spellings.
const (
	FormatUnified = "unified"
	FormatOCSF    = "ocsf"
)
