package pipeline

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/normalize/detect"
	"github.com/awsaudit/awsaudit/normalize/ocsf"
	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Inputs copied from public AWS documentation examples (see
// shared/samples/SOURCES.md): access-log lines and CloudTrail records.
var (
	s3Lines = []string{
		`79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes us-east-1`,
		`79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 891CE47D2EXAMPLE REST.GET.LOGGING_STATUS - "GET /amzn-s3-demo-bucket1?logging HTTP/1.1" 200 - 242 - 11 - "-" "S3Console/0.4" - 9vKBE6vMhrNiWHZmb2L0mXOcqPGzQOI5XLnCtZNPxev+Hf+7tpT6sxDwDty4LHBUOZJG96N1234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 - - us-east-1`,
		`79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be mybucket [06/Feb/2014:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be A1206F460EXAMPLE REST.GET.BUCKETPOLICY - "GET /mybucket?policy HTTP/1.1" 404 NoSuchBucketPolicy 297 - 38 - "-" "S3Console/0.4" -`,
	}
	ctRecord = `{"eventVersion":"1.03","userIdentity":{"type":"IAMUser","principalId":"111122223333","arn":"arn:aws:iam::111122223333:user/myUserName","accountId":"111122223333","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"myUserName"},"eventTime":"2019-02-01T03:18:19Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-west-2","sourceIPAddress":"127.0.0.1","userAgent":"[]","requestParameters":{"host":["s3.us-west-2.amazonaws.com"]},"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV2","AuthenticationMethod":"QueryString","aclRequired":"Yes"},"requestID":"47B8E8D397DCE7A6","eventID":"cdc4b7ed-e171-4cef-975a-ad829d4123e8","eventType":"AwsApiCall","recipientAccountId":"444455556666"}`
	// A record already split into fields by a JSON parser upstream.
	ctFields = M("eventVersion", "1.03", "userIdentity", M("type", "Root", "principalId", "123456789012",
		"arn", "arn:aws:iam::123456789012:root", "accountId", "123456789012"),
		"eventTime", "2016-02-20T01:09:13Z", "eventSource", "s3.amazonaws.com", "eventName", "CreateBucket",
		"awsRegion", "us-east-1", "sourceIPAddress", "100.100.100.100", "userAgent", "[S3Console/0.4]",
		"requestParameters", M("bucketName", "bucket-test-iad"), "responseElements", nil,
		"requestID", "9D767BCC3B4E7487", "eventID", "24ba271e-d595-4e66-a7fd-9c16cbf8abae", "eventType", "AwsApiCall")
	// Rejected by the normalizer (too few fields), carrying a secret.
	badLine = `not an access log "GET /k?X-Amz-Signature=0123456789abcdef HTTP/1.1"`
)

// kafkaConfig points a test config at a kfake cluster.
func kafkaConfig(c *kafkatest.Cluster) conf.Config {
	cfg := testConfig(c.Brokers()...)
	cfg.WriteTimeout = 5 * time.Second
	return cfg
}

func newKafkaPipeline(t *testing.T, cfg conf.Config, opts ...option) (*Pipeline, *logSink) {
	t.Helper()
	logs := &logSink{}
	p, err := open(cfg, logs.log, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p, logs
}

// mixedChunk holds every kind of input once per round: access-log lines
// (log key, message key, bin), a CloudTrail line, CloudTrail fields, a
// rejected line and a record with no log key. It returns how many
// normalized and dead-lettered messages it must produce.
func mixedChunk(rounds int) (chunk []byte, normalized, dead int) {
	c := kafkatest.NewChunk()
	for r := range rounds {
		ts := t0.Add(time.Duration(r) * time.Second)
		c.Line(ts, "log", s3Lines[0])
		c.Add(kafkatest.Event{Time: ts, Legacy: true, Fields: M("message", s3Lines[1])})
		c.Add(kafkatest.Event{Time: ts, Bin: true, TimeForm: kafkatest.TimeInt, Fields: M("log", s3Lines[2], "stream", "stdout")})
		c.Line(ts, "log", ctRecord)
		c.Add(kafkatest.Event{Time: ts, TimeForm: kafkatest.TimeFloat, Fields: ctFields})
		c.Line(ts, "log", badLine)
		c.Add(kafkatest.Event{Time: ts, Fields: M("foo", "bar")})
	}
	return c.Bytes(), 5 * rounds, 2 * rounds
}

type unified struct {
	SchemaVersion int    `json:"schema_version"`
	Source        string `json:"source"`
	Bucket        struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Request struct {
		ID string `json:"id"`
	} `json:"request"`
}

func TestKafkaEndToEnd(t *testing.T) {
	c := kafkatest.New(t, 3, topicMain, topicDLQ)
	p, _ := newKafkaPipeline(t, kafkaConfig(c))
	chunk, wantOut, wantDead := mixedChunk(4)
	if st := p.Flush(chunk, "aws.logs"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	out := c.Consume(t, topicMain)
	dead := c.Consume(t, topicDLQ)
	if len(out) != wantOut || len(dead) != wantDead {
		t.Fatalf("%d normalized + %d dead letters, want %d + %d\n%s", len(out), len(dead), wantOut, wantDead,
			strings.Join(kafkatest.Values(dead), "\n"))
	}
	ids := map[string]int{}
	for _, m := range out {
		var u unified
		if err := json.Unmarshal(m.Value, &u); err != nil {
			t.Fatalf("value %q: %v", m.Value, err)
		}
		if m.Headers["source"] != u.Source || m.Headers["schema_version"] != "1" || u.SchemaVersion != 1 {
			t.Errorf("headers %v for a %s record", m.Headers, u.Source)
		}
		if string(m.Key) != u.Bucket.Name { // Message_Key bucket.name; no bucket, no key
			t.Errorf("key %q, bucket %q", m.Key, u.Bucket.Name)
		}
		ids[u.Request.ID]++
	}
	for _, id := range []string{"3E57427F3EXAMPLE", "891CE47D2EXAMPLE", "A1206F460EXAMPLE", "47B8E8D397DCE7A6", "9D767BCC3B4E7487"} {
		if ids[id] != 4 {
			t.Errorf("request %s arrived %d times, want 4", id, ids[id])
		}
	}
	reasons := map[string]int{}
	for _, m := range dead {
		d := decodeDLQ(t, m.Value)
		if d.Tag != "aws.logs" || m.Headers["reason"] == "" || m.Headers["source"] != d.Source {
			t.Errorf("dead letter %+v headers %v", d, m.Headers)
		}
		if strings.Contains(d.Input, "0123456789abcdef") {
			t.Errorf("dead letter leaks a signature: %s", d.Input)
		}
		reasons[d.Reason]++
	}
	if reasons["record has no log key (log, message) and no CloudTrail fields"] != 4 || len(reasons) != 2 {
		t.Errorf("reasons %v", reasons)
	}
	st := p.Stats()
	if st.RecordsIn != 28 || st.Out() != int64(wantOut) || st.DeadLettered != int64(wantDead) || st.FlushesOK != 1 || st.BytesOut == 0 {
		t.Errorf("stats %v", st)
	}
}

// TestKafkaTopicRouting: per-source topics on a real broker, keys keep a
// bucket on one partition.
func TestKafkaTopicRouting(t *testing.T) {
	c := kafkatest.New(t, 4, topicMain, topicS3, topicCT, topicDLQ)
	cfg := kafkaConfig(c)
	cfg.TopicS3Access, cfg.TopicCloudTrail = topicS3, topicCT
	p, _ := newKafkaPipeline(t, cfg)
	chunk, _, _ := mixedChunk(5)
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	s3 := c.Consume(t, topicS3)
	ct := c.Consume(t, topicCT)
	if len(s3) != 15 || len(ct) != 10 || len(c.Consume(t, topicDLQ)) != 10 {
		t.Fatalf("s3 %d, cloudtrail %d", len(s3), len(ct))
	}
	if n := len(c.Consume(t, topicMain)); n != 0 {
		t.Errorf("%d messages on the default topic", n)
	}
	partOf := map[string]int32{}
	for _, m := range s3 {
		if m.Headers["source"] != "s3_access" {
			t.Errorf("s3 topic holds %v", m.Headers)
		}
		if p, ok := partOf[string(m.Key)]; ok && p != m.Partition {
			t.Errorf("bucket %s on partitions %d and %d", m.Key, p, m.Partition)
		}
		partOf[string(m.Key)] = m.Partition
	}
	for _, m := range ct {
		if m.Headers["source"] != "cloudtrail" {
			t.Errorf("cloudtrail topic holds %v", m.Headers)
		}
	}
}

func TestKafkaDLQOff(t *testing.T) {
	c := kafkatest.New(t, 1, topicMain, topicDLQ)
	cfg := kafkaConfig(c)
	cfg.DLQTopic = ""
	p, logs := newKafkaPipeline(t, cfg)
	chunk, wantOut, wantDead := mixedChunk(2)
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	if n := len(c.Consume(t, topicMain)); n != wantOut {
		t.Errorf("%d normalized, want %d", n, wantOut)
	}
	if n := len(c.Consume(t, topicDLQ)); n != 0 {
		t.Errorf("%d dead letters with the DLQ off", n)
	}
	if st := p.Stats(); st.Dropped != int64(wantDead) {
		t.Errorf("stats %v", st)
	}
	if !strings.Contains(logs.all(), "dropping a rejected record") {
		t.Error("no warning for dropped records")
	}
}

// TestKafkaRetryAfterFault: while the broker refuses writes a flush asks
// for a retry; once it accepts them the same chunk gets through, and every
// record is in Kafka at least once.
func TestKafkaRetryAfterFault(t *testing.T) {
	faults := []struct {
		name   string
		inject func(*kafkatest.Cluster) *kafkatest.Fault
	}{
		{"not enough replicas", func(c *kafkatest.Cluster) *kafkatest.Fault { return c.FailProduce(kafkatest.CodeNotEnoughReplicas) }},
		{"leader moved", func(c *kafkatest.Cluster) *kafkatest.Fault { return c.FailProduce(kafkatest.CodeNotLeaderOrFollower) }},
		{"unknown server error", func(c *kafkatest.Cluster) *kafkatest.Fault { return c.FailProduce(kafkatest.CodeUnknownServerError) }},
		{"topic authorization", func(c *kafkatest.Cluster) *kafkatest.Fault { return c.FailProduce(kafkatest.CodeTopicAuthorization) }},
		{"connection dropped", func(c *kafkatest.Cluster) *kafkatest.Fault { return c.DropProduceConnections() }},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			c := kafkatest.New(t, 2, topicMain, topicDLQ)
			cfg := kafkaConfig(c)
			cfg.WriteTimeout = 3 * time.Second
			p, logs := newKafkaPipeline(t, cfg)
			chunk, wantOut, wantDead := mixedChunk(3)
			fault := f.inject(c)
			start := time.Now()
			if st := p.Flush(chunk, "t"); st != StatusRetry {
				t.Fatalf("Flush under fault = %v, want retry", st)
			}
			if d := time.Since(start); d > cfg.WriteTimeout+time.Second {
				t.Errorf("failing flush took %v", d)
			}
			if fault.Hits() == 0 {
				t.Error("the fault never fired")
			}
			fault.Remove()
			if st := p.Flush(chunk, "t"); st != StatusOK {
				t.Fatalf("Flush after the fault = %v\n%s", st, logs.all())
			}
			out, dead := c.Consume(t, topicMain), c.Consume(t, topicDLQ)
			if kafkatest.CountDistinct(out) != distinctOut || len(out) < wantOut {
				t.Errorf("%d normalized (%d distinct), want at least %d", len(out), kafkatest.CountDistinct(out), wantOut)
			}
			if len(dead) < wantDead {
				t.Errorf("%d dead letters, want at least %d", len(dead), wantDead)
			}
			st := p.Stats()
			if st.FlushesRetry != 1 || st.FlushesOK != 1 || st.KafkaErrors != 1 {
				t.Errorf("stats %v", st)
			}
			if !strings.Contains(logs.all(), "the chunk will be retried") {
				t.Errorf("no retry warning:\n%s", logs.all())
			}
		})
	}
}

// flushMixed flushes mixedChunk(1) through p and wants it delivered,
// every normalized record in topicMain; it returns the chunk. The logs
// explain a failure.
func flushMixed(t *testing.T, p *Pipeline, logs *logSink, c *kafkatest.Cluster) []byte {
	t.Helper()
	chunk, wantOut, _ := mixedChunk(1)
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush = %v\n%s", st, logs.all())
	}
	if n := len(c.Consume(t, topicMain)); n != wantOut {
		t.Errorf("%d normalized, want %d", n, wantOut)
	}
	return chunk
}

