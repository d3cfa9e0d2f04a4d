package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	metadataAPI "github.com/segmentio/kafka-go/protocol/metadata"
)

// Producer tuning. A chunk is written with at most producerMaxInFlight
// produce requests in flight over all concurrent flushes (kafka-go's
// Transport opens one connection per in-flight request to a broker, so
// this also bounds connections). A request that fails with a retriable
// error is tried again after a short backoff; longer outages are retried
// by Fluent Bit redelivering the chunk (FLB_RETRY).
const (
	producerMaxInFlight = 16
	requestAttempts     = 3
	requestBackoffMin   = 50 * time.Millisecond
	requestBackoffMax   = 500 * time.Millisecond

	// Partition counts are cached per topic and read again after
	// partitionsMaxAge (partitions added to a topic are picked up), or
	// after a routing error (unknown partition, leader moved; see
	// invalidate).
	partitionsMaxAge = 10 * time.Second

	// Bytes counted per record on top of its key, value and headers, and
	// per request (the v2 record batch header), when splitting a group at
	// Batch_Bytes. Both are upper bounds of the real encoding.
	recordOverhead      = 32
	recordBatchOverhead = 61
)

// errNotSent marks a message whose request was never answered: its lane
// stopped at an earlier failure or the flush ran out of time.
var errNotSent = errors.New("not sent")

// chunkProducer writes one chunk's messages with kafka-go's Client.Produce
// instead of a kafka.Writer: a chunk is already a batch, so nothing waits
// for a batch timeout. WriteMessages
//
//   - places each message with the balancer (CRC32, librdkafka's
//     consistent_random: a key always maps to the same partition, keyless
//     messages go to a random one) over the topic's cached partition count;
//   - groups the messages by (topic, partition) in chunk order and cuts each
//     group into requests of at most Batch_Size messages and Batch_Bytes
//     bytes;
//   - sends the groups concurrently (the requests of one group one after the
//     other, so a partition receives the chunk's messages in order) and
//     waits for every response within the context's deadline (Write_Timeout);
//   - retries a request that failed with a retriable error, refreshing the
//     metadata first when the error says it is stale;
//   - splits a request the broker refuses as too large or invalid in halves
//     until the refused records stand alone, so that every refusal it
//     reports is about one record and the others are delivered.
//
// It returns nil when the broker acknowledged every message, otherwise a
// kafka.WriteErrors with one entry per message (nil: acknowledged), or
// another error when nothing was sent (metadata unavailable).
type chunkProducer struct {
	client    *kafka.Client
	transport *kafka.Transport // nil: never reset (tests)
	addr      net.Addr
	balancer  kafka.Balancer
	acks      kafka.RequiredAcks
	codec     kafka.Compression
	// Like the Java producer and librdkafka: ask for the topic to be
	// created; the broker's auto.create.topics.enable decides.
	autoCreate bool

	batchSize  int
	batchBytes int

	log      Logger
	batchLog rateLimiter

	inflight chan struct{}

	mu        sync.Mutex
	topics    map[string]*topicMeta
	lastReset time.Time
	closed    bool
}

// topicMeta is a topic's cached partition list (0..n-1, the form
// kafka.Balancer takes).
type topicMeta struct {
	parts   []int
	fetched time.Time
	stale   bool // a routing error asked for a refresh
}

func newChunkProducer(client *kafka.Client, transport *kafka.Transport, acks kafka.RequiredAcks, codec kafka.Compression, batchSize, batchBytes int, log Logger) *chunkProducer {
	return &chunkProducer{
		client:    client,
		transport: transport,
		addr:      client.Addr,
		// Keyed records (the bucket by default) stay in one partition, so
		// one bucket's events keep their order. CRC32 is librdkafka's
		// default (consistent_random), the partitioner Fluent Bit's own
		// out_kafka uses, so both plugins place a key alike; records
		// without a key are spread at random.
		balancer:   &kafka.CRC32Balancer{},
		acks:       acks,
		codec:      codec,
		autoCreate: true,
		batchSize:  batchSize,
		batchBytes: batchBytes,
		log:        log,
		batchLog:   rateLimiter{interval: time.Minute},
		inflight:   make(chan struct{}, producerMaxInFlight),
		topics:     map[string]*topicMeta{},
	}
}

