package conf

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/normalize/detect"
)

var update = flag.Bool("update", false, "rewrite KEYS.md from MarkdownTable()")

const testBrokers = "kafka-1:9092,kafka-2:9092"

// parseMap parses m plus a valid Brokers unless m sets its own.
func parseMap(m map[string]string) (Config, error) {
	props := map[string]string{"Brokers": testBrokers}
	for k, v := range m {
		props[k] = v
	}
	return Parse(FromMap(props))
}

// problems returns the joined KeyErrors of a Parse error, failing the test
// on anything else so every problem stays attributable to a key.
func problems(t *testing.T, err error) []*KeyError {
	t.Helper()
	if err == nil {
		return nil
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error is not a join: %T %v", err, err)
	}
	var out []*KeyError
	for _, e := range joined.Unwrap() {
		var ke *KeyError
		if !errors.As(e, &ke) {
			t.Fatalf("problem without a key: %v", e)
		}
		out = append(out, ke)
	}
	return out
}

func baseConfig() Config {
	c := Default()
	c.Brokers = []string{"kafka-1:9092", "kafka-2:9092"}
	return c
}

func TestDefaults(t *testing.T) {
	got, err := parseMap(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Brokers:         []string{"kafka-1:9092", "kafka-2:9092"},
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
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n got %v\nwant %v", got, want)
	}
}

