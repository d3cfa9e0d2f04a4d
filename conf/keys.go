package conf

import (
	"strings"

	"github.com/awsaudit/awsaudit/normalize/ocsf"
)

// Property names. Parse reads exactly these (plus the rejected legacyTLSKeys)
// and Keys documents exactly these; a test keeps the two sets equal.
const (
	keyBrokers         = "Brokers"
	keyTopic           = "Topic"
	keyTopicS3Access   = "Topic_S3_Access"
	keyTopicCloudTrail = "Topic_CloudTrail"
	keyTopicAlerts     = "Topic_Alerts"
	keyDLQTopic        = "DLQ_Topic"
	keySource          = "Source"
	keyLogKey          = "Log_Key"
	keyDefaultRegion   = "Default_Region"
	keyRegionKey       = "Region_Key"
	keyRedact          = "Redact"
	keyIncludeRaw      = "Include_Raw"
	keyMessageKey      = "Message_Key"
	keyCompression     = "Compression"
	keyRequiredAcks    = "Required_Acks"
	keyBatchSize       = "Batch_Size"
	keyBatchBytes      = "Batch_Bytes"
	// Batch_Timeout is refused (see Parse): each flush sends its chunk at
	// once, so there is no batch timer to set.
	keyBatchTimeout    = "Batch_Timeout"
	keyWriteTimeout    = "Write_Timeout"
	keyMetricsInterval = "Metrics_Interval"
	keyClientID        = "Client_ID"
	keyFormat          = "Format"
	keyRulesFile       = "Rules_File"

	// The Kafka TLS keys carry a "Kafka." prefix because Fluent Bit's core
	// claims every output property named tls or tls.* for its own
	// connections: it never passes them to a Go plugin, and "tls on" on an
	// output whose plugin did not register TLS support stops Fluent Bit with
	// "does not support TLS" (src/flb_output.c, flb_output_set_property).
	keyTLS         = "Kafka.TLS"
	keyTLSCAFile   = "Kafka.TLS.CA_File"
	keyTLSCertFile = "Kafka.TLS.Cert_File"
	keyTLSKeyFile  = "Kafka.TLS.Key_File"
	keyTLSVerify   = "Kafka.TLS.Verify"

	keySASLMechanism = "SASL_Mechanism"
	keySASLUsername  = "SASL_Username"
	keySASLPassword  = "SASL_Password"
	keyAWSRegion     = "AWS_Region"
)

// legacyTLSKeys are the unprefixed spellings. Fluent Bit swallows them, but
// the CLI reads a plain map where they would arrive; Parse rejects them there
// with a pointer to the Kafka.TLS* name instead of silently ignoring them.
var legacyTLSKeys = []struct{ old, now string }{
	{"TLS", keyTLS},
	{"TLS.CA_File", keyTLSCAFile},
	{"TLS.Cert_File", keyTLSCertFile},
	{"TLS.Key_File", keyTLSKeyFile},
	{"TLS.Verify", keyTLSVerify},
}

// KeyDoc documents one property of the awsaudit output.
type KeyDoc struct {
	Name string
	// Default is the value in effect when the key is unset, written as a
	// user would write it; "" when unset means "none" (see Description).
	Default     string
	Description string
	// Required keys have no default; Parse fails when they are unset.
	Required bool
}

