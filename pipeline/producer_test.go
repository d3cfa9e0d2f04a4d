package pipeline

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// sizedCluster has topicMain limited to mainMax bytes per record batch and
// topicDLQ to dlqMax (0: the broker's default, 1 MiB), one partition each.
func sizedCluster(t *testing.T, mainMax, dlqMax int) *kafkatest.Cluster {
	t.Helper()
	c := kafkatest.NewWith(t, kfake.Ports(0))
	for topic, max := range map[string]int{topicMain: mainMax, topicDLQ: dlqMax} {
		var cfg map[string]string
		if max > 0 {
			cfg = map[string]string{"max.message.bytes": fmt.Sprint(max)}
		}
		if err := c.CreateTopic(topic, 1, cfg); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// fakeKafkaPipeline is a pipeline on a real (kfake) broker with the fake
// normalizer, whose output is predictable in size.
func fakeKafkaPipeline(t *testing.T, cfg conf.Config) (*Pipeline, *logSink) {
	t.Helper()
	return newKafkaPipeline(t, cfg, withNormalize(fakeNormalize))
}

// TestKafkaRecordTooLarge: a record larger than the topic accepts is
// dead-lettered with the reason (a minimal dead letter if the DLQ refuses
// the copy, dropped if it refuses that too) and the chunk's other records
// are delivered: the flush is OK, never a retry.
func TestKafkaRecordTooLarge(t *testing.T) {
	const huge = 200 << 10
	tests := []struct {
		name     string
		dlqMax   int
		dlqOff   bool
		wantDLQ  int
		wantDrop int
		reason   string
		maxInput int
	}{
		{name: "dead-lettered", wantDLQ: 1, reason: "record too large for the broker: ", maxInput: huge/2 + 256},
		{name: "DLQ refuses the copy", dlqMax: 4 << 10, wantDLQ: 1, reason: "bytes was refused too", maxInput: minimalInputBytes},
		{name: "DLQ refuses the minimal dead letter", dlqMax: 600, wantDrop: 1},
		{name: "DLQ off", dlqOff: true, wantDrop: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sizedCluster(t, 64<<10, tt.dlqMax)
			cfg := kafkaConfig(c)
			if tt.dlqOff {
				cfg.DLQTopic = ""
			}
			p, logs := fakeKafkaPipeline(t, cfg)
			requests := c.CountProduce()
			if st := p.Flush(bigChunk(huge), "t.big"); st != StatusOK {
				t.Fatalf("Flush = %v, want ok\n%s", st, logs.all())
			}
			good := c.Consume(t, topicMain)
			if len(good) != 3 {
				t.Fatalf("%d records in the topic, want the 3 good ones", len(good))
			}
			for i, m := range good { // one partition: chunk order
				if !strings.Contains(string(m.Value), fmt.Sprintf("good%d", i+1)) {
					t.Errorf("record %d is %.40s", i, m.Value)
				}
			}
			var dead []kafkatest.Message
			if !tt.dlqOff {
				dead = c.Consume(t, topicDLQ)
			}
			if len(dead) != tt.wantDLQ {
				t.Fatalf("%d dead letters, want %d", len(dead), tt.wantDLQ)
			}
			for _, m := range dead {
				d := decodeDLQ(t, m.Value)
				if !strings.Contains(d.Reason, tt.reason) || !strings.Contains(m.Headers["reason"], tt.reason) || d.Tag != "t.big" {
					t.Errorf("dead letter %+.200v, want reason %q", d, tt.reason)
				}
				if !d.InputTruncated || d.InputSize < huge || len(d.Input) > tt.maxInput || !strings.HasPrefix(d.Input, `{"input":"huge yyy`) {
					t.Errorf("input of %d bytes (size %d, truncated %v), want a prefix of at most %d", len(d.Input), d.InputSize, d.InputTruncated, tt.maxInput)
				}
			}
			st := p.Stats()
			if st.Refused != 1 || st.Out() != 3 || st.DeadLettered != int64(tt.wantDLQ) || st.Dropped != int64(tt.wantDrop) ||
				st.FlushesOK != 1 || st.FlushesRetry != 0 || st.FlushesError != 0 {
				t.Errorf("stats %v", st)
			}
			if n := requests.Load(); n > 10 {
				t.Errorf("%d produce requests for 4 records", n)
			}
			if all := logs.all(); strings.Contains(all, "yyyy") || (tt.wantDrop > 0 && !strings.Contains(all, "dropping")) {
				t.Errorf("logs (want the reason of a drop, never content):\n%.2000s", all)
			}
		})
	}
}

// TestKafkaBatchOverBrokerLimit: Batch_Bytes above the topic's limit makes
// requests the broker refuses although each record fits; they are split
// until accepted, every record arrives once and in order, and a warning
// names the setting.
func TestKafkaBatchOverBrokerLimit(t *testing.T) {
	c := sizedCluster(t, 16<<10, 0)
	p, logs := fakeKafkaPipeline(t, kafkaConfig(c)) // Batch_Bytes 1 MiB
	ch := kafkatest.NewChunk()
	for i := range 200 {
		ch.Line(t0, "log", fmt.Sprintf("k%03d %s", i, strings.Repeat("v", 500)))
	}
	if st := p.Flush(ch.Bytes(), "t"); st != StatusOK {
		t.Fatalf("Flush = %v\n%s", st, logs.all())
	}
	got := c.Consume(t, topicMain)
	if len(got) != 200 {
		t.Fatalf("%d records, want 200", len(got))
	}
	for i, m := range got {
		if want := fmt.Sprintf("k%03d", i); string(m.Key) != want {
			t.Fatalf("record %d has key %s, want %s (order lost)", i, m.Key, want)
		}
	}
	if st := p.Stats(); st.Refused != 0 || st.Out() != 200 || st.FlushesOK != 1 {
		t.Errorf("stats %v", st)
	}
	if !strings.Contains(logs.all(), "set Batch_Bytes below the topic's max.message.bytes") {
		t.Errorf("no hint:\n%s", logs.all())
	}
}

// TestKafkaRequestSplit: Batch_Size and Batch_Bytes bound each produce
// request, a partition gets its records in chunk order, and keys keep
// their partition (the one librdkafka's CRC32 partitioner gives them).
func TestKafkaRequestSplit(t *testing.T) {
	c := kafkatest.New(t, 3, topicMain, topicDLQ)
	cfg := kafkaConfig(c)
	cfg.BatchSize = 10
	p, _ := fakeKafkaPipeline(t, cfg)
	ch := kafkatest.NewChunk()
	for i := range 90 {
		// Runs of one key (placed once, then reused) between changes.
		ch.Line(t0, "log", fmt.Sprintf("key%d %03d", i/7%3, i))
	}
	p.Flush(kafkatest.NewChunk().Line(t0, "log", "warm").Bytes(), "t")
	requests := c.CountProduce()
	if st := p.Flush(ch.Bytes(), "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	// 3 keys, 30 records each, at most 10 per request; two keys may share
	// a partition.
	if n := requests.Load(); n < 9 || n > 10 {
		t.Errorf("%d produce requests, want 9 or 10", n)
	}
	last := map[string]string{}
	parts := map[string]int32{}
	for _, m := range c.Consume(t, topicMain) {
		k := string(m.Key)
		if k == "warm" {
			continue
		}
		if p, ok := parts[k]; ok && p != m.Partition {
			t.Errorf("key %s on partitions %d and %d", k, p, m.Partition)
		}
		// Where librdkafka's consistent_random (CRC32) puts the key.
		if want := (&kafka.CRC32Balancer{}).Balance(kafka.Message{Key: m.Key}, 0, 1, 2); int(m.Partition) != want {
			t.Errorf("key %s on partition %d, the CRC32 balancer says %d", k, m.Partition, want)
		}
		parts[k] = m.Partition
		seq := strings.Fields(strings.SplitN(string(m.Value), `"input":"`, 2)[1])[1][:3]
		if seq <= last[k] {
			t.Errorf("key %s: %s after %s", k, seq, last[k])
		}
		last[k] = seq
	}
	if len(parts) != 3 {
		t.Errorf("keys %v", parts)
	}

	// Batch_Bytes: 30 records of about 600 bytes in 4 KiB requests.
	c2 := kafkatest.New(t, 1, topicMain, topicDLQ)
	cfg = kafkaConfig(c2)
	cfg.BatchBytes = 4 << 10
	p2, _ := fakeKafkaPipeline(t, cfg)
	ch = kafkatest.NewChunk()
	for i := range 30 {
		ch.Line(t0, "log", fmt.Sprintf("k %03d %s", i, strings.Repeat("b", 500)))
	}
	p2.Flush(kafkatest.NewChunk().Line(t0, "log", "warm").Bytes(), "t")
	requests = c2.CountProduce()
	if st := p2.Flush(ch.Bytes(), "t"); st != StatusOK {
		t.Fatalf("Flush = %v", st)
	}
	if n := requests.Load(); n < 5 || n > 8 {
		t.Errorf("%d produce requests for 30 records of ~600 bytes at 4 KiB", n)
	}
}

// TestKafkaLeaderMovedForReal: partitions move to other brokers; the
// flush finds the new leaders (NOT_LEADER refreshes the metadata) and
// succeeds without a Fluent Bit retry.
func TestKafkaLeaderMovedForReal(t *testing.T) {
	c := kafkatest.NewWith(t, kfake.NumBrokers(3), kfake.SeedTopics(4, topicMain, topicDLQ))
	p, logs := newKafkaPipeline(t, kafkaConfig(c))
	chunk, wantOut, wantDead := mixedChunk(4)
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("warm Flush = %v", st)
	}
	for _, topic := range []string{topicMain, topicDLQ} {
		for part := range int32(4) {
			leader := c.LeaderFor(topic, part)
			if err := c.MoveTopicPartition(topic, part, (leader+1)%3); err != nil {
				t.Fatal(err)
			}
		}
	}
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush after the move = %v\n%s", st, logs.all())
	}
	if st := p.Stats(); st.FlushesRetry != 0 || st.FlushesOK != 2 {
		t.Errorf("stats %v", st)
	}
	if n := len(c.Consume(t, topicMain)); n != 2*wantOut {
		t.Errorf("%d normalized, want %d", n, 2*wantOut)
	}
	if n := len(c.Consume(t, topicDLQ)); n != 2*wantDead {
		t.Errorf("%d dead letters, want %d", n, 2*wantDead)
	}
}