func TestParseKeys(t *testing.T) {
	dir := t.TempDir()
	pki := writePKI(t, dir)

	tests := []struct {
		name  string
		props map[string]string
		want  func(c *Config)
	}{
		{"brokers trimmed, trailing comma", map[string]string{"Brokers": " a:9092 , b:19092 ,"}, func(c *Config) { c.Brokers = []string{"a:9092", "b:19092"} }},
		{"broker ipv6", map[string]string{"Brokers": "[::1]:9092"}, func(c *Config) { c.Brokers = []string{"[::1]:9092"} }},
		{"topic", map[string]string{"Topic": "audit_v2-x.y"}, func(c *Config) { c.Topic = "audit_v2-x.y" }},
		{"topic 249 chars", map[string]string{"Topic": strings.Repeat("t", 249)}, func(c *Config) { c.Topic = strings.Repeat("t", 249) }},
		{"per-source topics", map[string]string{"Topic_S3_Access": "s3", "Topic_CloudTrail": "ct"}, func(c *Config) { c.TopicS3Access, c.TopicCloudTrail = "s3", "ct" }},
		{"dlq topic", map[string]string{"DLQ_Topic": "dead"}, func(c *Config) { c.DLQTopic = "dead" }},
		{"dlq off", map[string]string{"DLQ_Topic": "off"}, func(c *Config) { c.DLQTopic = "" }},
		{"dlq OFF", map[string]string{"DLQ_Topic": "OFF"}, func(c *Config) { c.DLQTopic = "" }},
		{"dlq false", map[string]string{"DLQ_Topic": "false"}, func(c *Config) { c.DLQTopic = "" }},
		{"dlq none", map[string]string{"DLQ_Topic": "None"}, func(c *Config) { c.DLQTopic = "" }},
		{"dlq no", map[string]string{"DLQ_Topic": "no"}, func(c *Config) { c.DLQTopic = "" }},
		{"source s3_access", map[string]string{"Source": "s3_access"}, func(c *Config) { c.Source = normalize.SourceS3Access }},
		{"source S3 alias", map[string]string{"Source": "S3"}, func(c *Config) { c.Source = normalize.SourceS3Access }},
		{"source cloudtrail", map[string]string{"Source": "CloudTrail"}, func(c *Config) { c.Source = normalize.SourceCloudTrail }},
		{"source auto", map[string]string{"Source": "AUTO"}, func(c *Config) {}},
		{"log key", map[string]string{"Log_Key": "line"}, func(c *Config) { c.LogKeys = []string{"line"} }},
		{"log key list", map[string]string{"Log_Key": "msg, log"}, func(c *Config) { c.LogKeys = []string{"msg", "log"} }},
		{"log key only commas keeps default", map[string]string{"Log_Key": " , "}, func(c *Config) {}},
		{"region", map[string]string{"Default_Region": "eu-west-1"}, func(c *Config) { c.DefaultRegion = "eu-west-1" }},
		{"region govcloud", map[string]string{"Default_Region": "us-gov-west-1"}, func(c *Config) { c.DefaultRegion = "us-gov-west-1" }},
		{"region china", map[string]string{"Default_Region": "cn-north-1"}, func(c *Config) { c.DefaultRegion = "cn-north-1" }},
		{"region iso-b", map[string]string{"Default_Region": "us-isob-east-1"}, func(c *Config) { c.DefaultRegion = "us-isob-east-1" }},
		{"region sovereign", map[string]string{"Default_Region": "eusc-de-east-1"}, func(c *Config) { c.DefaultRegion = "eusc-de-east-1" }},
		{"region upper case", map[string]string{"Default_Region": "AP-SOUTHEAST-2"}, func(c *Config) { c.DefaultRegion = "ap-southeast-2" }},
		{"region key", map[string]string{"Region_Key": "aws_region"}, func(c *Config) { c.RegionKey = "aws_region" }},
		{"redact off", map[string]string{"Redact": "off"}, func(c *Config) { c.Redact = false }},
		{"redact FALSE", map[string]string{"Redact": "FALSE"}, func(c *Config) { c.Redact = false }},
		{"redact no", map[string]string{"Redact": "No"}, func(c *Config) { c.Redact = false }},
		{"redact 0", map[string]string{"Redact": "0"}, func(c *Config) { c.Redact = false }},
		{"include raw on", map[string]string{"Include_Raw": "On"}, func(c *Config) { c.IncludeRaw = true }},
		{"include raw true", map[string]string{"Include_Raw": "true"}, func(c *Config) { c.IncludeRaw = true }},
		{"include raw yes", map[string]string{"Include_Raw": "YES"}, func(c *Config) { c.IncludeRaw = true }},
		{"include raw 1", map[string]string{"Include_Raw": "1"}, func(c *Config) { c.IncludeRaw = true }},
		{"message key", map[string]string{"Message_Key": "principal.arn"}, func(c *Config) { c.MessageKey = "principal.arn" }},
		{"message key single", map[string]string{"Message_Key": "action"}, func(c *Config) { c.MessageKey = "action" }},
		{"message key none", map[string]string{"Message_Key": "none"}, func(c *Config) { c.MessageKey = "" }},
		{"message key Off", map[string]string{"Message_Key": "Off"}, func(c *Config) { c.MessageKey = "" }},
		{"compression gzip", map[string]string{"Compression": "gzip"}, func(c *Config) { c.Compression = CodecGzip }},
		{"msk iam", map[string]string{"SASL_Mechanism": "aws_msk_iam", "AWS_Region": "eu-west-1"}, func(c *Config) {
			c.SASLMechanism, c.AWSRegion = MechanismAWSMSKIAM, "eu-west-1"
		}},
		{"compression snappy", map[string]string{"Compression": "snappy"}, func(c *Config) { c.Compression = CodecSnappy }},
		{"compression lz4", map[string]string{"Compression": "lz4"}, func(c *Config) { c.Compression = CodecLz4 }},
		{"compression ZSTD", map[string]string{"Compression": "ZSTD"}, func(c *Config) { c.Compression = CodecZstd }},
		{"compression none", map[string]string{"Compression": "none"}, func(c *Config) {}},
		{"acks one", map[string]string{"Required_Acks": "one"}, func(c *Config) { c.RequiredAcks = AcksOne }},
		{"acks 1", map[string]string{"Required_Acks": "1"}, func(c *Config) { c.RequiredAcks = AcksOne }},
		{"acks none", map[string]string{"Required_Acks": "None"}, func(c *Config) { c.RequiredAcks = AcksNone }},
		{"acks 0", map[string]string{"Required_Acks": "0"}, func(c *Config) { c.RequiredAcks = AcksNone }},
		{"acks -1", map[string]string{"Required_Acks": "-1"}, func(c *Config) {}},
		{"acks ALL", map[string]string{"Required_Acks": "ALL"}, func(c *Config) {}},
		{"batch size", map[string]string{"Batch_Size": "1"}, func(c *Config) { c.BatchSize = 1 }},
		{"batch size max", map[string]string{"Batch_Size": "1000000"}, func(c *Config) { c.BatchSize = 1000000 }},
		{"batch bytes", map[string]string{"Batch_Bytes": "104857600"}, func(c *Config) { c.BatchBytes = 104857600 }},
		{"write timeout", map[string]string{"Write_Timeout": "1m30s"}, func(c *Config) { c.WriteTimeout = 90 * time.Second }},
		{"write timeout seconds", map[string]string{"Write_Timeout": "30"}, func(c *Config) { c.WriteTimeout = 30 * time.Second }},
		{"metrics interval", map[string]string{"Metrics_Interval": "5m"}, func(c *Config) { c.MetricsInterval = 5 * time.Minute }},
		{"metrics interval seconds", map[string]string{"Metrics_Interval": "15"}, func(c *Config) { c.MetricsInterval = 15 * time.Second }},
		{"metrics 0", map[string]string{"Metrics_Interval": "0"}, func(c *Config) { c.MetricsInterval = 0 }},
		{"metrics 0s", map[string]string{"Metrics_Interval": "0s"}, func(c *Config) { c.MetricsInterval = 0 }},
		{"metrics off", map[string]string{"Metrics_Interval": "Off"}, func(c *Config) { c.MetricsInterval = 0 }},
		{"client id", map[string]string{"Client_ID": "fb-host-7"}, func(c *Config) { c.ClientID = "fb-host-7" }},
		{"tls on", map[string]string{"Kafka.TLS": "on"}, func(c *Config) { c.TLS = true }},
		{"tls verify off", map[string]string{"Kafka.TLS": "true", "Kafka.TLS.Verify": "off"}, func(c *Config) { c.TLS, c.TLSVerify = true, false }},
		{"tls files", map[string]string{"Kafka.TLS": "yes", "Kafka.TLS.CA_File": pki.ca, "Kafka.TLS.Cert_File": pki.cert, "Kafka.TLS.Key_File": pki.key}, func(c *Config) {
			c.TLS, c.TLSCAFile, c.TLSCertFile, c.TLSKeyFile = true, pki.ca, pki.cert, pki.key
		}},
		{"tls off explicitly", map[string]string{"Kafka.TLS": "off"}, func(c *Config) {}},
		{"sasl plain", map[string]string{"SASL_Mechanism": "plain", "SASL_Username": "u", "SASL_Password": "p"}, func(c *Config) {
			c.SASLMechanism, c.SASLUsername, c.SASLPassword = MechanismPlain, "u", "p"
		}},
		{"sasl scram-sha-256", map[string]string{"SASL_Mechanism": "scram-sha-256", "SASL_Username": "u", "SASL_Password": "p"}, func(c *Config) {
			c.SASLMechanism, c.SASLUsername, c.SASLPassword = MechanismSCRAMSHA256, "u", "p"
		}},
		{"sasl password kept verbatim", map[string]string{"SASL_Mechanism": "SCRAM-SHA-512", "SASL_Username": "u", "SASL_Password": " p w "}, func(c *Config) {
			c.SASLMechanism, c.SASLUsername, c.SASLPassword = MechanismSCRAMSHA512, "u", " p w "
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMap(tt.props)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			want := baseConfig()
			if b, ok := tt.props["Brokers"]; ok {
				want.Brokers = splitList(b)
			}
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestValidationErrors(t *testing.T) {
	dir := t.TempDir()
	pki := writePKI(t, dir)
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")

	tests := []struct {
		name    string
		props   map[string]string
		key     string
		contain string
	}{
		{"brokers missing", map[string]string{"Brokers": ""}, "Brokers", "is required"},
		{"brokers only commas", map[string]string{"Brokers": " , "}, "Brokers", "is required"},
		{"broker without port", map[string]string{"Brokers": "kafka"}, "Brokers", `"kafka" has no port`},
		{"broker port zero", map[string]string{"Brokers": "kafka:0"}, "Brokers", "1 to 65535"},
		{"broker port too big", map[string]string{"Brokers": "kafka:65536"}, "Brokers", "1 to 65535"},
		{"broker port not numeric", map[string]string{"Brokers": "kafka:http"}, "Brokers", "1 to 65535"},
		{"broker no host", map[string]string{"Brokers": ":9092"}, "Brokers", "has no host"},
		{"broker with scheme", map[string]string{"Brokers": "PLAINTEXT://kafka:9092"}, "Brokers", "drop the scheme"},
		{"broker too many colons", map[string]string{"Brokers": "a:b:9092"}, "Brokers", "not host:port"},
		{"topic bad char", map[string]string{"Topic": "aws/audit"}, "Topic", "not a valid Kafka topic"},
		{"topic dot", map[string]string{"Topic": "."}, "Topic", "not a valid Kafka topic"},
		{"topic dotdot", map[string]string{"Topic": ".."}, "Topic", "not a valid Kafka topic"},
		{"topic too long", map[string]string{"Topic": strings.Repeat("t", 250)}, "Topic", "not a valid Kafka topic"},
		{"s3 topic bad", map[string]string{"Topic_S3_Access": "s3 access"}, "Topic_S3_Access", "not a valid Kafka topic"},
		{"cloudtrail topic bad", map[string]string{"Topic_CloudTrail": "ct!"}, "Topic_CloudTrail", "not a valid Kafka topic"},
		{"dlq topic bad", map[string]string{"DLQ_Topic": "dl q"}, "DLQ_Topic", "not a valid Kafka topic"},
		{"dlq same as topic", map[string]string{"DLQ_Topic": "aws.audit.normalized"}, "DLQ_Topic", "topic of their own"},
		{"dlq same as s3 topic", map[string]string{"Topic_S3_Access": "x", "DLQ_Topic": "x"}, "DLQ_Topic", "topic of their own"},
		{"source", map[string]string{"Source": "vpcflow"}, "Source", `"vpcflow" is not one of auto, s3_access, cloudtrail`},
		{"region junk", map[string]string{"Default_Region": "useast1"}, "Default_Region", "does not look like a region"},
		{"region az", map[string]string{"Default_Region": "us-east-1a"}, "Default_Region", "does not look like a region"},
		{"redact", map[string]string{"Redact": "maybe"}, "Redact", `"maybe" is not a boolean`},
		{"include raw", map[string]string{"Include_Raw": "2"}, "Include_Raw", `"2" is not a boolean`},
		{"message key empty segment", map[string]string{"Message_Key": "bucket..name"}, "Message_Key", "empty path segment"},
		{"message key leading dot", map[string]string{"Message_Key": ".bucket"}, "Message_Key", "empty path segment"},
		{"message key trailing dot", map[string]string{"Message_Key": "bucket."}, "Message_Key", "empty path segment"},
		{"message key typo", map[string]string{"Message_Key": "bucket.nmae"}, "Message_Key", "did you mean bucket.name?"},
		{"message key static", map[string]string{"Message_Key": "my-static-key"}, "Message_Key", "not a field of the normalized record"},
		{"compression", map[string]string{"Compression": "brotli"}, "Compression", `"brotli" is not one of none, gzip`},
		{"msk iam with a password", map[string]string{"SASL_Mechanism": "AWS_MSK_IAM", "SASL_Password": "x"}, "SASL_Password", "not used with AWS_MSK_IAM"},
		{"aws region without msk", map[string]string{"AWS_Region": "eu-west-1"}, "AWS_Region", "SASL_Mechanism is not AWS_MSK_IAM"},
		{"acks", map[string]string{"Required_Acks": "2"}, "Required_Acks", `"2" is not one of all, one, none`},
		{"batch size zero", map[string]string{"Batch_Size": "0"}, "Batch_Size", "out of range 1-1000000"},
		{"batch size too big", map[string]string{"Batch_Size": "1000001"}, "Batch_Size", "out of range"},
		{"batch size not int", map[string]string{"Batch_Size": "1k"}, "Batch_Size", `"1k" is not an integer`},
		{"batch size overflow", map[string]string{"Batch_Size": "99999999999999999999"}, "Batch_Size", "value out of range"},
		{"batch bytes too big", map[string]string{"Batch_Bytes": "104857601"}, "Batch_Bytes", "out of range 1-104857600"},
		{"batch bytes negative", map[string]string{"Batch_Bytes": "-5"}, "Batch_Bytes", "out of range"},
		{"write timeout junk", map[string]string{"Write_Timeout": "soon"}, "Write_Timeout", `"soon" is not a duration`},
		{"write timeout zero", map[string]string{"Write_Timeout": "0"}, "Write_Timeout", "greater than zero"},
		{"write timeout off", map[string]string{"Write_Timeout": "off"}, "Write_Timeout", "not a duration"},
		{"write timeout negative", map[string]string{"Write_Timeout": "-1s"}, "Write_Timeout", "must not be negative"},
		{"write timeout inf", map[string]string{"Write_Timeout": "inf"}, "Write_Timeout", "out of range"},
		{"write timeout huge", map[string]string{"Write_Timeout": "1e300"}, "Write_Timeout", "out of range"},
		{"metrics negative", map[string]string{"Metrics_Interval": "-5"}, "Metrics_Interval", "must not be negative"},
		{"metrics junk", map[string]string{"Metrics_Interval": "hourly"}, "Metrics_Interval", "not a duration"},
		{"tls bool", map[string]string{"Kafka.TLS": "enabled"}, "Kafka.TLS", `"enabled" is not a boolean`},
		{"tls verify bool", map[string]string{"Kafka.TLS": "on", "Kafka.TLS.Verify": "strict"}, "Kafka.TLS.Verify", "not a boolean"},
		{"tls ca while off", map[string]string{"Kafka.TLS.CA_File": pki.ca}, "Kafka.TLS.CA_File", "is set but Kafka.TLS is off"},
		{"tls cert while off", map[string]string{"Kafka.TLS": "off", "Kafka.TLS.Cert_File": pki.cert}, "Kafka.TLS.Cert_File", "is set but Kafka.TLS is off"},
		{"tls key while off", map[string]string{"Kafka.TLS.Key_File": pki.key}, "Kafka.TLS.Key_File", "is set but Kafka.TLS is off"},
		{"tls verify while off", map[string]string{"Kafka.TLS.Verify": "off"}, "Kafka.TLS.Verify", "is set but Kafka.TLS is off"},
		{"tls ca missing", map[string]string{"Kafka.TLS": "on", "Kafka.TLS.CA_File": missing}, "Kafka.TLS.CA_File", "no such file"},
		{"tls ca directory", map[string]string{"Kafka.TLS": "on", "Kafka.TLS.CA_File": dir}, "Kafka.TLS.CA_File", "is a directory"},
		{"tls ca not pem", map[string]string{"Kafka.TLS": "on", "Kafka.TLS.CA_File": notPEM}, "Kafka.TLS.CA_File", "holds no PEM certificate"},
		{"tls cert without key", map[string]string{"Kafka.TLS": "on", "Kafka.TLS.Cert_File": pki.cert}, "Kafka.TLS.Key_File", "is required with Kafka.TLS.Cert_File"},
		{"tls key without cert", map[string]string{"Kafka.TLS": "on", "Kafka.TLS.Key_File": pki.key}, "Kafka.TLS.Cert_File", "is required with Kafka.TLS.Key_File"},
		{"tls key does not match cert", map[string]string{"Kafka.TLS": "on", "Kafka.TLS.Cert_File": pki.cert, "Kafka.TLS.Key_File": pki.otherKey}, "Kafka.TLS.Cert_File", "cannot load certificate"},
		{"tls cert not pem", map[string]string{"Kafka.TLS": "on", "Kafka.TLS.Cert_File": notPEM, "Kafka.TLS.Key_File": pki.key}, "Kafka.TLS.Cert_File", "cannot load certificate"},
		{"legacy TLS", map[string]string{"TLS": "on"}, "TLS", "use Kafka.TLS"},
		{"batch timeout", map[string]string{"Batch_Timeout": "10ms"}, "Batch_Timeout", "is not a setting: each flush sends its chunk at once"},
		{"legacy tls.ca_file", map[string]string{"tls.ca_file": pki.ca}, "TLS.CA_File", "use Kafka.TLS.CA_File"},
		{"legacy tls.verify", map[string]string{"tls.verify": "off"}, "TLS.Verify", "use Kafka.TLS.Verify"},
		{"sasl mechanism", map[string]string{"SASL_Mechanism": "GSSAPI", "SASL_Username": "u", "SASL_Password": "p"}, "SASL_Mechanism", `"GSSAPI" is not one of PLAIN`},
		{"sasl no username", map[string]string{"SASL_Mechanism": "PLAIN", "SASL_Password": "p"}, "SASL_Username", "is required with SASL_Mechanism"},
		{"sasl no password", map[string]string{"SASL_Mechanism": "PLAIN", "SASL_Username": "u"}, "SASL_Password", "is required with SASL_Mechanism"},
		{"sasl username without mechanism", map[string]string{"SASL_Username": "u"}, "SASL_Username", "is set but SASL_Mechanism is not"},
		{"sasl password without mechanism", map[string]string{"SASL_Password": "p"}, "SASL_Password", "is set but SASL_Mechanism is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseMap(tt.props)
			if err == nil {
				t.Fatalf("no error; config %v", c)
			}
			if !reflect.DeepEqual(c, Config{}) {
				t.Errorf("config returned with an error: %v", c)
			}
			ps := problems(t, err)
			if len(ps) != 1 {
				t.Fatalf("want exactly one problem, got %d:\n%v", len(ps), err)
			}
			if ps[0].Key != tt.key || !strings.Contains(ps[0].Error(), tt.contain) {
				t.Errorf("got %q, want key %s and text %q", ps[0].Error(), tt.key, tt.contain)
			}
		})
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	_, err := Parse(FromMap(map[string]string{
		"Brokers":        "kafka",          // no port
		"Compression":    "brotli",         // unknown codec
		"Redact":         "sometimes",      // not a boolean
		"SASL_Mechanism": "SCRAM-SHA-512",  // no username
		"SASL_Password":  "hunter2-secret", // (valid)
		"Topic":          "aws.audit.normalized",
	}))
	ps := problems(t, err)
	var keys []string
	for _, p := range ps {
		keys = append(keys, p.Key)
	}
	want := []string{"Brokers", "Redact", "Compression", "SASL_Username"}
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("problem keys = %v, want %v\n%v", keys, want, err)
	}
	// One line per problem, so a user sees every mistake in a log line each.
	if n := len(strings.Split(err.Error(), "\n")); n != 4 {
		t.Errorf("error has %d lines, want 4:\n%v", n, err)
	}
}

func TestFromMapCaseInsensitive(t *testing.T) {
	props := map[string]string{
		"brokers":          "a:9092",
		"TOPIC":            "t1",
		"topic_s3_access":  "s3",
		"Topic_Cloudtrail": "ct",
		"kafka.tls":        "ON",
		"KAFKA.TLS.VERIFY": "off",
		"sasl_mechanism":   "plain",
		"Sasl_Username":    "u",
		"SASL_PASSWORD":    "p",
		"batch_size":       "7",
	}
	c, err := Parse(FromMap(props))
	if err != nil {
		t.Fatal(err)
	}
	if c.Topic != "t1" || c.TopicS3Access != "s3" || c.TopicCloudTrail != "ct" ||
		!c.TLS || c.TLSVerify || c.SASLMechanism != MechanismPlain || c.SASLUsername != "u" ||
		c.SASLPassword != "p" || c.BatchSize != 7 || !slices.Equal(c.Brokers, []string{"a:9092"}) {
		t.Errorf("case-insensitive lookup failed: %v", c)
	}

	t.Run("exact case wins", func(t *testing.T) {
		get := FromMap(map[string]string{"Topic": "exact", "topic": "lower", "TOPIC": "upper"})
		for range 20 {
			if got := get("Topic"); got != "exact" {
				t.Fatalf("get(Topic) = %q", got)
			}
		}
	})
	t.Run("stable among case variants", func(t *testing.T) {
		m := map[string]string{"topic": "lower", "TOPIC": "upper"}
		first := FromMap(m)("Topic")
		for range 20 {
			if got := FromMap(m)("Topic"); got != first {
				t.Fatalf("lookup not deterministic: %q vs %q", got, first)
			}
		}
	})
	t.Run("missing is empty", func(t *testing.T) {
		if got := FromMap(nil)("Brokers"); got != "" {
			t.Errorf("got %q", got)
		}
	})
}

func TestPasswordNeverShown(t *testing.T) {
	const secret = "hunter2-secret"

	t.Run("errors", func(t *testing.T) {
		tests := []map[string]string{
			// A password without a mechanism, among other mistakes.
			{"Brokers": "kafka", "SASL_Password": secret, "Compression": "x"},
			// Mechanism invalid while the password is set.
			{"SASL_Mechanism": "md5", "SASL_Username": "u", "SASL_Password": secret},
			// The password pasted into the wrong keys is scrubbed from the echo.
			{"Brokers": secret, "Topic": secret + "!", "SASL_Mechanism": "PLAIN", "SASL_Username": "u", "SASL_Password": secret},
		}
		for i, props := range tests {
			_, err := Parse(FromMap(props))
			if err == nil {
				t.Fatalf("case %d: no error", i)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("case %d: error shows the password:\n%v", i, err)
			}
		}
	})

	c, err := parseMap(map[string]string{"SASL_Mechanism": "SCRAM-SHA-512", "SASL_Username": "svc", "SASL_Password": secret})
	if err != nil {
		t.Fatal(err)
	}
	var slogJSON, slogText bytes.Buffer
	slog.New(slog.NewJSONHandler(&slogJSON, nil)).Info("config", "cfg", c)
	slog.New(slog.NewTextHandler(&slogText, nil)).Info("config", "cfg", c)
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	type wrapper struct{ Cfg Config }
	renders := map[string]string{
		"String":    c.String(),
		"GoString":  c.GoString(),
		"%v":        fmt.Sprintf("%v", c),
		"%+v":       fmt.Sprintf("%+v", c),
		"%#v":       fmt.Sprintf("%#v", c),
		"%s":        fmt.Sprintf("%s", c),
		"%q":        fmt.Sprintf("%q", c),
		"%d":        fmt.Sprintf("%d", c),
		"%x":        fmt.Sprintf("%x", c),
		"pointer":   fmt.Sprintf("%v", &c),
		"nested":    fmt.Sprintf("%+v", wrapper{c}),
		"slog json": slogJSON.String(),
		"slog text": slogText.String(),
		"json":      string(js),
	}
	for name, s := range renders {
		if strings.Contains(s, secret) {
			t.Errorf("%s shows the password: %s", name, s)
		}
	}
	for _, name := range []string{"String", "GoString", "slog json", "json"} {
		if !strings.Contains(renders[name], mask) {
			t.Errorf("%s does not show the mask: %s", name, renders[name])
		}
	}
	if c.SASLPassword != secret {
		t.Error("masking changed the config itself")
	}
	if s := baseConfig().String(); !strings.Contains(s, `SASLPassword: "(empty)"`) {
		t.Errorf("empty password not shown as (empty): %s", s)
	}
}

func TestStringShowsEveryField(t *testing.T) {
	c := baseConfig()
	s, gs := c.String(), c.GoString()
	var js map[string]any
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &js); err != nil {
		t.Fatal(err)
	}
	group := c.LogValue().Group()
	typ := reflect.TypeFor[Config]()
	if len(group) != typ.NumField() || len(js) != typ.NumField() {
		t.Errorf("LogValue has %d attrs, JSON %d keys, Config %d fields", len(group), len(js), typ.NumField())
	}
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		if !strings.Contains(s, name+": ") {
			t.Errorf("String lacks %s: %s", name, s)
		}
		if !strings.Contains(gs, name+":") {
			t.Errorf("GoString lacks %s: %s", name, gs)
		}
		if _, ok := js[name]; !ok {
			t.Errorf("JSON lacks %s", name)
		}
	}
	if !strings.HasPrefix(gs, "conf.Config{") {
		t.Errorf("GoString = %s", gs)
	}
	if js["WriteTimeout"] != "10s" {
		t.Errorf("JSON WriteTimeout = %v, want 10s", js["WriteTimeout"])
	}
}

// TestParseReadsDocumentedKeys keeps Keys() and Parse in step: every key
// Parse asks for is documented (or a rejected legacy spelling), and every
// documented key is asked for.
func TestParseReadsDocumentedKeys(t *testing.T) {
	asked := map[string]bool{}
	_, _ = Parse(func(k string) string {
		asked[k] = true
		if k == keyBrokers {
			return "a:1"
		}
		return ""
	})
	want := map[string]bool{}
	for _, k := range Keys() {
		want[k.Name] = true
	}
	for _, k := range legacyTLSKeys {
		want[k.old] = true
	}
	want[keyBatchTimeout] = true // read to be refused
	if !reflect.DeepEqual(asked, want) {
		t.Errorf("Parse asks for %v\nKeys()+legacy document %v", sortedKeys(asked), sortedKeys(want))
	}
}

// TestDocumentedDefaults checks that each documented default is the real
// one: writing it explicitly changes nothing.
func TestDocumentedDefaults(t *testing.T) {
	// Kafka.TLS on so that Kafka.TLS.Verify may be set at all.
	base := map[string]string{"Kafka.TLS": "on"}
	want, err := parseMap(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		if k.Default == "" || k.Name == keyTLS {
			continue
		}
		t.Run(k.Name, func(t *testing.T) {
			got, err := parseMap(map[string]string{"Kafka.TLS": "on", k.Name: k.Default})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("setting the documented default %q changed the config:\n got %v\nwant %v", k.Default, got, want)
			}
		})
	}
	if d := Keys()[slices.IndexFunc(Keys(), func(k KeyDoc) bool { return k.Name == keyTLS })].Default; d != "off" || Default().TLS {
		t.Errorf("Kafka.TLS documented default %q, real %v", d, Default().TLS)
	}
}

