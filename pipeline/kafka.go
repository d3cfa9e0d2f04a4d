package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// sender is the part of *kafka.Writer the pipeline uses; benchmarks and
// tests swap in other implementations.
type sender interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
	Close() error
}

// Defaults for zero values in a Config that did not come through
// conf.Default (tests, embedders).
const (
	defaultBatchSize    = 1000
	defaultBatchBytes   = 1 << 20
	defaultBatchTimeout = 10 * time.Millisecond
	defaultWriteTimeout = 10 * time.Second
)

// Writer retry policy: kafka-go retries a batch itself only on temporary
// errors (leader moves, connection resets). Keep that short; longer outages
// are retried by Fluent Bit redelivering the chunk (FLB_RETRY).
const (
	writerMaxAttempts = 3
	writerBackoffMin  = 50 * time.Millisecond
	writerBackoffMax  = 500 * time.Millisecond
)

func requiredAcks(s string) (kafka.RequiredAcks, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "all", "-1":
		return kafka.RequireAll, nil
	case "one", "1":
		return kafka.RequireOne, nil
	case "none", "0":
		return kafka.RequireNone, nil
	}
	return 0, fmt.Errorf("unknown required acks %q (want all, one or none)", s)
}

func compression(s string) (kafka.Compression, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none":
		return 0, nil
	case "gzip":
		return kafka.Gzip, nil
	case "snappy":
		return kafka.Snappy, nil
	case "lz4":
		return kafka.Lz4, nil
	case "zstd":
		return kafka.Zstd, nil
	}
	return 0, fmt.Errorf("unknown compression %q (want none, gzip, snappy, lz4 or zstd)", s)
}

func saslMechanism(cfg conf.Config) (sasl.Mechanism, error) {
	switch strings.ToUpper(strings.TrimSpace(cfg.SASLMechanism)) {
	case "":
		return nil, nil
	case "PLAIN":
		return plain.Mechanism{Username: cfg.SASLUsername, Password: cfg.SASLPassword}, nil
	case "SCRAM-SHA-256":
		m, err := scram.Mechanism(scram.SHA256, cfg.SASLUsername, cfg.SASLPassword)
		if err != nil {
			return nil, fmt.Errorf("sasl scram-sha-256: %w", err)
		}
		return m, nil
	case "SCRAM-SHA-512":
		m, err := scram.Mechanism(scram.SHA512, cfg.SASLUsername, cfg.SASLPassword)
		if err != nil {
			return nil, fmt.Errorf("sasl scram-sha-512: %w", err)
		}
		return m, nil
	}
	// Never echo credentials: name the mechanism only.
	return nil, fmt.Errorf("unknown sasl mechanism %q (want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)", cfg.SASLMechanism)
}

// newWriter builds the one kafka-go Writer that serves every topic (Topic
// is set per message) and its Transport.
//
// Batching: a synchronous WriteMessages puts each partition's share of the
// call into the partition's current batch while holding that partition's
// lock, so the batch timer cannot cut a chunk apart; batches fill up to
// BatchSize messages / BatchBytes bytes and are sent at once, and only the
// last, partial batch per partition waits BatchTimeout for messages of
// other concurrent flushes. A flush therefore costs at most one
// BatchTimeout of idle time (timers of different partitions run in
// parallel). A large BatchSize does not avoid that wait (a batch that is
// never full always waits) and kafka-go preallocates BatchSize slots per
// batch, so BatchSize stays moderate and BatchTimeout short.
func newWriter(cfg conf.Config, log Logger) (*kafka.Writer, *kafka.Transport, error) {
	if len(cfg.Brokers) == 0 {
		return nil, nil, errors.New("no brokers")
	}
	acks, err := requiredAcks(cfg.RequiredAcks)
	if err != nil {
		return nil, nil, err
	}
	codec, err := compression(cfg.Compression)
	if err != nil {
		return nil, nil, err
	}
	tc, err := cfg.TLSConfig() // nil when TLS is off
	if err != nil {
		return nil, nil, fmt.Errorf("tls: %w", err)
	}
	mech, err := saslMechanism(cfg)
	if err != nil {
		return nil, nil, err
	}
	timeout := orDuration(cfg.WriteTimeout, defaultWriteTimeout)
	transport := &kafka.Transport{
		ClientID:    orString(cfg.ClientID, "awsaudit"),
		DialTimeout: min(timeout, 10*time.Second),
		TLS:         tc,
		SASL:        mech,
	}
	w := &kafka.Writer{
		Addr:      kafka.TCP(cfg.Brokers...),
		Transport: transport,
		// Keyed records (the bucket by default) stay in one partition, so
		// one bucket's events keep their order. CRC32 is librdkafka's
		// default (consistent_random), the partitioner Fluent Bit's own
		// out_kafka uses, so both plugins place a key alike; records
		// without a key are spread at random.
		Balancer:        &kafka.CRC32Balancer{},
		MaxAttempts:     writerMaxAttempts,
		WriteBackoffMin: writerBackoffMin,
		WriteBackoffMax: writerBackoffMax,
		BatchSize:       orInt(cfg.BatchSize, defaultBatchSize),
		BatchBytes:      int64(orInt(cfg.BatchBytes, defaultBatchBytes)),
		BatchTimeout:    orDuration(cfg.BatchTimeout, defaultBatchTimeout),
		ReadTimeout:     timeout,
		WriteTimeout:    timeout,
		RequiredAcks:    acks,
		Compression:     codec,
		// Like the Java producer and librdkafka: ask; the broker's
		// auto.create.topics.enable decides.
		AllowAutoTopicCreation: true,
		ErrorLogger: kafka.LoggerFunc(func(format string, args ...any) {
			// Each failed attempt; the flush result is logged at warn.
			log(LevelDebug, "kafka: "+fmt.Sprintf(format, args...))
		}),
	}
	return w, transport, nil
}

func orInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func orDuration(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
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
// authorization an operator can fix) is worth a retry.
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
			kafka.InvalidRecord, kafka.InvalidRequiredAcks, kafka.UnsupportedCompressionType:
			return true
		}
	}
	return false
}
