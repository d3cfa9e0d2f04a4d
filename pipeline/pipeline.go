package pipeline

import (
	"errors"
	"fmt"
	"hash/maphash"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/normalize/detect"
	"github.com/awsaudit/awsaudit/normalize/redact"
	"github.com/segmentio/kafka-go"
)

type normalizeFunc func(n *normalize.Normalizer, input []byte, hint normalize.Source, recordRegion []byte, emit func(*normalize.Output))

// Pipeline is one configured output: it normalizes records and writes them
// to Kafka. All methods are safe for concurrent use.
type Pipeline struct {
	log Logger
	w   sender
	// retries recognizes a chunk Fluent Bit redelivers (see Flush).
	retries *retrySet

	hint        normalize.Source
	nopts       normalize.Options
	normalizeFn normalizeFunc // (*normalize.Normalizer).Normalize but in tests
	logKeys     [][]byte
	logKeyMsg   string // for the "no log key" reason
	regionKey   []byte

	topics []string // topic id -> name
	// routes is where a normalized record goes, by normalize.Source;
	// SourceAuto's is for an Output without a source, which normalize
	// does not emit.
	routes   [3]route
	topicDLQ int // -1: dead-lettering off
	// topicAlerts also receives every record with an alert; -1: off.
	topicAlerts int

	brokers       string // bootstrap list, for logs
	maxMsg        int    // largest message we hand to the writer (bytes)
	dlqInputLimit int    // bound on the escaped input in a DLQ message
	pieceBytes    int    // Batch_Bytes within [minPieceBytes, maxPieceBytes] (tests set others)
	writeTimeout  time.Duration

	states statePool
	c      counters

	mu     sync.RWMutex // held shared by flushes, exclusively by Close
	closed bool

	stopMetrics chan struct{}
	metricsDone chan struct{}
	closeOnce   sync.Once
	closeErr    error

	dropLog   rateLimiter
	digestLog rateLimiter
	writeLog  rateLimiter
	refuseLog rateLimiter
}

// New builds a pipeline from a configuration conf has already validated.
// Zero values of the batch, timeout, client ID and log key settings get
// conf.Default's. It does not contact the brokers.
func New(cfg conf.Config, log Logger) (*Pipeline, error) {
	return open(cfg, log)
}

// open is New with options.
func open(cfg conf.Config, log Logger, opts ...option) (*Pipeline, error) {
	p, err := newPipeline(cfg, log, nil, opts...)
	if err != nil {
		return nil, err
	}
	ks, err := newKafkaSettings(cfg, p.topics)
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	p.w = newProducer(ks, p.log)
	return p, nil
}

// redactingLogger masks secrets in every message before log sees it,
// whatever Redact says: a message quotes reasons and tags, which may
// quote input, and a log is no place for a credential.
func redactingLogger(log Logger) Logger {
	return func(level Level, msg string) {
		log(level, string(redact.Append(nil, []byte(msg))))
	}
}

// withDefaults gives the settings a Config that did not come through
// conf.Parse or conf.Default (tests, embedders) leaves zero
// conf.Default's values.
func withDefaults(cfg conf.Config) conf.Config {
	def := conf.Default()
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = def.BatchSize
	}
	if cfg.BatchBytes <= 0 {
		cfg.BatchBytes = def.BatchBytes
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = def.WriteTimeout
	}
	if cfg.ClientID == "" {
		cfg.ClientID = def.ClientID
	}
	if len(cfg.LogKeys) == 0 {
		cfg.LogKeys = def.LogKeys
	}
	return cfg
}

// option adjusts a pipeline as it is built: the tests give it a
// normalizer that misbehaves on purpose, or smaller pieces, this way.
type option func(*Pipeline)