// distinctOut is how many different normalized values mixedChunk yields:
// records of different rounds differ only in the Fluent Bit time, which
// the unified record does not carry.
const distinctOut = 5

func TestKafkaBrokerDown(t *testing.T) {
	c := kafkatest.New(t, 1, topicMain, topicDLQ)
	cfg := kafkaConfig(c)
	cfg.WriteTimeout = 2 * time.Second
	p, _ := newKafkaPipeline(t, cfg)
	chunk, wantOut, _ := mixedChunk(1)
	if st := p.Flush(chunk, "t"); st != StatusOK { // warm: connections and metadata cached
		t.Fatalf("Flush = %v", st)
	}
	addr := c.Brokers()[0] // a closed kfake cluster no longer answers
	c.Close()
	start := time.Now()
	if st := p.Flush(chunk, "t"); st != StatusRetry {
		t.Fatalf("Flush with the broker gone = %v, want retry", st)
	}
	if d := time.Since(start); d > cfg.WriteTimeout+2*time.Second {
		t.Errorf("flush against a dead broker took %v", d)
	}

	// A broker comes back on the same address (empty: its log is lost):
	// the redelivered chunk gets through.
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var portN int
	fmt.Sscan(port, &portN)
	c2 := kafkatest.NewWith(t, kfake.Ports(portN), kfake.SeedTopics(1, topicMain, topicDLQ))
	deadline := time.Now().Add(20 * time.Second)
	for p.Flush(chunk, "t") != StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("no flush succeeded after the broker came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := len(c2.Consume(t, topicMain)); n != wantOut {
		t.Errorf("%d normalized after recovery, want %d", n, wantOut)
	}
}

