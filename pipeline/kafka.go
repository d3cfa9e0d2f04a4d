package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/awsaudit/awsaudit/conf"
	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/aws_msk_iam_v2"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// sender writes one flush's messages; the chunk producer in production,
// fakes in tests and benchmarks (and a *kafka.Writer behind an adapter,
// for comparison, though it reports a refusal for every message of a
// refused batch).
//
// WriteMessages returns nil when the broker acknowledged every message.
// Otherwise it returns either a kafka.WriteErrors with one entry per
// message (nil: acknowledged) or an error about the whole call. An entry
// that is a refusal (too large, invalid record) must be about that message
// alone: the pipeline replaces such a message with a dead letter. A
// refusal about the whole call is not trusted to name the culprits: the
// pipeline writes the messages one by one to find them.
//
// The sender may read the messages until WriteMessages returns, and after
// that only when the context expired first.
type sender interface {
	WriteMessages(ctx context.Context, b batch) error
	Close() error
}

// kafkaAcks and kafkaCodec are conf's Required_Acks and Compression in
// kafka-go's terms, by conf's value.
var (
	kafkaAcks = [...]kafka.RequiredAcks{
		conf.AcksAll: kafka.RequireAll, conf.AcksOne: kafka.RequireOne, conf.AcksNone: kafka.RequireNone,
	}
	kafkaCodec = [...]kafka.Compression{
		conf.CodecNone: 0, conf.CodecGzip: kafka.Gzip, conf.CodecSnappy: kafka.Snappy,
		conf.CodecLz4: kafka.Lz4, conf.CodecZstd: kafka.Zstd,
	}
)

func saslMechanism(cfg conf.Config) (sasl.Mechanism, error) {
	switch cfg.SASLMechanism {
	case conf.MechanismNone:
		return nil, nil
	case conf.MechanismPlain:
		return plain.Mechanism{Username: cfg.SASLUsername, Password: cfg.SASLPassword}, nil
	case conf.MechanismSCRAMSHA256:
		m, err := scram.Mechanism(scram.SHA256, cfg.SASLUsername, cfg.SASLPassword)
		if err != nil {
			return nil, fmt.Errorf("sasl scram-sha-256: %w", err)
		}
		return m, nil
	case conf.MechanismSCRAMSHA512:
		m, err := scram.Mechanism(scram.SHA512, cfg.SASLUsername, cfg.SASLPassword)
		if err != nil {
			return nil, fmt.Errorf("sasl scram-sha-512: %w", err)
		}
		return m, nil
	case conf.MechanismAWSMSKIAM:
		return mskIAM(cfg)
	}
	// Only a Config that did not come through conf.Parse gets here. Never
	// echo credentials: name the mechanism only.
	return nil, fmt.Errorf("unknown sasl mechanism %q (want PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM)", string(cfg.SASLMechanism))
}

// mskIAM is Amazon MSK's IAM access control: each connection signs a
// kafka-cluster:Connect request with SigV4, with credentials from the
// standard AWS chain (environment, shared profile, web identity / IRSA,
// container or instance role), refreshed by the SDK's cache as they
// expire.
func mskIAM(cfg conf.Config) (sasl.Mechanism, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var opts []func(*awsconfig.LoadOptions) error
	if cfg.AWSRegion != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.AWSRegion))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("sasl AWS_MSK_IAM: AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		return nil, errors.New("sasl AWS_MSK_IAM: no AWS region: set AWS_Region (the MSK cluster's) or AWS_REGION")
	}
	if awsCfg.Credentials == nil {
		return nil, errors.New("sasl AWS_MSK_IAM: no AWS credentials in the environment, profile, web identity or instance role")
	}
	return aws_msk_iam_v2.NewMechanism(awsCfg), nil
}

// kafkaSettings is what the Kafka keys of a Config resolve to.
type kafkaSettings struct {
	addr       net.Addr
	transport  *kafka.Transport
	acks       kafka.RequiredAcks
	codec      kafka.Compression
	timeout    time.Duration // Write_Timeout
	batchSize  int
	batchBytes int
}

