// Package kafkaread reads a topic back to the end it has when reading
// starts, with franz-go: the CLI's demo and consume command and the
// tests' broker helpers print or check what the plugin wrote with it.
package kafkaread

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// EndOffsets returns the high watermark of every partition of topic (the
// client shards the ListOffsets request to each partition's leader).
func EndOffsets(ctx context.Context, cl *kgo.Client, topic string) (map[int32]int64, error) {
	meta := kmsg.NewPtrMetadataRequest()
	mt := kmsg.NewMetadataRequestTopic()
	mt.Topic = kmsg.StringPtr(topic)
	meta.Topics = append(meta.Topics, mt)
	mresp, err := meta.RequestWith(ctx, cl)
	if err != nil {
		return nil, err
	}
	lt := kmsg.NewListOffsetsRequestTopic()
	lt.Topic = topic
	for _, t := range mresp.Topics {
		if t.Topic == nil || *t.Topic != topic {
			continue
		}
		if t.ErrorCode != 0 {
			return nil, fmt.Errorf("metadata error code %d", t.ErrorCode)
		}
		for _, p := range t.Partitions {
			lp := kmsg.NewListOffsetsRequestTopicPartition()
			lp.Partition = p.Partition
			lp.Timestamp = -1 // latest
			lt.Partitions = append(lt.Partitions, lp)
		}
	}
	if len(lt.Partitions) == 0 {
		return nil, errors.New("topic not found")
	}
	lreq := kmsg.NewPtrListOffsetsRequest()
	lreq.Topics = append(lreq.Topics, lt)
	lresp, err := lreq.RequestWith(ctx, cl)
	if err != nil {
		return nil, err
	}
	out := map[int32]int64{}
	for _, t := range lresp.Topics {
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 {
				return nil, fmt.Errorf("list offsets %s[%d]: error code %d", topic, p.Partition, p.ErrorCode)
			}
			out[p.Partition] = p.Offset
		}
	}
	return out, nil
}

// ReadTopic reads every record of topic up to the end offsets it finds
// first, ordered by partition, then offset. cl must not be consuming
// anything yet.
func ReadTopic(ctx context.Context, cl *kgo.Client, topic string) ([]*kgo.Record, error) {
	byPart := map[int32][]*kgo.Record{}
	if _, err := EachRecord(ctx, cl, topic, func(r *kgo.Record) {
		byPart[r.Partition] = append(byPart[r.Partition], r)
	}); err != nil {
		return nil, err
	}
	var out []*kgo.Record
	for p := int32(0); len(byPart) > 0; p++ {
		out = append(out, byPart[p]...)
		delete(byPart, p)
	}
	return out, nil
}

// EachRecord calls fn with every record of topic up to the end offsets it
// finds first, in each partition's order (partitions interleaved), and
// returns how many there were; nothing is kept, so a topic of any size
// can be checked. cl must not be consuming anything yet.
func EachRecord(ctx context.Context, cl *kgo.Client, topic string, fn func(*kgo.Record)) (int, error) {
	ends, err := EndOffsets(ctx, cl, topic)
	if err != nil {
		return 0, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	want := map[int32]int64{}
	offsets := map[int32]kgo.Offset{}
	for p, end := range ends {
		if end > 0 {
			want[p] = end
			offsets[p] = kgo.NewOffset().AtStart()
		}
	}
	if len(want) == 0 {
		return 0, nil
	}
	cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets})
	n := 0
	for len(want) > 0 {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return n, fmt.Errorf("reading %s: %w (%d partitions unfinished)", topic, err, len(want))
		}
		for _, fe := range fetches.Errors() {
			return n, fmt.Errorf("reading %s[%d]: %w", fe.Topic, fe.Partition, fe.Err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			end, ok := want[r.Partition]
			if !ok || r.Offset >= end {
				return
			}
			n++
			fn(r)
			if r.Offset+1 >= end {
				delete(want, r.Partition)
			}
		})
	}
	return n, nil
}
