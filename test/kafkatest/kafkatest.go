package kafkatest

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/pipeline/kafkaread"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Kafka error codes tests commonly inject.
const (
	CodeNotEnoughReplicas    int16 = 19
	CodeNotLeaderOrFollower  int16 = 6
	CodeRequestTimedOut      int16 = 7
	CodeMessageTooLarge      int16 = 10
	CodeTopicAuthorization   int16 = 29
	CodeUnknownServerError   int16 = -1
	CodeUnknownTopicOrPartit int16 = 3
)

// Timeout bounds every helper that waits on the cluster.
var Timeout = 20 * time.Second

// Cluster is a running kfake cluster that closes itself when the test ends.
type Cluster struct {
	*kfake.Cluster
	tb testing.TB
	// ClientOpts are added to the franz-go clients the helpers open (SASL,
	// TLS for a cluster that requires them).
	ClientOpts []kgo.Opt
}

// New starts a one-broker cluster on 127.0.0.1 (random port) with the
// given topics, each with the given number of partitions.
func New(tb testing.TB, partitions int32, topics ...string) *Cluster {
	tb.Helper()
	opts := []kfake.Opt{kfake.Ports(0)}
	if len(topics) > 0 {
		opts = append(opts, kfake.SeedTopics(partitions, topics...))
	}
	return NewWith(tb, opts...)
}

// NewWith starts a cluster with any kfake options (SASL, TLS, brokers).
func NewWith(tb testing.TB, opts ...kfake.Opt) *Cluster {
	tb.Helper()
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		tb.Fatalf("kafkatest: starting kfake: %v", err)
	}
	tb.Cleanup(c.Close)
	return &Cluster{Cluster: c, tb: tb}
}

// Brokers returns the bootstrap addresses.
func (c *Cluster) Brokers() []string { return c.ListenAddrs() }

// Message is one record read back from a topic.
type Message struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Headers   map[string]string // last value wins
	Time      time.Time
}

// Consume reads every record currently in topic, from the start of every
// partition up to the high watermark it finds first, ordered by
// partition then offset.
func (c *Cluster) Consume(tb testing.TB, topic string) []Message {
	tb.Helper()
	return Consume(tb, c.Brokers(), topic, c.ClientOpts...)
}

// Consume is Cluster.Consume for any broker list; opts go to the client.
func Consume(tb testing.TB, brokers []string, topic string, opts ...kgo.Opt) []Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.FetchMaxWait(100 * time.Millisecond)}, opts...)...)
	if err != nil {
		tb.Fatalf("kafkatest: consumer: %v", err)
	}
	defer cl.Close()
	recs, err := kafkaread.ReadTopic(ctx, cl, topic)
	if err != nil {
		tb.Fatalf("kafkatest: %v", err)
	}
	out := make([]Message, 0, len(recs))
	for _, r := range recs {
		m := Message{
			Topic: r.Topic, Partition: r.Partition, Offset: r.Offset,
			Key: r.Key, Value: r.Value, Time: r.Timestamp,
			Headers: map[string]string{},
		}
		for _, h := range r.Headers {
			m.Headers[h.Key] = string(h.Value)
		}
		out = append(out, m)
	}
	return out
}

// EndOffsets returns the high watermark of each partition of topic.
func EndOffsets(ctx context.Context, brokers []string, topic string, opts ...kgo.Opt) (map[int32]int64, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	return kafkaread.EndOffsets(ctx, cl, topic)
}

// Fault is an injected produce failure; Remove ends it.
type Fault struct {
	active atomic.Bool
	hits   atomic.Int64
}

// Remove stops the fault: later produce requests are handled normally.
func (f *Fault) Remove() { f.active.Store(false) }

// Hits is how many produce requests the fault answered.
func (f *Fault) Hits() int64 { return f.hits.Load() }

// FailProduce answers every produce request with the error code on every
// partition (nothing is stored) until the fault is removed.
func (c *Cluster) FailProduce(code int16) *Fault {
	return c.failProduce(func(req *kmsg.ProduceRequest) (kmsg.Response, error) {
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, t := range req.Topics {
			rt := kmsg.NewProduceResponseTopic()
			rt.Topic, rt.TopicID = t.Topic, t.TopicID
			for _, p := range t.Partitions {
				rp := kmsg.NewProduceResponseTopicPartition()
				rp.Partition = p.Partition
				rp.ErrorCode = code
				rp.BaseOffset = -1
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil
	})
}

// DropProduceConnections closes the client's connection on every produce
// request (a broker that dies mid-request) until the fault is removed.
func (c *Cluster) DropProduceConnections() *Fault {
	return c.failProduce(func(*kmsg.ProduceRequest) (kmsg.Response, error) {
		return nil, errors.New("kafkatest: connection dropped")
	})
}

func (c *Cluster) failProduce(answer func(*kmsg.ProduceRequest) (kmsg.Response, error)) *Fault {
	f := &Fault{}
	f.active.Store(true)
	c.ControlKey(int16(kmsg.Produce), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		if !f.active.Load() {
			c.DropControl()
			return nil, nil, false
		}
		c.KeepControl()
		f.hits.Add(1)
		resp, err := answer(kreq.(*kmsg.ProduceRequest))
		return resp, err, true
	})
	return f
}

// CountProduce counts produce requests without changing them.
func (c *Cluster) CountProduce() *atomic.Int64 {
	var n atomic.Int64
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		n.Add(1)
		return nil, nil, false
	})
	return &n
}

// Values returns the message values as strings (handy in failures).
func Values(msgs []Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = string(m.Value)
	}
	return out
}

// CountDistinct counts distinct values (duplicates from retries collapse).
func CountDistinct(msgs []Message) int {
	vs := Values(msgs)
	slices.Sort(vs)
	return len(slices.Compact(vs))
}