// newKafkaSettings checks the Kafka keys and builds the Transport: one
// connection pool per cluster, shared by every topic, whose metadata
// cache covers the pipeline's topics only.
func newKafkaSettings(cfg conf.Config, topics []string) (kafkaSettings, error) {
	cfg = withDefaults(cfg)
	var ks kafkaSettings
	if len(cfg.Brokers) == 0 {
		return ks, errors.New("no brokers")
	}
	ks.acks = kafkaAcks[cfg.RequiredAcks]
	ks.codec = kafkaCodec[cfg.Compression]
	tc, err := cfg.TLSConfig() // nil when TLS is off
	if err != nil {
		return ks, fmt.Errorf("tls: %w", err)
	}
	mech, err := saslMechanism(cfg)
	if err != nil {
		return ks, err
	}
	ks.timeout = cfg.WriteTimeout
	ks.batchSize = cfg.BatchSize
	ks.batchBytes = cfg.BatchBytes
	ks.addr = kafka.TCP(cfg.Brokers...)
	d := &brokerDialer{tls: tc, mech: mech, clientID: cfg.ClientID, timeout: min(ks.timeout/2, 10*time.Second)}
	ks.transport = &kafka.Transport{
		ClientID:    d.clientID,
		DialTimeout: d.timeout,
		// TLS and SASL are done by the dialer, which names the step that
		// failed (see brokerDialer); it gives up within half of
		// Write_Timeout so that its error, not the flush's deadline, is
		// what the flush reports.
		Dial:           d.dial,
		MetadataTopics: topics,
	}
	return ks, nil
}

// newProducer builds the chunk producer (see chunkProducer).
//
// Batching: every flush sends its chunk at once, so there is no batch
// timer (a synchronous flush never waits for other flushes' messages);
// Batch_Size and Batch_Bytes bound each produce request.
func newProducer(ks kafkaSettings, log Logger) *chunkProducer {
	client := &kafka.Client{
		Addr:      ks.addr,
		Transport: ks.transport,
		// Also the broker's produce timeout: half of what is left.
		Timeout: ks.timeout,
	}
	return newChunkProducer(client, ks.transport, ks.acks, ks.codec, ks.batchSize, ks.batchBytes, log)
}

func orString(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// permanent tells whether a write error will recur for any redelivery of
// the same chunk, so retrying cannot help: the message or request itself is
// unacceptable. Everything else (timeouts, connections, leaders, replicas,
// authorization an operator can fix) is worth a retry. Refusals of single
// records (see refusal) are permanent too, but the pipeline replaces those
// records rather than failing the chunk.
func permanent(err error) bool {
	var tooLarge kafka.MessageTooLargeError
	if errors.As(err, &tooLarge) {
		return true
	}
	var werrs kafka.WriteErrors
	if errors.As(err, &werrs) {
		n := 0
		for _, e := range werrs {
			if e == nil {
				continue
			}
			if !permanent(e) {
				return false
			}
			n++
		}
		return n > 0
	}
	var kerr kafka.Error
	if errors.As(err, &kerr) {
		switch kerr {
		case kafka.InvalidTopic, kafka.MessageSizeTooLarge, kafka.RecordListTooLarge,
			kafka.InvalidRecord, kafka.InvalidRequiredAcks, kafka.UnsupportedCompressionType,
			kafka.UnsupportedForMessageFormat:
			return true
		}
	}
	return false
}

// refusal tells whether the broker refused the records themselves: a
// request of one record that fails so holds a record that can never be
// written as it is.
func refusal(err error) bool {
	var kerr kafka.Error
	if errors.As(err, &kerr) {
		switch kerr {
		case kafka.MessageSizeTooLarge, kafka.RecordListTooLarge, kafka.InvalidRecord:
			return true
		}
	}
	var tooLarge kafka.MessageTooLargeError
	return errors.As(err, &tooLarge)
}

// staleMetadata tells whether an error means the cached routing (partition
// count, leaders) may be out of date.
func staleMetadata(err error) bool {
	var kerr kafka.Error
	if errors.As(err, &kerr) {
		switch kerr {
		case kafka.UnknownTopicOrPartition, kafka.NotLeaderForPartition, kafka.LeaderNotAvailable,
			kafka.BrokerNotAvailable, kafka.FencedLeaderEpoch:
			return true
		}
	}
	return errors.Is(err, protocol.ErrNoTopic) || errors.Is(err, protocol.ErrNoPartition) ||
		errors.Is(err, protocol.ErrNoLeader)
}
