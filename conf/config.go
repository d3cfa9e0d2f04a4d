package conf

import (
	"strconv"
	"time"

	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/normalize/detect"
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
	DLQTopic        string           // "" when dead-lettering is off
	Source          normalize.Source // what the input holds; SourceAuto detects per record
	LogKeys         []string
	DefaultRegion   string
	RegionKey       string
	Redact          bool
	IncludeRaw      bool
	MessageKey      string // dotted path into the unified record
	Compression     Codec
	RequiredAcks    Acks
	BatchSize       int
	BatchBytes      int
	WriteTimeout    time.Duration
	ClientID        string
	MetricsInterval time.Duration // 0 disables periodic counter logs

	// OutputFormat is what the records are written as: the unified record
	// (the default) or OCSF. The key is Format; the field cannot be, Config
	// has a Format method.
	OutputFormat normalize.Format
	// RulesFile is the YAML rules file the detections came from; "" when
	// the built-in rules apply or detections are off.
	RulesFile string
	// Rules are the detections: the built-in rules, those of RulesFile, or
	// none (every rule disabled) with Rules_File off. Compile them once per
	// instance with detect.New (nil when none is enabled).
	Rules detect.Config

	TLS           bool
	TLSCAFile     string
	TLSCertFile   string
	TLSKeyFile    string
	TLSVerify     bool
	SASLMechanism Mechanism
	SASLUsername  string
	SASLPassword  string
	// AWSRegion signs AWS_MSK_IAM authentication; "" takes the region of
	// the AWS credential chain (AWS_REGION, the profile).
	AWSRegion string
}

// Default returns the configuration a user gets without setting any key.
// It has no Brokers, so it does not validate on its own.
func Default() Config {
	return Config{
		Topic:           "aws.audit.normalized",
		DLQTopic:        "aws.audit.dlq",
		Source:          normalize.SourceAuto,
		LogKeys:         []string{"log", "message"},
		Redact:          true,
		MessageKey:      "bucket.name",
		Compression:     CodecNone,
		RequiredAcks:    AcksAll,
		BatchSize:       1000,
		BatchBytes:      1048576,
		WriteTimeout:    10 * time.Second,
		ClientID:        "awsaudit",
		MetricsInterval: 60 * time.Second,
		OutputFormat:    normalize.FormatUnified,
		Rules:           detect.DefaultConfig(),
		TLSVerify:       true,
	}
}

// Codec is a Kafka compression codec (Compression). The zero value is
// none.
type Codec uint8

const (
	CodecNone Codec = iota
	CodecGzip
	CodecSnappy
	CodecLz4
	CodecZstd
)

var codecNames = [...]string{CodecNone: "none", CodecGzip: "gzip", CodecSnappy: "snappy", CodecLz4: "lz4", CodecZstd: "zstd"}

// String is the codec as Compression spells it.
func (c Codec) String() string {
	if int(c) < len(codecNames) {
		return codecNames[c]
	}
	return "Codec(" + strconv.Itoa(int(c)) + ")"
}

// Acks is the acknowledgements a write to Kafka waits for (Required_Acks).
// The zero value is all, so that a Config built without Default loses
// nothing on a broker failure unless it asks to.
type Acks uint8

const (
	AcksAll  Acks = iota // every in-sync replica
	AcksOne              // the partition leader
	AcksNone             // none: the write is not acknowledged
)

var acksNames = [...]string{AcksAll: "all", AcksOne: "one", AcksNone: "none"}

// String is the setting as Required_Acks spells it.
func (a Acks) String() string {
	if int(a) < len(acksNames) {
		return acksNames[a]
	}
	return "Acks(" + strconv.Itoa(int(a)) + ")"
}

// Mechanism is a SASL mechanism (SASL_Mechanism), spelled in upper case;
// "" is none.
type Mechanism string

const (
	MechanismNone        Mechanism = ""
	MechanismPlain       Mechanism = "PLAIN"
	MechanismSCRAMSHA256 Mechanism = "SCRAM-SHA-256"
	MechanismSCRAMSHA512 Mechanism = "SCRAM-SHA-512"
	// MechanismAWSMSKIAM is Amazon MSK's IAM access control, signed by the
	// AWS credential chain.
	MechanismAWSMSKIAM Mechanism = "AWS_MSK_IAM"
)
