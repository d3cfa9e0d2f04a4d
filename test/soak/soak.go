package soak

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/awsaudit/awsaudit/pipeline/kafkaread"
	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Config is one soak run.
type Config struct {
	SO, Host string // the plugin and flbhost

	Records    int    // generated access-log lines, each a distinct record
	PerChunk   int    // events per chunk (flbhost -n)
	Workers    int    // flbhost -w (Fluent Bit's Workers)
	Brokers    int    // kfake brokers
	Partitions int    // partitions of the record topic
	Seed       uint64 // input and faults

	WriteTimeout time.Duration
	RetryWait    time.Duration // flbhost --retry-wait-ms
	// ProducerAttempts bounds how often the plugin's producer sends one
	// produce request within one flush attempt (pipeline's
	// requestAttempts): each can store the records once when the broker
	// stores a request it answers with an error, or loses the answer. A
	// record may have at most ProducerAttempts copies per flush attempt of
	// its chunk.
	ProducerAttempts int
	// Faults start FaultGap (random in [min, max)) after the previous one
	// ended and last FaultLen (random in [min, max)).
	FaultGap, FaultLen [2]time.Duration
	NoFaults           bool
	LogLevel           string // the instance's Log_Level ("" info)

	Dir     string        // scratch directory ("" a temporary one)
	Timeout time.Duration // the whole run
	Logf    func(format string, args ...any)
}

// Defaults fills zero fields.
func (c *Config) Defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Records, 1_000_000)
	def(&c.PerChunk, 1000)
	def(&c.Workers, 2)
	def(&c.Brokers, 3)
	def(&c.Partitions, 6)
	def(&c.ProducerAttempts, 3)
	if c.Seed == 0 {
		c.Seed = 20260501
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 2 * time.Second
	}
	if c.RetryWait <= 0 {
		c.RetryWait = 200 * time.Millisecond
	}
	if c.FaultGap[1] <= c.FaultGap[0] {
		c.FaultGap = [2]time.Duration{500 * time.Millisecond, 2 * time.Second}
	}
	if c.FaultLen[1] <= c.FaultLen[0] {
		c.FaultLen = [2]time.Duration{300 * time.Millisecond, 2 * time.Second}
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Minute
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}

// Fault is one injected fault.
type Fault struct {
	At     time.Duration // since the host started
	Len    time.Duration
	Kind   string
	Detail string
	Hits   int64 // requests it answered (when counted)
	// Recovery is from the end of the fault to the next chunk that ended
	// FLB_OK (-1: none did; the run ended first).
	Recovery time.Duration
}

func (f Fault) String() string {
	s := fmt.Sprintf("+%6.2fs %-7s %-6v %s", f.At.Seconds(), f.Kind, f.Len.Round(10*time.Millisecond), f.Detail)
	if f.Hits > 0 {
		s += fmt.Sprintf(" (%d requests)", f.Hits)
	}
	if f.Recovery >= 0 {
		s += fmt.Sprintf("; next FLB_OK %v after it ended", f.Recovery.Round(time.Millisecond))
	}
	return s
}

// Result is what a run found.
type Result struct {
	Records    int // input records
	Chunks     int
	Messages   int // in the record topic
	Missing    int // records not in the topic
	MissingIDs []string
	Duplicated int // records in the topic more than once
	Extra      int // Messages - (Records - Missing)
	MaxCopies  int
	DeadLetter int // messages in the DLQ topic (none expected)
	// OverBound counts records with more copies than ProducerAttempts
	// per flush attempt of their chunk (OverBoundIDs: the first ones).
	OverBound    int
	OverBoundIDs []string
	chunkTries   map[int]int // chunk index -> flush attempts

	Attempts, Retries int // flush attempts; FLB_RETRY answers among them
	Errors            int // FLB_ERROR answers (must be 0)
	FlushOK           int
	MaxTries          int

	Faults []Fault

	InputBytes  int64         // chunk bytes flbhost holds in memory
	HostWall    time.Duration // flbhost's run
	HostUser    time.Duration
	HostSys     time.Duration
	HostMaxRSS  int64 // bytes, getrusage ru_maxrss of the child
	RSSAtStart  int64 // VmRSS at the first flush result (input loaded, plugin started)
	RSSLast     int64 // VmRSS at the last sample before exit
	RSSSamples  int
	HostExit    int
	HostStderr  string // its last lines
	ConsumeTime time.Duration
}