func TestKafkaConcurrentFlush(t *testing.T) {
	c := kafkatest.New(t, 3, topicMain, topicDLQ)
	p, _ := newKafkaPipeline(t, kafkaConfig(c))
	const workers, chunks = 4, 10
	chunk, wantOut, wantDead := mixedChunk(3)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range chunks {
				if st := p.Flush(chunk, "t"); st != StatusOK {
					t.Errorf("Flush = %v", st)
				}
			}
		})
	}
	wg.Wait()
	if n := len(c.Consume(t, topicMain)); n != workers*chunks*wantOut {
		t.Errorf("%d normalized, want %d", n, workers*chunks*wantOut)
	}
	if n := len(c.Consume(t, topicDLQ)); n != workers*chunks*wantDead {
		t.Errorf("%d dead letters, want %d", n, workers*chunks*wantDead)
	}
}

// TestKafkaSettings writes through every codec and acks setting.
func TestKafkaSettings(t *testing.T) {
	c := kafkatest.New(t, 2, topicMain, topicDLQ)
	total := 0
	for _, codec := range []conf.Codec{conf.CodecNone, conf.CodecGzip, conf.CodecSnappy, conf.CodecLz4, conf.CodecZstd} {
		for _, acks := range []conf.Acks{conf.AcksAll, conf.AcksOne, conf.AcksNone} {
			t.Run(codec.String()+"/"+acks.String(), func(t *testing.T) {
				cfg := kafkaConfig(c)
				cfg.Compression, cfg.RequiredAcks = codec, acks
				p, _ := newKafkaPipeline(t, cfg)
				chunk, wantOut, _ := mixedChunk(2)
				if st := p.Flush(chunk, "t"); st != StatusOK {
					t.Fatalf("Flush = %v", st)
				}
				if err := p.Close(); err != nil {
					t.Fatal(err)
				}
				total += wantOut
				deadline := time.Now().Add(5 * time.Second)
				for { // acks=none: the broker may store the batch after we return
					n := len(c.Consume(t, topicMain))
					if n == total {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("%d normalized in the topic, want %d", n, total)
					}
					time.Sleep(10 * time.Millisecond)
				}
			})
		}
	}
}