// lane is the messages of one chunk for one topic partition, cut into
// requests (reqs[k] is a slice of idx).
type lane struct {
	topic     string
	partition int
	idx       []int32
	reqs      [][]int32
}

type tpKey struct {
	topic     string
	partition int
}

// WriteMessages delivers b; see chunkProducer. It keeps no reference to
// b once it returned, unless ctx expired first (requests may still be
// encoding it).
func (pr *chunkProducer) WriteMessages(ctx context.Context, b batch) error {
	if b.len() == 0 {
		return nil
	}
	pr.mu.Lock()
	closed := pr.closed
	pr.mu.Unlock()
	if closed {
		return io.ErrClosedPipe
	}

	var names []string
	for i := range b.len() {
		t := b.topic(i)
		if t == "" {
			return errors.New("message without a topic")
		}
		if !slices.Contains(names, t) {
			names = append(names, t)
		}
	}
	parts, err := pr.partitions(ctx, names)
	if err != nil {
		// Nothing was sent: the whole chunk is retried.
		return err
	}

	lanes := make([]*lane, 0, 8)
	byKey := make(map[tpKey]*lane, 8)
	// A chunk's records mostly share their key (the bucket): the last
	// keyed placement is reused rather than hashed again. Keyless records
	// are placed at random each time, as the balancer does.
	var lastKey []byte
	lastTopic, lastPart := "", 0
	for i := range b.len() {
		t, key := b.topic(i), b.key(i)
		var p int
		if len(key) > 0 && t == lastTopic && bytes.Equal(key, lastKey) {
			p = lastPart
		} else {
			// The balancer reads the key only.
			p = pr.balancer.Balance(kafka.Message{Key: key}, parts[t]...)
			if len(key) > 0 {
				lastKey, lastTopic, lastPart = key, t, p
			}
		}
		k := tpKey{t, p}
		l := byKey[k]
		if l == nil {
			l = &lane{topic: t, partition: p}
			byKey[k] = l
			lanes = append(lanes, l)
		}
		l.idx = append(l.idx, int32(i))
	}
	for _, l := range lanes {
		l.reqs = pr.split(b, l.idx)
	}

	errs := make(kafka.WriteErrors, b.len())
	for i := range errs {
		errs[i] = errNotSent
	}
	if len(lanes) == 1 {
		pr.runLane(ctx, lanes[0], b, errs)
	} else {
		var wg sync.WaitGroup
		for _, l := range lanes {
			wg.Go(func() { pr.runLane(ctx, l, b, errs) })
		}
		wg.Wait()
	}
	for _, e := range errs {
		if e != nil {
			return errs
		}
	}
	return nil
}

// split cuts a lane's messages into requests of at most batchSize messages
// and batchBytes bytes (a message larger than batchBytes goes alone).
func (pr *chunkProducer) split(b batch, idx []int32) [][]int32 {
	var reqs [][]int32
	start, n := 0, recordBatchOverhead
	for j, i := range idx {
		size := recordSize(b, int(i))
		if j > start && (j-start >= pr.batchSize || n+size > pr.batchBytes) {
			reqs = append(reqs, idx[start:j:j])
			start, n = j, recordBatchOverhead
		}
		n += size
	}
	return append(reqs, idx[start:len(idx):len(idx)])
}

// recordSize bounds the bytes message i takes in a record batch.
func recordSize(b batch, i int) int {
	n := len(b.key(i)) + len(b.value(i)) + recordOverhead
	for _, h := range b.headers(i) {
		n += len(h.Key) + len(h.Value) + 10
	}
	return n
}

// runLane sends a lane's requests in order. After a request that failed
// for good the lane stops (its later messages stay errNotSent, reported
// with the failure), so a partition never receives a later part of the
// chunk before an earlier one that Fluent Bit will redeliver.
func (pr *chunkProducer) runLane(ctx context.Context, l *lane, b batch, errs kafka.WriteErrors) {
	for k, req := range l.reqs {
		err := pr.send(ctx, l.topic, l.partition, b, req, errs)
		if err == nil {
			continue
		}
		cause := fmt.Errorf("%w after a failed request to %s[%d]: %w", errNotSent, l.topic, l.partition, err)
		for _, rest := range l.reqs[k+1:] {
			for _, i := range rest {
				errs[i] = cause
			}
		}
		return
	}
}