// newPipeline wires everything but the Kafka writer, so tests and
// benchmarks can pass their own sender.
func newPipeline(cfg conf.Config, log Logger, w sender, opts ...option) (*Pipeline, error) {
	cfg = withDefaults(cfg)
	if log == nil {
		log = func(Level, string) {}
	} else {
		log = redactingLogger(log)
	}
	// One rule set per instance, shared by its normalizers: the rate
	// window of access_denied counts across the instance's flushes.
	rules, err := detect.New(cfg.Rules)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	p := &Pipeline{
		retries: newRetrySet(),
		log:     log,
		w:       w,
		hint:    cfg.Source,
		nopts: normalize.Options{
			DefaultRegion: cfg.DefaultRegion,
			Redact:        cfg.Redact,
			IncludeRaw:    cfg.IncludeRaw,
			KeyPath:       cfg.MessageKey,
			Rules:         rules,
			Format:        cfg.OutputFormat,
		},
		normalizeFn:  (*normalize.Normalizer).Normalize,
		writeTimeout: cfg.WriteTimeout,
		brokers:      strings.Join(cfg.Brokers, ","),
		dropLog:      rateLimiter{interval: 10 * time.Second},
		digestLog:    rateLimiter{interval: time.Minute},
		writeLog:     rateLimiter{interval: 10 * time.Second},
		refuseLog:    rateLimiter{interval: 10 * time.Second},
	}
	for _, k := range cfg.LogKeys {
		p.logKeys = append(p.logKeys, []byte(k))
	}
	p.logKeyMsg = strings.Join(cfg.LogKeys, ", ")
	if cfg.RegionKey != "" {
		p.regionKey = []byte(cfg.RegionKey)
	}

	if cfg.Topic == "" && (cfg.TopicS3Access == "" || cfg.TopicCloudTrail == "") {
		return nil, errors.New("pipeline: no topic for some source (set Topic or both per-source topics)")
	}
	s3 := &p.routes[normalize.SourceS3Access]
	ct := &p.routes[normalize.SourceCloudTrail]
	def := &p.routes[normalize.SourceAuto]
	s3.topic = p.topicID(orString(cfg.TopicS3Access, cfg.Topic))
	ct.topic = p.topicID(orString(cfg.TopicCloudTrail, cfg.Topic))
	def.topic = s3.topic
	if cfg.Topic != "" {
		def.topic = p.topicID(cfg.Topic)
	}
	p.topicDLQ = -1
	if cfg.DLQTopic != "" {
		p.topicDLQ = p.topicID(cfg.DLQTopic)
	}
	p.topicAlerts = -1
	if cfg.TopicAlerts != "" {
		p.topicAlerts = p.topicID(cfg.TopicAlerts)
	}
	s3.headers = recordHeaders("s3_access", cfg.OutputFormat)
	ct.headers = recordHeaders("cloudtrail", cfg.OutputFormat)
	def.headers = recordHeaders(sourceUnknown, cfg.OutputFormat)
	p.c.out = make([]atomic.Int64, len(p.topics))

	// Keep a safety margin under Batch_Bytes: kafka-go refuses a message
	// above it outright, and the broker counts batch overhead on top.
	p.maxMsg = max(cfg.BatchBytes-512, 1024)
	p.dlqInputLimit = min(max(p.maxMsg/2, 256), 256<<10)
	p.pieceBytes = min(max(cfg.BatchBytes, minPieceBytes), maxPieceBytes)

	p.states.new = p.newState
	for _, o := range opts {
		o(p)
	}

	if cfg.MetricsInterval > 0 {
		p.stopMetrics = make(chan struct{})
		p.metricsDone = make(chan struct{})
		go p.metricsLoop(cfg.MetricsInterval)
	}
	return p, nil
}

// topicID returns the id of a topic name, adding it on first use.
func (p *Pipeline) topicID(name string) int {
	for i, t := range p.topics {
		if t == name {
			return i
		}
	}
	p.topics = append(p.topics, name)
	return len(p.topics) - 1
}

func (p *Pipeline) metricsLoop(every time.Duration) {
	defer close(p.metricsDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			p.log(LevelInfo, "counters: "+p.Stats().String())
		case <-p.stopMetrics:
			return
		}
	}
}