// TestKafkaPartitionFault: one partition fails. A brief failure is retried
// within the flush; a lasting one fails the flush (retry) while the other
// partitions are written, and the redelivery after recovery leaves every
// record in Kafka at least once.
func TestKafkaPartitionFault(t *testing.T) {
	c := kafkatest.New(t, 3, topicMain, topicDLQ)
	p, _ := newKafkaPipeline(t, kafkaConfig(c))
	chunk, wantOut, _ := mixedChunk(6)
	p.Flush(kafkatest.NewChunk().Line(t0, "log", "warm").Bytes(), "t")

	// The partition of a bucket the chunk holds (keyless records go to
	// any partition).
	part := int32((&kafka.CRC32Balancer{}).Balance(kafka.Message{Key: []byte("amzn-s3-demo-bucket1")}, 0, 1, 2))

	brief := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topicMain, Partitions: []int32{part}, Err: kerr.NotEnoughReplicas, Count: 2})
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush with a brief fault = %v", st)
	}
	if st := p.Stats(); st.FlushesRetry != 0 || brief.Hits() != 2 {
		t.Errorf("stats %v, fault hits %d", st, brief.Hits())
	}
	brief.Remove()

	lasting := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topicMain, Partitions: []int32{part}, Err: kerr.NotEnoughReplicas, Count: -1})
	if st := p.Flush(chunk, "t"); st != StatusRetry {
		t.Fatalf("Flush with a lasting fault = %v, want retry", st)
	}
	if h := lasting.Hits(); h != requestAttempts {
		t.Errorf("%d attempts on the failing partition, want %d", h, requestAttempts)
	}
	lasting.Remove()
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush after recovery = %v", st)
	}
	out := c.Consume(t, topicMain)
	ids := map[string]int{}
	for _, m := range out {
		var u unified
		if err := json.Unmarshal(m.Value, &u); err != nil {
			t.Fatal(err)
		}
		ids[u.Request.ID]++
	}
	for _, id := range []string{"3E57427F3EXAMPLE", "891CE47D2EXAMPLE", "A1206F460EXAMPLE", "47B8E8D397DCE7A6", "9D767BCC3B4E7487"} {
		if ids[id] < 2*6 { // two acknowledged flushes of 6 rounds
			t.Errorf("request %s arrived %d times, want at least 12", id, ids[id])
		}
	}
	if len(out) < 2*wantOut {
		t.Errorf("%d normalized, want at least %d", len(out), 2*wantOut)
	}
}