// DupRatio is the extra copies per input record.
func (r *Result) DupRatio() float64 {
	if r.Records == 0 {
		return 0
	}
	return float64(r.Extra) / float64(r.Records)
}

// Report is a human-readable summary.
func (r *Result) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "records %d in %d chunks; topic holds %d messages: %d missing, %d records duplicated, %d extra copies, duplicate ratio %.5f, at most %d copies of one record (%d over the bound); %d dead letters\n",
		r.Records, r.Chunks, r.Messages, r.Missing, r.Duplicated, r.Extra, r.DupRatio(), r.MaxCopies, r.OverBound, r.DeadLetter)
	fmt.Fprintf(&b, "flbhost: %d attempts, %d FLB_RETRY, %d FLB_ERROR, %d chunks FLB_OK, at most %d tries for one chunk, exit %d\n",
		r.Attempts, r.Retries, r.Errors, r.FlushOK, r.MaxTries, r.HostExit)
	fmt.Fprintf(&b, "flbhost: wall %v, user %v, sys %v; peak RSS (ru_maxrss) %.1f MiB; VmRSS %.1f MiB at the first flush result, %.1f MiB at the end (%d samples); the chunks it holds in memory: %.1f MiB\n",
		r.HostWall.Round(time.Millisecond), r.HostUser.Round(time.Millisecond), r.HostSys.Round(time.Millisecond),
		mib(r.HostMaxRSS), mib(r.RSSAtStart), mib(r.RSSLast), r.RSSSamples, mib(r.InputBytes))
	fmt.Fprintf(&b, "%d faults injected:\n", len(r.Faults))
	for _, f := range r.Faults {
		fmt.Fprintf(&b, "  %s\n", f)
	}
	return b.String()
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// Check returns an error when the run broke a delivery guarantee.
func (r *Result) Check() error {
	var errs []error
	if r.Missing > 0 {
		errs = append(errs, fmt.Errorf("%d records lost (first %q)", r.Missing, r.MissingIDs))
	}
	if r.Errors > 0 {
		errs = append(errs, fmt.Errorf("%d flush attempts answered FLB_ERROR (the chunk would be dropped)", r.Errors))
	}
	if r.FlushOK != r.Chunks || r.HostExit != 0 {
		errs = append(errs, fmt.Errorf("%d of %d chunks ended FLB_OK, flbhost exit %d", r.FlushOK, r.Chunks, r.HostExit))
	}
	if r.DeadLetter > 0 {
		errs = append(errs, fmt.Errorf("%d dead letters from broker faults", r.DeadLetter))
	}
	if r.OverBound > 0 {
		errs = append(errs, fmt.Errorf("%d records have more copies than the producer's attempts times the flush attempts of their chunk: %s", r.OverBound, strings.Join(r.OverBoundIDs, " ")))
	}
	return errors.Join(errs...)
}

const (
	topic    = "soak.s3"
	dlqTopic = "soak.dlq"
	idPrefix = "SK"
)