// send writes one request, retrying retriable errors; a refused request of
// several records is split in halves. It records each message's outcome
// in errs and returns the error that stopped it, if any.
func (pr *chunkProducer) send(ctx context.Context, topic string, partition int, b batch, idx []int32, errs kafka.WriteErrors) error {
	var err error
	for attempt := range requestAttempts {
		if attempt > 0 {
			if werr := sleepCtx(ctx, backoff(attempt)); werr != nil {
				break // keep the request's own error
			}
		}
		sent := time.Now()
		err = pr.produce(ctx, topic, partition, b, idx)
		if err == nil {
			for _, i := range idx {
				errs[i] = nil
			}
			return nil
		}
		pr.log(LevelDebug, fmt.Sprintf("kafka: producing %d records to %s[%d] (attempt %d): %v", len(idx), topic, partition, attempt+1, err))
		if refusal(err) {
			if len(idx) == 1 {
				// Reported alone: this record is the one refused.
				errs[idx[0]] = err
				return nil
			}
			return pr.bisect(ctx, topic, partition, b, idx, errs, err)
		}
		if permanent(err) || ctx.Err() != nil {
			break
		}
		if staleMetadata(err) {
			pr.invalidate(topic, sent)
		}
	}
	err = fmt.Errorf("producing to %s: %w", topic, err)
	for _, i := range idx {
		errs[i] = err
	}
	return err
}

// bisect sends the halves of a refused request in order until each refused
// record stands alone. When no single record is refused, the batch itself
// was over the broker's limit: Batch_Bytes is set too high.
func (pr *chunkProducer) bisect(ctx context.Context, topic string, partition int, b batch, idx []int32, errs kafka.WriteErrors, cause error) error {
	h := len(idx) / 2
	if err := pr.send(ctx, topic, partition, b, idx[:h:h], errs); err != nil {
		for _, i := range idx[h:] {
			errs[i] = err
		}
		return err
	}
	if err := pr.send(ctx, topic, partition, b, idx[h:], errs); err != nil {
		return err
	}
	for _, i := range idx {
		if errs[i] != nil {
			return nil
		}
	}
	if ok, n := pr.batchLog.allow(time.Now()); ok {
		size := recordBatchOverhead
		for _, i := range idx {
			size += recordSize(b, int(i))
		}
		pr.log(LevelWarn, fmt.Sprintf("the broker refused a request of %d records (about %d bytes) to %s (%v) but accepted each record: set Batch_Bytes below the topic's max.message.bytes%s",
			len(idx), size, topic, cause, suppressedNote(n)))
	}
	return nil
}

func (pr *chunkProducer) produce(ctx context.Context, topic string, partition int, b batch, idx []int32) error {
	select {
	case pr.inflight <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-pr.inflight }()
	res, err := pr.client.Produce(ctx, &kafka.ProduceRequest{
		Topic:        topic,
		Partition:    partition,
		RequiredAcks: pr.acks,
		Compression:  pr.codec,
		Records:      &msgRecords{b: b, idx: idx},
	})
	if err != nil {
		return err
	}
	if res != nil && res.Error != nil { // res is nil with acks=none
		return res.Error
	}
	return nil
}

// partitions returns the partition list of each topic, from the cache
// when it is fresh. It asks the Transport like kafka.Writer does: the
// Transport answers from its own metadata cache, and with autoCreate a
// topic it does not know is requested from the brokers (which may create
// it).
func (pr *chunkProducer) partitions(ctx context.Context, names []string) (map[string][]int, error) {
	out := make(map[string][]int, len(names))
	var missing []string
	now := time.Now()
	pr.mu.Lock()
	for _, t := range names {
		tm := pr.topics[t]
		if tm == nil || tm.stale || now.Sub(tm.fetched) > partitionsMaxAge {
			missing = append(missing, t)
		}
		if tm != nil {
			out[t] = tm.parts // the old list serves if the refresh fails
		}
	}
	pr.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}

	var err error
	for attempt := range requestAttempts {
		if attempt > 0 {
			if sleepCtx(ctx, backoff(attempt)) != nil {
				break
			}
		}
		var fresh map[string][]int
		if fresh, err = pr.fetchPartitions(ctx, missing); err == nil {
			pr.mu.Lock()
			for t, parts := range fresh {
				pr.topics[t] = &topicMeta{parts: parts, fetched: time.Now()}
				out[t] = parts
			}
			pr.mu.Unlock()
			return out, nil
		}
		if permanent(err) || ctx.Err() != nil {
			break
		}
	}
	// A stale list still places messages (partitions only ever grow);
	// only a topic never seen fails the write.
	for _, t := range missing {
		if out[t] == nil {
			return nil, fmt.Errorf("metadata of %s: %w", t, err)
		}
	}
	return out, nil
}