// TestKafkaAutoCreateTopic: topics the cluster does not have yet are
// requested with auto-creation allowed, like kafka.Writer does.
func TestKafkaAutoCreateTopic(t *testing.T) {
	c := kafkatest.NewWith(t, kfake.Ports(0), kfake.AllowAutoTopicCreation())
	p, logs := newKafkaPipeline(t, kafkaConfig(c))
	chunk, wantOut, wantDead := mixedChunk(1)
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := p.Flush(chunk, "t")
		if st == StatusOK {
			break
		}
		if st != StatusRetry || time.Now().After(deadline) {
			t.Fatalf("Flush = %v\n%s", st, logs.all())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := len(c.Consume(t, topicMain)); n < wantOut {
		t.Errorf("%d normalized, want %d", n, wantOut)
	}
	if n := len(c.Consume(t, topicDLQ)); n < wantDead {
		t.Errorf("%d dead letters, want %d", n, wantDead)
	}
	if st := p.Stats(); st.FlushesRetry > 1 {
		t.Errorf("stats %v", st)
	}
}

// TestKafkaUnknownTopic: without auto-creation, a missing topic is a retry
// (an operator may create it), and the flush does not hang.
func TestKafkaUnknownTopic(t *testing.T) {
	c := kafkatest.New(t, 1, topicMain) // no DLQ topic
	cfg := kafkaConfig(c)
	cfg.WriteTimeout = 2 * time.Second
	p, _ := newKafkaPipeline(t, cfg)
	chunk, _, _ := mixedChunk(1) // has dead letters
	start := time.Now()
	if st := p.Flush(chunk, "t"); st != StatusRetry {
		t.Fatalf("Flush = %v, want retry", st)
	}
	if d := time.Since(start); d > cfg.WriteTimeout+time.Second {
		t.Errorf("flush took %v", d)
	}
	if err := c.CreateTopic(topicDLQ, 1, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for p.Flush(chunk, "t") != StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the created topic is never used")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestKafkaAckLost: the broker stores a request only after the flush gave
// up (Write_Timeout): the flush asks for a retry without reusing buffers a
// request may still read (-race), and the redelivery leaves every record
// in Kafka at least once.
func TestKafkaAckLost(t *testing.T) {
	c := kafkatest.New(t, 2, topicMain, topicDLQ)
	cfg := kafkaConfig(c)
	cfg.WriteTimeout = 500 * time.Millisecond
	p, _ := newKafkaPipeline(t, cfg)
	chunk, wantOut, _ := mixedChunk(3)
	p.Flush(kafkatest.NewChunk().Line(t0, "log", "warm").Bytes(), "t")
	woke := make(chan struct{})
	var calls int
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		if calls++; calls == 1 {
			c.SleepControl(func() {
				time.Sleep(1500 * time.Millisecond)
				close(woke)
			})
		} else {
			c.DropControl()
		}
		return nil, nil, false
	})
	start := time.Now()
	if st := p.Flush(chunk, "t"); st != StatusRetry {
		t.Fatalf("Flush = %v, want retry", st)
	}
	if d := time.Since(start); d > cfg.WriteTimeout+time.Second {
		t.Errorf("flush took %v", d)
	}
	// Flushes meanwhile reuse pooled states: they must not share the
	// abandoned buffers.
	for range 3 {
		p.Flush(chunk, "t")
	}
	select {
	case <-woke:
	case <-time.After(5 * time.Second):
		t.Fatal("the delayed request never woke")
	}
	if st := p.Flush(chunk, "t"); st != StatusOK {
		t.Fatalf("Flush after the ack was lost = %v", st)
	}
	out := c.Consume(t, topicMain)
	if kafkatest.CountDistinct(out) != distinctOut || len(out) < wantOut {
		t.Errorf("%d normalized (%d distinct), want at least %d", len(out), kafkatest.CountDistinct(out), wantOut)
	}
	for _, m := range out {
		if !json.Valid(m.Value) {
			t.Errorf("corrupt record %q", m.Value)
		}
	}
}

func TestProducerSplit(t *testing.T) {
	var msgs batch
	for _, n := range []int{100, 100, 5000, 100, 100, 100} {
		msgs.msgs = append(msgs.msgs, message{key: span{n: -1}, val: span{len(msgs.buf), n}})
		msgs.buf = append(msgs.buf, make([]byte, n)...)
	}
	idx := []int32{0, 1, 2, 3, 4, 5}
	pr := &chunkProducer{batchSize: 2, batchBytes: 1 << 20}
	if got := fmt.Sprint(pr.split(msgs, idx)); got != "[[0 1] [2 3] [4 5]]" {
		t.Errorf("by count: %s", got)
	}
	pr = &chunkProducer{batchSize: 100, batchBytes: 400}
	if got := fmt.Sprint(pr.split(msgs, idx)); got != "[[0 1] [2] [3 4] [5]]" {
		t.Errorf("by bytes (a large message alone): %s", got)
	}
	reqs := pr.split(msgs, idx)
	reqs[0] = append(reqs[0], 99) // capacity is cut: no overwrite of the next request
	if reqs[1][0] != 2 {
		t.Error("requests share capacity")
	}
}