func TestKeysMarkdown(t *testing.T) {
	const path = "KEYS.md"
	got := MarkdownTable()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./conf -run TestKeysMarkdown -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s is stale; run go test ./conf -run TestKeysMarkdown -update", path)
	}
	for _, k := range Keys() {
		if k.Description == "" {
			t.Errorf("%s has no description", k.Name)
		}
		if !strings.Contains(got, "| `"+k.Name+"` |") {
			t.Errorf("table lacks %s", k.Name)
		}
	}
}

func TestKeyNamesAvoidFluentBitCore(t *testing.T) {
	for _, k := range Keys() {
		lk := strings.ToLower(k.Name)
		if coreOutputKeys[lk] || strings.HasPrefix(lk, "tls") || strings.HasPrefix(lk, "net.") || strings.HasPrefix(lk, "oauth2") {
			t.Errorf("%s is taken by Fluent Bit's core and would never reach the plugin", k.Name)
		}
	}
}

func TestTLSConfig(t *testing.T) {
	pki := writePKI(t, t.TempDir())
	tests := []struct {
		name       string
		props      map[string]string
		nilConfig  bool
		skipVerify bool
		roots      bool
		certs      int
	}{
		{"off", nil, true, false, false, 0},
		{"system roots", map[string]string{"Kafka.TLS": "on"}, false, false, false, 0},
		{"no verify", map[string]string{"Kafka.TLS": "on", "Kafka.TLS.Verify": "off"}, false, true, false, 0},
		{"ca and client pair", map[string]string{"Kafka.TLS": "on", "Kafka.TLS.CA_File": pki.ca, "Kafka.TLS.Cert_File": pki.cert, "Kafka.TLS.Key_File": pki.key}, false, false, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseMap(tt.props)
			if err != nil {
				t.Fatal(err)
			}
			tc, err := c.TLSConfig()
			if err != nil {
				t.Fatal(err)
			}
			if tt.nilConfig {
				if tc != nil {
					t.Errorf("want nil, got %+v", tc)
				}
				return
			}
			if tc.InsecureSkipVerify != tt.skipVerify || (tc.RootCAs != nil) != tt.roots || len(tc.Certificates) != tt.certs {
				t.Errorf("got skip=%v roots=%v certs=%d", tc.InsecureSkipVerify, tc.RootCAs != nil, len(tc.Certificates))
			}
		})
	}

	t.Run("missing files reported each", func(t *testing.T) {
		dir := t.TempDir()
		_, err := parseMap(map[string]string{
			"Kafka.TLS":           "on",
			"Kafka.TLS.CA_File":   filepath.Join(dir, "ca.pem"),
			"Kafka.TLS.Cert_File": filepath.Join(dir, "crt.pem"),
			"Kafka.TLS.Key_File":  filepath.Join(dir, "key.pem"),
		})
		var keys []string
		for _, p := range problems(t, err) {
			keys = append(keys, p.Key)
		}
		if want := []string{"Kafka.TLS.CA_File", "Kafka.TLS.Cert_File", "Kafka.TLS.Key_File"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("keys %v, want %v\n%v", keys, want, err)
		}
	})
	t.Run("bad CA and bad pair reported together", func(t *testing.T) {
		_, err := parseMap(map[string]string{
			"Kafka.TLS":           "on",
			"Kafka.TLS.CA_File":   pki.key, // a key is not a certificate
			"Kafka.TLS.Cert_File": pki.cert,
			"Kafka.TLS.Key_File":  pki.otherKey,
		})
		if n := len(problems(t, err)); n != 2 {
			t.Errorf("want 2 problems, got %d:\n%v", n, err)
		}
	})
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type testPKI struct{ ca, cert, key, otherKey string }

// writePKI writes a self-signed certificate (also used as the CA), its key
// and an unrelated key into dir.
func writePKI(t *testing.T, dir string) testPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "awsaudit-test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	otherDER, err := x509.MarshalECPrivateKey(other)
	if err != nil {
		t.Fatal(err)
	}
	cert := write("client.pem", "CERTIFICATE", der)
	return testPKI{
		ca:       cert,
		cert:     cert,
		key:      write("client-key.pem", "EC PRIVATE KEY", keyDER),
		otherKey: write("other-key.pem", "EC PRIVATE KEY", otherDER),
	}
}