// Run performs one soak run.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg.Defaults()
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "awsaudit-soak-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	res := &Result{Records: cfg.Records, Chunks: (cfg.Records + cfg.PerChunk - 1) / cfg.PerChunk, chunkTries: map[int]int{}}

	input := filepath.Join(dir, "access.log")
	t0 := time.Now()
	size, err := Generate(input, cfg.Records, cfg.Seed)
	if err != nil {
		return nil, err
	}
	cfg.Logf("generated %d access-log lines (%.1f MB) in %v", cfg.Records, float64(size)/1e6, time.Since(t0).Round(time.Millisecond))

	fnet := kafkatest.NewNet()
	cl, err := kfake.NewCluster(kfake.NumBrokers(cfg.Brokers), kfake.ListenFn(fnet.Listen),
		kfake.SeedTopics(int32(cfg.Partitions), topic), kfake.SeedTopics(1, dlqTopic))
	if err != nil {
		return nil, fmt.Errorf("kfake: %w", err)
	}
	defer cl.Close()
	brokers := cl.ListenAddrs()
	slow := newSlow(cl, cfg.WriteTimeout+time.Second)
	cfg.Logf("kfake: %d brokers %s, %s with %d partitions", cfg.Brokers, strings.Join(brokers, ","), topic, cfg.Partitions)

	inj := &injector{cfg: cfg, cl: cl, net: fnet, slow: slow, rng: rand.New(rand.NewPCG(cfg.Seed, 0xfa17))}
	if err := runHost(ctx, cfg, dir, input, brokers, inj, res); err != nil {
		return res, err
	}
	res.Faults = inj.faults

	// Heal everything, let slowed requests finish, then read the topic.
	fnet.Up()
	slow.on.Store(false)
	for deadline := time.Now().Add(2 * cfg.WriteTimeout); slow.asleep.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	t1 := time.Now()
	if err := count(ctx, brokers, cfg, res); err != nil {
		return res, err
	}
	res.ConsumeTime = time.Since(t1)
	cfg.Logf("read %d messages back in %v", res.Messages, res.ConsumeTime.Round(time.Millisecond))
	return res, nil
}

// runHost runs flbhost, injecting faults while it runs.
func runHost(ctx context.Context, cfg Config, dir, input string, brokers []string, inj *injector, res *Result) error {
	spec := fmt.Sprintf("Brokers=%s,Topic=%s,DLQ_Topic=%s,Write_Timeout=%s,Metrics_Interval=0",
		strings.Join(brokers, ","), topic, dlqTopic, cfg.WriteTimeout)
	if cfg.LogLevel != "" {
		spec += ",Log_Level=" + cfg.LogLevel
	}
	args := []string{"-p", cfg.SO, "-i", spec, "-t", "soak.s3", "-l", input, "-k", "log",
		"-n", strconv.Itoa(cfg.PerChunk), "-w", strconv.Itoa(cfg.Workers),
		"--retry-max", "-1", "--retry-wait-ms", strconv.FormatInt(cfg.RetryWait.Milliseconds(), 10)}
	cmd := exec.CommandContext(ctx, cfg.Host, args...)
	cmd.WaitDelay = 5 * time.Second
	errPath := filepath.Join(dir, "flbhost.stderr")
	errFile, err := os.Create(errPath)
	if err != nil {
		return err
	}
	defer errFile.Close()
	cmd.Stderr = errFile
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting flbhost: %w", err)
	}
	pid := cmd.Process.Pid

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var rssMu sync.Mutex
	var firstResult atomic.Bool
	// VmRSS samples.
	wg.Go(func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			if rss, ok := vmRSS(pid); ok {
				rssMu.Lock()
				res.RSSSamples++
				res.RSSLast = rss
				if firstResult.Load() && res.RSSAtStart == 0 {
					res.RSSAtStart = rss
				}
				rssMu.Unlock()
			}
		}
	})
	// Faults, once the host flushes.
	if !cfg.NoFaults {
		wg.Go(func() { inj.run(start, stop) })
	}

	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	lastProgress := time.Now()
	var okTimes []time.Duration // since start, of every FLB_OK flush
	for sc.Scan() {
		kind, rest, _ := strings.Cut(sc.Text(), " ")
		f := fields(rest)
		switch kind {
		case "attempt":
			res.Attempts++
			if _, k, ok := strings.Cut(f["chunk"], "#"); ok {
				n, _ := strconv.Atoi(k)
				res.chunkTries[n]++
			}
			switch f["rc"] {
			case "2":
				res.Retries++
			case "0":
				res.Errors++
			}
		case "flush":
			firstResult.Store(true)
			if f["rc"] == "1" {
				res.FlushOK++
				okTimes = append(okTimes, time.Since(start))
			}
			tries, _ := strconv.Atoi(f["tries"])
			res.MaxTries = max(res.MaxTries, tries)
			n, _ := strconv.ParseInt(f["bytes"], 10, 64)
			res.InputBytes += n
			if time.Since(lastProgress) >= 5*time.Second {
				lastProgress = time.Now()
				cfg.Logf("%v: %d of %d chunks flushed, %d FLB_RETRY so far", time.Since(start).Round(time.Second), res.FlushOK, res.Chunks, res.Retries)
			}
		case "init":
			if f["rc"] != "1" {
				cfg.Logf("flbhost: instance failed to initialize")
			}
		}
	}
	werr := cmd.Wait()
	res.HostWall = time.Since(start)
	close(stop)
	wg.Wait()
	for i := range inj.faults {
		f := &inj.faults[i]
		f.Recovery = -1
		end := f.At + f.Len
		for _, t := range okTimes {
			if t >= end {
				f.Recovery = t - end
				break
			}
		}
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.HostUser = time.Duration(ru.Utime.Nano())
		res.HostSys = time.Duration(ru.Stime.Nano())
		res.HostMaxRSS = ru.Maxrss * 1024 // KiB on Linux
	}
	res.HostExit = cmd.ProcessState.ExitCode()
	res.HostStderr = tailFile(errPath, 30)
	var exit *exec.ExitError
	if werr != nil && !errors.As(werr, &exit) {
		return fmt.Errorf("flbhost: %w (ctx %v)\nstderr:\n%s", werr, ctx.Err(), res.HostStderr)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("flbhost did not finish within %v: %d of %d chunks flushed\nstderr:\n%s", cfg.Timeout, res.FlushOK, res.Chunks, res.HostStderr)
	}
	return nil
}