func (pr *chunkProducer) fetchPartitions(ctx context.Context, topics []string) (map[string][]int, error) {
	rt := pr.client.Transport
	if rt == nil {
		rt = kafka.DefaultTransport
	}
	if pr.client.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pr.client.Timeout)
		defer cancel()
	}
	r, err := rt.RoundTrip(ctx, pr.addr, &metadataAPI.Request{
		TopicNames:             topics,
		AllowAutoTopicCreation: pr.autoCreate,
	})
	if err != nil {
		return nil, err
	}
	res, ok := r.(*metadataAPI.Response)
	if !ok {
		return nil, fmt.Errorf("unexpected metadata response %T", r)
	}
	out := make(map[string][]int, len(topics))
	for _, t := range res.Topics {
		if !slices.Contains(topics, t.Name) {
			continue
		}
		if t.ErrorCode != 0 {
			return nil, fmt.Errorf("%s: %w", t.Name, kafka.Error(t.ErrorCode))
		}
		if len(t.Partitions) == 0 {
			return nil, fmt.Errorf("%s: %w", t.Name, kafka.LeaderNotAvailable)
		}
		parts := make([]int, len(t.Partitions))
		for i := range parts {
			parts[i] = i
		}
		out[t.Name] = parts
	}
	for _, t := range topics {
		if out[t] == nil {
			return nil, fmt.Errorf("%s: %w", t, kafka.UnknownTopicOrPartition)
		}
	}
	return out, nil
}

// invalidate marks a topic's partitions for a refresh after a routing
// error on a request sent at sent, and drops the Transport's connection
// pool: its metadata cache (which routes each request to the partition
// leader) is otherwise only refreshed every few seconds. A request sent
// before the last reset already failed on the old routing, so only a
// request sent after it triggers another: back-to-back leader moves are
// followed at once, while a burst of failures from one move resets once.
// Requests in flight finish on the old pool.
func (pr *chunkProducer) invalidate(topic string, sent time.Time) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if tm := pr.topics[topic]; tm != nil {
		tm.stale = true
	}
	if pr.transport != nil && pr.lastReset.Before(sent) {
		pr.lastReset = time.Now()
		pr.transport.CloseIdleConnections()
	}
}

// Close makes later writes fail and closes idle connections. The pipeline
// calls it after every flush returned.
func (pr *chunkProducer) Close() error {
	pr.mu.Lock()
	pr.closed = true
	pr.mu.Unlock()
	if pr.transport != nil {
		pr.transport.CloseIdleConnections()
	}
	return nil
}

// backoff is the wait before attempt (1, 2, ...): exponential from
// requestBackoffMin, capped at requestBackoffMax, with jitter.
func backoff(attempt int) time.Duration {
	d := requestBackoffMin << (attempt - 1)
	if d > requestBackoffMax || d <= 0 {
		d = requestBackoffMax
	}
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// msgRecords reads the messages idx[...] of b as kafka records without
// copying their bytes out of the arena.
type msgRecords struct {
	b    batch
	idx  []int32
	next int
	rec  kafka.Record
	key  bytesReadCloser
	val  bytesReadCloser
}

func (r *msgRecords) ReadRecord() (*kafka.Record, error) {
	if r.next >= len(r.idx) {
		return nil, io.EOF
	}
	i := int(r.idx[r.next])
	r.next++
	r.rec = kafka.Record{Time: r.b.time, Headers: r.b.headers(i)}
	if k := r.b.key(i); k != nil {
		r.key.Reset(k)
		r.rec.Key = &r.key
	}
	if v := r.b.value(i); v != nil {
		r.val.Reset(v)
		r.rec.Value = &r.val
	}
	return &r.rec, nil
}

type bytesReadCloser struct{ bytes.Reader }

func (*bytesReadCloser) Close() error { return nil }