func TestKafkaSASL(t *testing.T) {
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			c := kafkatest.NewWith(t, kfake.Ports(0), kfake.SeedTopics(1, topicMain, topicDLQ),
				kfake.EnableSASL(), kfake.Superuser(mech, "shipper", "s3cret-pass"))
			c.ClientOpts = []kgo.Opt{kgo.SASL(plain.Auth{User: "shipper", Pass: "s3cret-pass"}.AsMechanism())}
			if mech != "PLAIN" {
				auth := scram.Auth{User: "shipper", Pass: "s3cret-pass"}
				c.ClientOpts[0] = kgo.SASL(auth.AsSha256Mechanism())
				if mech == "SCRAM-SHA-512" {
					c.ClientOpts[0] = kgo.SASL(auth.AsSha512Mechanism())
				}
			}
			cfg := kafkaConfig(c)
			cfg.SASLMechanism, cfg.SASLUsername, cfg.SASLPassword = conf.Mechanism(mech), "shipper", "s3cret-pass"
			p, logs := newKafkaPipeline(t, cfg)
			chunk := flushMixed(t, p, logs, c)

			cfg.SASLPassword = "wrong"
			cfg.WriteTimeout = 2 * time.Second
			bad, logs := newKafkaPipeline(t, cfg)
			if st := bad.Flush(chunk, "t"); st != StatusRetry {
				t.Errorf("Flush with a wrong password = %v, want retry", st)
			}
			if strings.Contains(logs.all(), "s3cret-pass") {
				t.Error("password in the logs")
			}
		})
	}
}