// Keys returns every property Parse reads, in documentation order.
func Keys() []KeyDoc {
	return []KeyDoc{
		{Name: keyBrokers, Required: true, Description: "Comma-separated Kafka bootstrap brokers, each `host:port` (port 1-65535, no `scheme://`)."},
		doc(keyTopic, "aws.audit.normalized", "Topic for normalized records. Kafka topic names are 1-249 characters of `[a-zA-Z0-9._-]`, not `.` or `..`."),
		doc(keyTopicS3Access, "", "Topic for records normalized from S3 server access logs; unset uses `Topic`."),
		doc(keyTopicCloudTrail, "", "Topic for records normalized from CloudTrail; unset uses `Topic`."),
		doc(keyTopicAlerts, "", "Topic that also receives every record with at least one alert (see `Rules_File`); unset sends alerts nowhere else. Must differ from the record topics."),
		doc(keyDLQTopic, "aws.audit.dlq", "Dead-letter topic for input that cannot be normalized; `off` (or `false`, `none`, `no`) disables dead-lettering. Must differ from the record and alert topics."),
		doc(keySource, "auto", "What the input holds: `auto` (detect per record), `s3_access` or `cloudtrail`."),
		doc(keyLogKey, "log,message", "Record key(s) holding the raw log line or JSON, tried in order; a comma-separated list is allowed."),
		doc(keyDefaultRegion, "", "Region used when a record carries none, e.g. `us-east-1`, `us-gov-west-1`, `cn-north-1`."),
		doc(keyRegionKey, "", "Record key holding the region (for example one added by a filter); unset means not used."),
		doc(keyRedact, "on", "Mask presigned-URL signatures and session tokens. Booleans accept on/off, true/false, yes/no, 1/0."),
		doc(keyIncludeRaw, "off", "Add the original input to the record as `raw` (redacted when `Redact` is on)."),
		doc(keyMessageKey, "bucket.name", "Dotted path into the normalized record whose value becomes the Kafka message key; `none` (or `off`) sends no key. Paths name unified-record fields whatever the `Format` and are checked against the schema at start-up (a typo names the nearest field); `correlation_id` keeps an access-log record and its CloudTrail twin in one partition."),
		doc(keyFormat, "unified", "What records are written as: `unified` (the awsaudit record) or `ocsf` (OCSF "+ocsf.Version+" API Activity, class_uid 6003)."),
		doc(keyRulesFile, "", "YAML file of detection rules (the `alerts` field); unset uses the built-in rules, `off` (or `false`, `none`, `no`) disables detections. Read and checked at start-up."),
		doc(keyCompression, "none", "Kafka compression codec: `none`, `gzip`, `snappy`, `lz4` or `zstd`."),
		doc(keyRequiredAcks, "all", "Acknowledgements to wait for: `all` (`-1`), `one` (`1`) or `none` (`0`)."),
		doc(keyBatchSize, "1000", "Maximum messages per Kafka batch (1-1000000)."),
		doc(keyBatchBytes, "1048576", "Maximum bytes per Kafka batch (1-104857600); also what a flush holds before it writes and waits for the acknowledgements (at least 1 MiB, at most 8 MiB)."),
		doc(keyWriteTimeout, "10s", "Longest one write to Kafka may take before the chunk is retried. Durations take Go syntax (`250ms`, `10s`, `1m30s`) or a bare number of seconds (`5`, `0.5`), as Fluent Bit does."),
		doc(keyMetricsInterval, "60s", "How often counters are logged; `0` or `off` disables the periodic log."),
		doc(keyClientID, "awsaudit", "Kafka client ID, shown in broker logs and quotas."),
		doc(keyTLS, "off", "Connect to Kafka over TLS. Not `TLS`: Fluent Bit keeps `tls` and `tls.*` for its own connections and never passes them to Go plugins."),
		doc(keyTLSCAFile, "", "PEM file of CA certificates to trust; unset uses the system pool. Needs `Kafka.TLS on`."),
		doc(keyTLSCertFile, "", "PEM client certificate for mutual TLS; needs `Kafka.TLS.Key_File` and `Kafka.TLS on`."),
		doc(keyTLSKeyFile, "", "PEM private key (unencrypted) of the client certificate; needs `Kafka.TLS.Cert_File` and `Kafka.TLS on`."),
		doc(keyTLSVerify, "on", "Verify the brokers' certificates and host names. Needs `Kafka.TLS on`."),
		doc(keySASLMechanism, "", "SASL mechanism: `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512` or `AWS_MSK_IAM` (Amazon MSK IAM access control, signed with the standard AWS credential chain: environment, shared profile, web identity / IRSA, container or instance role) (any case); unset disables SASL."),
		doc(keySASLUsername, "", "SASL user name; required with `PLAIN` and `SCRAM-*`, not used with `AWS_MSK_IAM`."),
		doc(keySASLPassword, "", "SASL password; required with `PLAIN` and `SCRAM-*`, not used with `AWS_MSK_IAM`. Never printed or logged. Prefer `${ENV_VAR}`, which Fluent Bit expands."),
		doc(keyAWSRegion, "", "Region that `AWS_MSK_IAM` signs for (the MSK cluster's); unset uses `AWS_REGION` or the profile's region."),
	}
}

func doc(name, def, desc string) KeyDoc {
	return KeyDoc{Name: name, Default: def, Description: desc}
}

// MarkdownTable renders Keys as the content of conf/KEYS.md.
func MarkdownTable() string {
	return markdownTable("Keys()", "TestKeysMarkdown", "awsaudit output properties", Keys())
}

// markdownTable renders one key table; from names the function it comes
// from, test the test whose -update regenerates the file.
func markdownTable(from, test, title string, keys []KeyDoc) string {
	var b strings.Builder
	b.WriteString("<!-- Generated from conf." + from + "; do not edit. Regenerate: go test ./conf -run " + test + " -update -->\n\n")
	b.WriteString("# " + title + "\n\n")
	b.WriteString("Property names are case-insensitive.\n\n")
	b.WriteString("| Key | Default | Description |\n")
	b.WriteString("|-----|---------|-------------|\n")
	for _, k := range keys {
		def := "(none)"
		switch {
		case k.Required:
			def = "**required**"
		case k.Default != "":
			def = "`" + k.Default + "`"
		}
		b.WriteString("| `" + k.Name + "` | " + mdEscape(def) + " | " + mdEscape(k.Description) + " |\n")
	}
	return b.String()
}

// mdEscape keeps a cell's pipes from splitting the table row.
func mdEscape(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}
