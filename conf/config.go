package conf

import "time"

// Config is one [OUTPUT] section of the awsaudit plugin (or the CLI's ship
// command). Parse fills it from properties, applies defaults and validates.
type Config struct {
	Brokers         []string
	Topic           string // default topic for normalized records
	TopicS3Access   string // overrides Topic for s3_access records
	TopicCloudTrail string // overrides Topic for cloudtrail records
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
	BatchTimeout    time.Duration
	WriteTimeout    time.Duration
	ClientID        string
	MetricsInterval time.Duration // 0 disables periodic counter logs

	TLS           bool
	TLSCAFile     string
	TLSCertFile   string
	TLSKeyFile    string
	TLSVerify     bool
	SASLMechanism string // "", PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
	SASLUsername  string
	SASLPassword  string
}