// Flush processes one Fluent Bit chunk (a concatenation of msgpack events)
// and writes every resulting message. It does not retain data.
func (p *Pipeline) Flush(data []byte, tag string) Status {
	// Fluent Bit does not say that a flush is a retry: a chunk answered
	// FLB_RETRY before is recognized by its content, so that its records
	// count once in RecordsIn and the retry counts as a retry. Hashing a
	// chunk costs about 2% of the plugin's CPU, so it is done only when a
	// retry is pending or this flush asks for one.
	var sum uint64
	hashed, again := false, false
	if !p.retries.empty() {
		sum, hashed = p.retries.sum(data, tag), true
		again = p.retries.seen(sum)
	}
	st := p.run(tag, again, func(st *flushState) {
		p.decodeChunk(st, data)
	})
	if st == StatusRetry {
		if !hashed {
			sum = p.retries.sum(data, tag)
		}
		p.retries.add(sum)
	}
	return st
}

// FlushRecords is Flush for records that are already decoded (the CLI).
func (p *Pipeline) FlushRecords(recs []Record, tag string) Status {
	return p.run(tag, false, func(st *flushState) {
		for i := 0; i < len(recs) && st.err == nil; i++ {
			p.processRecord(st, &recs[i])
		}
	})
}

// run is the common flush: it builds the messages with fill, writing them
// piece by piece (see writePiece), and maps the outcome to a Status. A
// failure after some pieces were acknowledged is still a failure: Fluent
// Bit redelivers the whole chunk, duplicating those.
func (p *Pipeline) run(tag string, again bool, fill func(*flushState)) Status {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		// Not delivered: let Fluent Bit keep the chunk.
		return StatusRetry
	}
	st := p.states.get()
	defer p.putState(st)
	return p.flushWith(st, tag, again, fill)
}

func (p *Pipeline) flushWith(st *flushState, tag string, again bool, fill func(*flushState)) Status {
	st.reset(tag)
	ns := st.n.Stats()
	fill(st)
	if again {
		p.c.chunksRetried.Add(1)
	} else {
		p.c.recordsIn.Add(st.in)
		p.countNormalizer(st, ns)
	}
	if st.err == nil {
		p.writePiece(st)
	}
	err := st.err
	if err == nil {
		p.c.flushesOK.Add(1)
		return StatusOK
	}
	p.c.kafkaErrors.Add(1)
	var earlier string
	if st.delivered > 0 {
		earlier = fmt.Sprintf(" (%d messages of the chunk written before were acknowledged)", st.delivered)
	}
	if permanent(err) {
		p.c.flushesError.Add(1)
		p.log(LevelError, fmt.Sprintf("dropping a chunk of %d messages (tag %s) that Kafka can never accept: %s (brokers %s)%s",
			st.failedN, tag, describeWriteError(err), p.brokers, earlier))
		return StatusError
	}
	p.c.flushesRetry.Add(1)
	if ok, n := p.writeLog.allow(time.Now()); ok {
		p.log(LevelWarn, fmt.Sprintf("writing %d messages failed; the chunk will be retried: %s (brokers %s)%s%s",
			st.failedN, describeWriteError(err), p.brokers, earlier, suppressedNote(n)))
	}
	return StatusRetry
}

// describeWriteError shortens kafka.WriteErrors (one entry per message) to
// a count and the distinct causes.
func describeWriteError(err error) string {
	var werrs kafka.WriteErrors
	if !errors.As(err, &werrs) {
		return err.Error()
	}
	seen := map[string]bool{}
	var causes []string
	for _, e := range werrs {
		if e != nil && !seen[e.Error()] && len(causes) < 3 {
			seen[e.Error()] = true
			causes = append(causes, e.Error())
		}
	}
	return fmt.Sprintf("%d of %d messages failed: %s", werrs.Count(), len(werrs), strings.Join(causes, "; "))
}

func suppressedNote(n int) string {
	if n == 0 {
		return ""
	}
	return " (" + strconv.Itoa(n) + " similar messages suppressed)"
}

// stop ends the metrics logger.
func (p *Pipeline) stop() {
	if p.stopMetrics != nil {
		close(p.stopMetrics)
		<-p.metricsDone
		p.stopMetrics = nil
	}
}