func fields(rest string) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Fields(rest) {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// vmRSS reads a process's resident set size from /proc.
func vmRSS(pid int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ---- faults ----------------------------------------------------------------

type injector struct {
	cfg    Config
	cl     *kfake.Cluster
	net    *kafkatest.Net
	slow   *slow
	rng    *rand.Rand
	faults []Fault // written by run only; read after it returned
}

// retriable errors a produce request is answered with; stores: the broker
// stored the records anyway.
var produceErrors = []struct {
	err    *kerr.Error
	stores bool
}{
	{kerr.NotEnoughReplicas, false},
	{kerr.NotLeaderForPartition, false},
	{kerr.LeaderNotAvailable, false},
	{kerr.RequestTimedOut, true},
	{kerr.NotEnoughReplicasAfterAppend, true},
	{kerr.KafkaStorageError, false},
}

func (in *injector) between(r [2]time.Duration) time.Duration {
	return r[0] + time.Duration(in.rng.Int64N(int64(r[1]-r[0])))
}

func (in *injector) run(start time.Time, stop <-chan struct{}) {
	sleep := func(d time.Duration) bool {
		select {
		case <-stop:
			return false
		case <-time.After(d):
			return true
		}
	}
	for {
		if !sleep(in.between(in.cfg.FaultGap)) {
			return
		}
		d := in.between(in.cfg.FaultLen)
		f := Fault{At: time.Since(start), Len: d}
		var heal func()
		switch k := in.rng.IntN(10); {
		case k < 3:
			f.Kind = "drop"
			f.Detail = "every connection closed, new ones refused"
			before := in.net.Drops()
			in.net.Down()
			heal = func() {
				in.net.Up()
				f.Hits = in.net.Drops() - before
			}
		case k < 6:
			pe := produceErrors[in.rng.IntN(len(produceErrors))]
			var parts []int32
			if in.rng.IntN(2) == 0 {
				parts = []int32{int32(in.rng.IntN(in.cfg.Partitions))}
			}
			h := in.cl.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topic, Partitions: parts, Err: pe.err, Count: -1})
			f.Kind = "error"
			f.Detail = pe.err.Message
			if parts != nil {
				f.Detail += fmt.Sprintf(" on partition %d", parts[0])
			}
			if pe.stores {
				f.Detail += " (after storing)"
			}
			heal = func() {
				h.Remove()
				f.Hits = int64(h.Hits())
			}
		case k < 8:
			f.Kind = "slow"
			f.Detail = fmt.Sprintf("produce answered after %v (Write_Timeout %v)", in.slow.delay, in.cfg.WriteTimeout)
			before := in.slow.slept.Load()
			in.slow.on.Store(true)
			heal = func() {
				in.slow.on.Store(false)
				f.Hits = in.slow.slept.Load() - before
			}
		default:
			f.Kind = "leader"
			f.Len = 0
			p := int32(in.rng.IntN(in.cfg.Partitions))
			from := in.cl.LeaderFor(topic, p)
			to := (from + 1 + int32(in.rng.IntN(max(in.cfg.Brokers-1, 1)))) % int32(in.cfg.Brokers)
			if err := in.cl.MoveTopicPartition(topic, p, to); err != nil {
				f.Detail = fmt.Sprintf("moving partition %d: %v", p, err)
			} else {
				f.Detail = fmt.Sprintf("partition %d leader %d -> %d", p, from, to)
			}
			f.Recovery = -1
			in.cfg.Logf("fault %s", f)
			in.faults = append(in.faults, f)
			continue
		}
		ok := sleep(d)
		heal()
		f.Len = time.Since(start) - f.At
		f.Recovery = -1
		in.cfg.Logf("fault %s", f)
		in.faults = append(in.faults, f)
		if !ok {
			return
		}
	}
}