// TestKafkaFlushAfterClose: Close flushes and closes; a later flush asks
// Fluent Bit to keep the chunk.
func TestKafkaFlushAfterClose(t *testing.T) {
	c := kafkatest.New(t, 1, topicMain, topicDLQ)
	p, logs := newKafkaPipeline(t, kafkaConfig(c))
	chunk, wantOut, _ := mixedChunk(1)
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if st := p.Flush(chunk, "t"); st != StatusRetry {
		t.Errorf("Flush after Close = %v", st)
	}
	if n := len(c.Consume(t, topicMain)); n != wantOut {
		t.Errorf("%d normalized, want %d", n, wantOut)
	}
	if !strings.Contains(logs.all(), fmt.Sprintf("records_out{%s}=%d", topicMain, wantOut)) {
		t.Errorf("final counters missing:\n%s", logs.all())
	}
}

// TestKafkaTLS connects over TLS, trusting the CA from Kafka.TLS.CA_File.
func TestKafkaTLS(t *testing.T) {
	dir := t.TempDir()
	caPEM, serverCert := testPKI(t)
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	c := kafkatest.NewWith(t, kfake.Ports(0), kfake.SeedTopics(1, topicMain, topicDLQ),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{serverCert}, MinVersion: tls.VersionTLS12}))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	c.ClientOpts = []kgo.Opt{kgo.DialTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})}

	cfg := kafkaConfig(c)
	cfg.TLS, cfg.TLSVerify, cfg.TLSCAFile = true, true, caFile
	p, logs := newKafkaPipeline(t, cfg)
	chunk := flushMixed(t, p, logs, c)

	// Without the CA the broker's certificate is not trusted: retry, not OK.
	cfg.TLSCAFile = ""
	cfg.WriteTimeout = 2 * time.Second
	untrusted, _ := newKafkaPipeline(t, cfg)
	if st := untrusted.Flush(chunk, "t"); st != StatusRetry {
		t.Errorf("Flush with an untrusted certificate = %v, want retry", st)
	}
}