// Stats returns a snapshot of the counters.
func (p *Pipeline) Stats() Stats {
	s := Stats{
		RecordsIn:    p.c.recordsIn.Load(),
		RecordsOut:   make(map[string]int64, len(p.topics)),
		DeadLettered: p.c.deadLettered.Load(),
		Dropped:      p.c.dropped.Load(),
		FlushesOK:    p.c.flushesOK.Load(),
		FlushesRetry: p.c.flushesRetry.Load(),
		FlushesError: p.c.flushesError.Load(),
		KafkaErrors:  p.c.kafkaErrors.Load(),
		Refused:      p.c.refused.Load(),
		BytesOut:     p.c.bytesOut.Load(),
	}
	for _, r := range p.routes {
		s.RecordsOut[p.topics[r.topic]] = p.c.out[r.topic].Load()
	}
	s.Normalized = map[string]int64{
		normalize.SourceS3Access.String():   p.c.normalized[normalize.SourceS3Access].Load(),
		normalize.SourceCloudTrail.String(): p.c.normalized[normalize.SourceCloudTrail].Load(),
	}
	s.DeadLetters = make(map[string]int64, len(dlqClasses))
	s.DroppedBy = make(map[string]int64, len(dlqClasses))
	for i, c := range dlqClasses {
		s.DeadLetters[c] = p.c.deadByClass[i].Load()
		s.DroppedBy[c] = p.c.droppedByClass[i].Load()
	}
	s.ChunksRetried = p.c.chunksRetried.Load()
	s.UnknownOperations = p.c.unknownOps.Load()
	s.DigestFiles = p.c.digestFiles.Load()
	return s
}

// Close waits for running flushes, stops the metrics logger, flushes and
// closes the writer and logs the final counters. Later flushes return
// StatusRetry. It is idempotent.
func (p *Pipeline) Close() error {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		p.stop()
		if p.w != nil {
			if err := p.w.Close(); err != nil {
				p.closeErr = fmt.Errorf("pipeline: closing kafka writer: %w", err)
			}
		}
		p.log(LevelInfo, "final counters: "+p.Stats().String())
	})
	return p.closeErr
}

// countNormalizer adds what the flush's normalizer counted since before
// (operations it does not know, CloudTrail digest files it skipped) and
// says once in a while that digest files were skipped: they are not API
// calls, so they are neither records nor dead letters.
func (p *Pipeline) countNormalizer(st *flushState, before normalize.Stats) {
	after := st.n.Stats()
	unknown, digests := after.UnknownOperations-before.UnknownOperations, after.DigestFiles-before.DigestFiles
	p.c.unknownOps.Add(unknown)
	p.c.digestFiles.Add(digests)
	if digests > 0 {
		if ok, n := p.digestLog.allow(time.Now()); ok {
			p.log(LevelInfo, fmt.Sprintf("skipped %d CloudTrail digest file(s) (tag %s): they sign the log files and hold no API calls%s",
				digests, truncateUTF8(redact.Append(nil, []byte(st.tag)), maxTagBytes), suppressedNote(n)))
		}
	}
}

// retrySet remembers the chunks answered FLB_RETRY (by a hash of content
// and tag) until they come back. It is bounded: when Fluent Bit gives up
// on many chunks (Retry_Limit), the set is emptied when full, and a
// forgotten chunk's retry counts as new input.
type retrySet struct {
	seed maphash.Seed
	mu   sync.Mutex
	m    map[uint64]struct{}
}

const maxRetryMemory = 8192

func newRetrySet() *retrySet {
	return &retrySet{seed: maphash.MakeSeed(), m: make(map[uint64]struct{})}
}

// sum identifies a chunk: its content and tag.
func (r *retrySet) sum(data []byte, tag string) uint64 {
	return maphash.Bytes(r.seed, data) ^ maphash.String(r.seed, tag)
}

// empty reports whether no retry is pending.
func (r *retrySet) empty() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m) == 0
}

// seen reports whether sum was added and not yet seen, and forgets it.
func (r *retrySet) seen(sum uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[sum]; !ok {
		return false
	}
	delete(r.m, sum)
	return true
}

func (r *retrySet) add(sum uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.m) >= maxRetryMemory {
		clear(r.m)
	}
	r.m[sum] = struct{}{}
}