// slow makes produce requests wait delay before the broker handles them
// (and stores them) while on.
type slow struct {
	on     atomic.Bool
	delay  time.Duration
	slept  atomic.Int64
	asleep atomic.Int64
}

func newSlow(c *kfake.Cluster, delay time.Duration) *slow {
	s := &slow{delay: delay}
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		if s.on.Load() {
			s.slept.Add(1)
			s.asleep.Add(1)
			c.SleepControl(func() {
				time.Sleep(delay)
				s.asleep.Add(-1)
			})
		}
		return nil, nil, false
	})
	return s
}

// ---- reading back ----------------------------------------------------------

// count reads both topics to their end and fills the delivery figures.
func count(ctx context.Context, brokers []string, cfg Config, res *Result) error {
	copies := make([]uint16, cfg.Records)
	var bad int
	var firstBad string
	n, err := consume(ctx, brokers, topic, func(v []byte) {
		i, ok := recordIndex(v)
		if !ok || i >= len(copies) {
			if bad++; firstBad == "" {
				firstBad = string(v[:min(len(v), 300)])
			}
			return
		}
		if copies[i] < 65535 {
			copies[i]++
		}
	})
	if err != nil {
		return fmt.Errorf("reading %s: %w", topic, err)
	}
	if bad > 0 {
		return fmt.Errorf("%d messages in %s without a soak request id (first %q)", bad, topic, firstBad)
	}
	res.Messages = n
	for i, c := range copies {
		switch {
		case c == 0:
			if res.Missing++; len(res.MissingIDs) < 10 {
				res.MissingIDs = append(res.MissingIDs, RequestID(i))
			}
		case c > 1:
			res.Duplicated++
		}
		if bound := cfg.ProducerAttempts * res.chunkTries[i/cfg.PerChunk]; int(c) > bound {
			if res.OverBound++; len(res.OverBoundIDs) < 10 {
				res.OverBoundIDs = append(res.OverBoundIDs, fmt.Sprintf("%s×%d (chunk %d: %d attempts)", RequestID(i), c, i/cfg.PerChunk, res.chunkTries[i/cfg.PerChunk]))
			}
		}
		res.MaxCopies = max(res.MaxCopies, int(c))
	}
	res.Extra = n - (cfg.Records - res.Missing)
	if res.DeadLetter, err = consume(ctx, brokers, dlqTopic, func([]byte) {}); err != nil {
		return fmt.Errorf("reading %s: %w", dlqTopic, err)
	}
	return nil
}

var idKey = []byte(`"request":{"id":"` + idPrefix)

// recordIndex finds the soak record number in a unified record.
func recordIndex(v []byte) (int, bool) {
	i := bytes.Index(v, idKey)
	if i < 0 {
		return 0, false
	}
	rest := v[i+len(idKey):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(string(rest[:j]))
	return n, err == nil && n >= 0
}

// consume reads topic from the start of every partition to the end it
// finds first and calls fn with each value.
func consume(ctx context.Context, brokers []string, topic string, fn func([]byte)) (int, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...),
		kgo.FetchMaxWait(100*time.Millisecond), kgo.FetchMaxBytes(64<<20))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	return kafkaread.EachRecord(ctx, cl, topic, func(r *kgo.Record) { fn(r.Value) })
}