// testPKI makes a CA and a server certificate for 127.0.0.1 signed by it.
func testPKI(t *testing.T) (caPEM []byte, server tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestKafkaTooLargeEverywhere: a broker that refuses every request as
// too large (even a few hundred bytes) cannot be helped by redelivery:
// each record is dropped with a warning after its dead letters were
// refused too, in a bounded number of requests, and the flush is OK
// rather than a retry loop or the loss of a chunk that later succeeds.
func TestKafkaTooLargeEverywhere(t *testing.T) {
	c := kafkatest.New(t, 1, topicMain, topicDLQ)
	p, logs := newKafkaPipeline(t, kafkaConfig(c))
	fault := c.FailProduce(kafkatest.CodeMessageTooLarge)
	chunk, wantOut, wantDead := mixedChunk(1)
	start := time.Now()
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush = %v, want ok", st)
	}
	// Bisection: 2n-1 requests for n refused records of a partition;
	// then the dead letters, then the minimal ones.
	if h := fault.Hits(); h > 40 || time.Since(start) > 5*time.Second {
		t.Errorf("%d produce requests in %v", h, time.Since(start))
	}
	st := p.Stats()
	if st.Dropped != int64(wantOut+wantDead) || st.Refused != int64(wantOut+wantDead) || st.FlushesRetry != 0 || st.FlushesError != 0 {
		t.Errorf("stats %v", st)
	}
	if !strings.Contains(logs.all(), "dropping a record the broker refused") {
		t.Errorf("no warning:\n%s", logs.all())
	}
	fault.Remove()
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush after the fault = %v", st)
	}
	if n := len(c.Consume(t, topicMain)); n != wantOut {
		t.Errorf("%d normalized, want %d", n, wantOut)
	}
}

// TestKafkaAlertsAndOCSF: with the default rules and the two off by
// default that it fires, a record that fires an
// alert also goes to Topic_Alerts (same value and key, plus an alerts
// header); Format ocsf changes the payload and its headers, not routing.
func TestKafkaAlertsAndOCSF(t *testing.T) {
	const topicAlerts = "t.alerts"
	anonymous := `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be open [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 63DAF67A2BC0B6C3 REST.GET.OBJECT k "GET /k HTTP/1.1" 403 AccessDenied 243 - 8 - "-" "curl/8.5.0" -`
	for _, format := range []normalize.Format{normalize.FormatUnified, normalize.FormatOCSF} {
		t.Run(format.String(), func(t *testing.T) {
			c := kafkatest.New(t, 1, topicMain, topicDLQ, topicAlerts)
			cfg := kafkaConfig(c)
			cfg.TopicAlerts = topicAlerts
			cfg.OutputFormat = format
			cfg.Rules = detect.DefaultConfig()
			cfg.Rules.AnonymousAccess.Enabled = true
			cfg.Rules.AccessDenied.Enabled = true
			p, _ := newKafkaPipeline(t, cfg)
			ch := kafkatest.NewChunk()
			ch.Line(t0, "log", anonymous)
			ch.Line(t0, "log", s3Lines[0]) // fires no default rule
			if st := p.Flush(ch.Bytes(), "t"); st != StatusOK {
				t.Fatalf("Flush = %v", st)
			}
			out, alerts := c.Consume(t, topicMain), c.Consume(t, topicAlerts)
			if len(out) != 2 || len(alerts) != 1 {
				t.Fatalf("%d records and %d alert records, want 2 and 1", len(out), len(alerts))
			}
			a := alerts[0]
			if !strings.Contains(a.Headers["alerts"], "anonymous_access") || !strings.Contains(a.Headers["alerts"], "access_denied") {
				t.Errorf("alerts header %q", a.Headers["alerts"])
			}
			if string(a.Value) != string(out[0].Value) && string(a.Value) != string(out[1].Value) {
				t.Errorf("the alert record differs from the record it repeats:\n%s", a.Value)
			}
			switch format {
			case normalize.FormatOCSF:
				if a.Headers["format"] != "ocsf" || a.Headers["ocsf_version"] != ocsf.Version || a.Headers["schema_version"] != "" {
					t.Errorf("OCSF headers %v", a.Headers)
				}
				if !strings.Contains(string(a.Value), `"class_uid":6003`) {
					t.Errorf("not an OCSF API Activity event: %.200s", a.Value)
				}
			default:
				if a.Headers["schema_version"] != "1" || !strings.Contains(string(a.Value), `"alerts":[`) {
					t.Errorf("unified alert record: headers %v value %.300s", a.Headers, a.Value)
				}
			}
		})
	}
}

// TestKafkaMSKIAM: SASL_Mechanism AWS_MSK_IAM signs each connection's
// kafka-cluster:Connect with SigV4 from the AWS credential chain (here the
// environment). The broker side recomputes the signature from its own copy
// of the secret key, as MSK does, and refuses a mismatch.
func TestKafkaMSKIAM(t *testing.T) {
	const (
		keyID   = "AKIAMSKIAMTEST000001"
		secret  = "mskIamTestSecretKey0000000000000000000000"
		session = "mskIamTestSessionToken0000"
		region  = "eu-west-1"
	)
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": keyID, "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": session,
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	c := kafkatest.NewWith(t, kfake.Ports(0), kfake.SeedTopics(1, topicMain, topicDLQ))
	var mu sync.Mutex
	var authenticated, refused int
	var payloads []map[string]string
	c.ControlKey(int16(kmsg.SASLHandshake), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.SASLHandshakeRequest)
		resp := req.ResponseKind().(*kmsg.SASLHandshakeResponse)
		resp.SupportedMechanisms = []string{"AWS_MSK_IAM"}
		if req.Mechanism != "AWS_MSK_IAM" {
			resp.ErrorCode = kerr.UnsupportedSaslMechanism.Code
		}
		return resp, nil, true
	})
	c.ControlKey(int16(kmsg.SASLAuthenticate), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.SASLAuthenticateRequest)
		resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		var m map[string]string
		err := json.Unmarshal(req.SASLAuthBytes, &m)
		if err == nil {
			err = verifyMSKSignature(m, keyID, secret, region)
		}
		mu.Lock()
		defer mu.Unlock()
		payloads = append(payloads, m)
		if err != nil {
			refused++
			resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
			msg := err.Error()
			resp.ErrorMessage = &msg
			return resp, nil, true
		}
		authenticated++
		resp.SessionLifetimeMillis = int64(time.Hour / time.Millisecond)
		return resp, nil, true
	})

	cfg := kafkaConfig(c)
	cfg.SASLMechanism, cfg.AWSRegion = "AWS_MSK_IAM", region
	p, logs := newKafkaPipeline(t, cfg)
	chunk := flushMixed(t, p, logs, c)
	mu.Lock()
	if authenticated == 0 || refused != 0 {
		t.Errorf("%d connections authenticated, %d refused; want every one authenticated", authenticated, refused)
	}
	for _, m := range payloads {
		if m["action"] != "kafka-cluster:Connect" || m["x-amz-security-token"] != session {
			t.Errorf("payload %v: want action kafka-cluster:Connect and the session token", m)
		}
		for _, v := range m {
			if strings.Contains(v, secret) {
				t.Errorf("the secret key is in the payload: %v", m)
			}
		}
	}
	mu.Unlock()

	// Another secret key: the signature does not verify, the broker
	// refuses, the chunk is retried and the log names SASL, not a secret.
	t.Setenv("AWS_SECRET_ACCESS_KEY", "anotherSecretKey000000000000000000000000")
	cfg.WriteTimeout = 2 * time.Second
	bad, logs := newKafkaPipeline(t, cfg)
	if st := bad.Flush(chunk, "t"); st != StatusRetry {
		t.Errorf("Flush with the wrong key = %v, want retry", st)
	}
	mu.Lock()
	if refused == 0 {
		t.Error("the broker refused no connection signed with the wrong key")
	}
	mu.Unlock()
	t.Logf("log: %s", logs.all())
	if all := logs.all(); strings.Contains(all, "anotherSecretKey") || strings.Contains(all, secret) || !strings.Contains(all, "SASL") {
		t.Errorf("log after a refused IAM authentication:\n%s", all)
	}
}