// ---- input -----------------------------------------------------------------

// RequestID is the request ID of generated record i.
func RequestID(i int) string { return fmt.Sprintf("%s%014d", idPrefix, i) }

var (
	soakBuckets = []struct{ name, region string }{
		{"corp-data-lake-prod", "us-east-1"}, {"analytics-exports-eu", "eu-central-1"},
		{"ml-training-sets", "us-west-2"}, {"customer-uploads", "us-east-2"}, {"backup-archive", "ap-southeast-2"},
	}
	soakOps = []struct{ op, method string }{
		{"REST.GET.OBJECT", "GET"}, {"REST.GET.OBJECT", "GET"}, {"REST.GET.OBJECT", "GET"}, {"REST.PUT.OBJECT", "PUT"},
		{"REST.HEAD.OBJECT", "HEAD"}, {"REST.DELETE.OBJECT", "DELETE"}, {"REST.GET.BUCKET", "GET"},
	}
	soakRoles  = []string{"DataPipeline", "AnalyticsReader", "ci-deployer", "EtlGlue"}
	soakAgents = []string{"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5", "Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10", "aws-cli/2.17.13 md/awscrt#0.20.11 ua/2.0", "curl/8.5.0"}
)

// Generate writes n access-log lines with request IDs RequestID(0..n-1);
// one GET in eight is presigned.
func Generate(path string, n int, seed uint64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(seed, 1))
	t := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var size int64
	var line []byte
	const hex = "0123456789abcdef"
	randStr := func(n int, alphabet string) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	for i := range n {
		t = t.Add(time.Duration(r.IntN(30)) * time.Millisecond)
		b := soakBuckets[r.IntN(len(soakBuckets))]
		bucket := fmt.Sprintf("%s-%02d", b.name, r.IntN(4)) // 20 buckets (message keys) over the partitions
		op := soakOps[r.IntN(len(soakOps))]
		key := fmt.Sprintf("raw/events/2024/%02d/part-%05d-%s.json.gz", 1+r.IntN(12), r.IntN(100000), randStr(8, hex))
		uri := "/" + key
		if op.op == "REST.GET.BUCKET" {
			key, uri = "-", "/?list-type=2&prefix=raw%2F&max-keys=1000"
		}
		auth := "AuthHeader"
		if op.op == "REST.GET.OBJECT" && r.IntN(8) == 0 {
			uri += "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA" + randStr(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") +
				"%2F20240501%2F" + b.region + "%2Fs3%2Faws4_request&X-Amz-Date=20240501T120000Z&X-Amz-Expires=3600" +
				"&X-Amz-Security-Token=" + randStr(96, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") +
				"&X-Amz-SignedHeaders=host&X-Amz-Signature=" + randStr(64, hex)
			auth = "QueryString"
		}
		status, sent := 200, strconv.Itoa(r.IntN(1<<20))
		if r.IntN(20) == 0 {
			status, sent = 403, "243"
		}
		line = fmt.Appendf(line[:0], `%s %s [%s] 10.%d.%d.%d arn:aws:sts::%012d:assumed-role/%s/session-%d %s %s %s "%s %s HTTP/1.1" %d %s %s %d %d %d "-" "%s" - %s= SigV4 ECDHE-RSA-AES128-GCM-SHA256 %s %s.s3.%s.amazonaws.com TLSv1.2 - -`+"\n",
			"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", bucket, t.Format("02/Jan/2006:15:04:05 -0700"),
			r.IntN(256), r.IntN(256), 1+r.IntN(254), 111122223333+r.Int64N(3), soakRoles[r.IntN(len(soakRoles))], r.IntN(100),
			RequestID(i), op.op, key, op.method, uri, status, map[bool]string{true: "AccessDenied", false: "-"}[status == 403], sent,
			r.IntN(1<<24), 5+r.IntN(2000), 3+r.IntN(100), soakAgents[r.IntN(len(soakAgents))],
			randStr(56, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"), auth, bucket, b.region)
		if _, err := w.Write(line); err != nil {
			f.Close()
			return 0, err
		}
		size += int64(len(line))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	return size, f.Close()
}