// verifyMSKSignature recomputes the SigV4 presigned signature of an MSK
// IAM payload with the broker's copy of the secret key.
func verifyMSKSignature(m map[string]string, keyID, secret, region string) error {
	signed, err := time.Parse("20060102T150405Z", m["x-amz-date"])
	if err != nil {
		return fmt.Errorf("x-amz-date: %w", err)
	}
	if d := time.Since(signed); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("signed at %v, too far from now", signed)
	}
	if want := keyID + "/" + signed.Format("20060102") + "/" + region + "/kafka-cluster/aws4_request"; m["x-amz-credential"] != want {
		return fmt.Errorf("credential %q, want %q", m["x-amz-credential"], want)
	}
	q := url.Values{"Action": {"kafka-cluster:Connect"}, "X-Amz-Expires": {m["x-amz-expires"]}}
	req, err := http.NewRequest(http.MethodGet, (&url.URL{Scheme: "kafka", Host: m["host"], Path: "/", RawQuery: q.Encode()}).String(), nil)
	if err != nil {
		return err
	}
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: m["x-amz-security-token"]}
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "kafka-cluster", region, signed)
	if err != nil {
		return err
	}
	pu, err := url.Parse(u)
	if err != nil {
		return err
	}
	if want := pu.Query().Get("X-Amz-Signature"); want == "" || m["x-amz-signature"] != want {
		return errors.New("signature does not match")
	}
	return nil
}

// TestKafkaMismatchErrors: TLS or SASL configured against a listener that
// speaks neither fails fast with a message that names what was tried.
func TestKafkaMismatchErrors(t *testing.T) {
	c := kafkatest.New(t, 1, topicMain, topicDLQ)
	chunk, _, _ := mixedChunk(1)
	for _, tc := range []struct {
		name string
		edit func(*conf.Config)
		want string
	}{
		{"tls", func(cfg *conf.Config) { cfg.TLS, cfg.TLSVerify = true, false }, "TLS handshake with " + c.Brokers()[0] + " failed"},
		{"sasl", func(cfg *conf.Config) {
			cfg.SASLMechanism, cfg.SASLUsername, cfg.SASLPassword = "SCRAM-SHA-512", "u", "p4ss-w0rd"
		}, "SASL SCRAM-SHA-512 authentication with " + c.Brokers()[0] + " failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := kafkaConfig(c)
			cfg.WriteTimeout = 3 * time.Second
			tc.edit(&cfg)
			p, logs := newKafkaPipeline(t, cfg)
			start := time.Now()
			if st := p.Flush(chunk, "t"); st != StatusRetry {
				t.Errorf("Flush = %v, want retry", st)
			}
			t.Logf("after %v: %s", time.Since(start), logs.all())
			if !strings.Contains(logs.all(), tc.want) {
				t.Errorf("log lacks %q:\n%s", tc.want, logs.all())
			}
			if strings.Contains(logs.all(), "p4ss-w0rd") {
				t.Error("password in the log")
			}
		})
	}
}
