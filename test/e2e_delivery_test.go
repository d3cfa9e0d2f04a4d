//go:build e2e

package test

// Issue 5, delivery under broker faults: the plugin .so through flbhost
// against kfake, one fault per test, injected while the host runs. Each
// test checks that the host saw FLB_RETRY while delivery was impossible,
// that every flush ended FLB_OK once the broker recovered, that every input
// record (identity: request.id) is in the topic at least once, and bounds
// the duplicates by the attempts the host made (checkDelivery).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// producerAttempts bounds how often the plugin's producer sends one produce
// request within one flush (pipeline's requestAttempts): a request the
// broker stored but answered with an error, or whose connection broke
// after the broker stored it, can be stored again by each of them.
const producerAttempts = 3

// faultInput returns n access-log lines with request IDs prefix00000000...
func faultInput(n int, prefix string) (lines, ids []string) {
	for i := range n {
		id := fmt.Sprintf("%s%08d", prefix, i)
		lines = append(lines, e2eAccessLine(i, fmt.Sprintf("bucket-%d", i%5), id, "feedface"))
		ids = append(ids, id)
	}
	return lines, ids
}

// requireRecovered checks the host's side of a fault: no attempt answered
// anything but FLB_OK or FLB_RETRY, at least one answered FLB_RETRY, every
// flush ended FLB_OK, the summary counts chunks flushes, exit status 0.
// It returns the number of FLB_RETRY attempts.
func (r *hostRun) requireRecovered(t *testing.T, chunks int) int {
	t.Helper()
	dump := fmt.Sprintf("\nstdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	retries := 0
	for _, l := range r.Find("attempt") {
		switch l.Fields["rc"] {
		case "2":
			retries++
		case "1":
		default:
			t.Errorf("attempt %v: rc must be FLB_RETRY or FLB_OK under a broker fault (FLB_ERROR drops the chunk)", l.Fields)
		}
	}
	if retries == 0 {
		t.Errorf("no attempt answered FLB_RETRY (rc=2): the fault was hidden or never hit%s", dump)
	}
	for _, l := range r.Find("flush") {
		if l.Fields["rc"] != "1" {
			t.Errorf("flush %v did not end FLB_OK after the broker recovered", l.Fields)
		}
	}
	if ok, retry, failed := r.summary(t); ok != chunks || retry+failed != 0 || r.Code != 0 {
		t.Errorf("summary ok=%d retry=%d error=%d exit %d, want ok=%d retry=0 error=0 exit 0", ok, retry, failed, r.Code, chunks)
	}
	if t.Failed() {
		t.FailNow()
	}
	return retries
}

// deliveryStats is what checkDelivery found.
type deliveryStats struct {
	records    int     // distinct input records
	messages   int     // messages in the topic
	duplicated int     // records stored more than once
	extra      int     // messages - records
	ratio      float64 // extra / records
	maxCopies  int
}

func (s deliveryStats) String() string {
	return fmt.Sprintf("%d messages for %d records: %d records duplicated, %d extra copies (duplicate ratio %.4f, at most %d copies of one record)",
		s.messages, s.records, s.duplicated, s.extra, s.ratio, s.maxCopies)
}

// checkDelivery checks that every id is in got (the request IDs read back)
// at least once and nothing else is, and bounds the copies of each record:
// exactly one when exact (the fault never let the broker store a request
// it did not acknowledge), otherwise at most producerAttempts per attempt
// the host made at the record's chunk (ids[i] is in chunk lines.log#i/per).
// inFlight names chunks that exact does not cover: a chunk being flushed
// when the fault began may have had partitions acknowledged before it, and
// its retry rewrites those.
func checkDelivery(t *testing.T, r *hostRun, ids []string, perChunk int, got []string, exact bool, inFlight ...string) deliveryStats {
	t.Helper()
	missing, _ := sameMultiset(ids, got)
	if len(missing) > 0 {
		t.Fatalf("%d of %d records lost (first %q)", len(missing), len(ids), missing[:min(5, len(missing))])
	}
	attempts := map[string]int{}
	for _, l := range r.Find("attempt") {
		attempts[l.Fields["chunk"]]++
	}
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
	}
	copies := map[string]int{}
	for _, g := range got {
		if _, ok := index[g]; !ok {
			t.Errorf("record %q in the topic is not an input record", g)
		}
		copies[g]++
	}
	s := deliveryStats{records: len(ids), messages: len(got), extra: len(got) - len(ids)}
	var over []string
	for id, n := range copies {
		s.maxCopies = max(s.maxCopies, n)
		if n > 1 {
			s.duplicated++
		}
		chunk := fmt.Sprintf("lines.log#%d", index[id]/perChunk)
		bound := producerAttempts * attempts[chunk]
		if exact && !slices.Contains(inFlight, chunk) {
			bound = 1
		}
		if n > bound {
			over = append(over, fmt.Sprintf("%s×%d (%s: %d attempts)", id, n, chunk, attempts[chunk]))
		}
	}
	s.ratio = float64(s.extra) / float64(len(ids))
	if len(over) > 0 {
		sort.Strings(over)
		if exact {
			t.Errorf("%d records duplicated although the broker never stored an unacknowledged request: %s", len(over), strings.Join(over[:min(10, len(over))], " "))
		} else {
			t.Errorf("%d records have more copies than %d per attempt of their chunk: %s", len(over), producerAttempts, strings.Join(over[:min(10, len(over))], " "))
		}
	}
	return s
}

// readIDs reads topic back with kcat and returns the request IDs of its
// unified records.
func readIDs(t *testing.T, broker, topic string, extraArgs ...string) []string {
	t.Helper()
	msgs := kcatConsumeWith(t, broker, topic, extraArgs...)
	return requestIDs(requireUnified(t, msgs, "s3_access", true))
}

// requireNoDeadLetters fails when a broker fault produced dead letters.
func requireNoDeadLetters(t *testing.T, broker, topic string, extraArgs ...string) {
	t.Helper()
	if dlq := kcatConsumeWith(t, broker, topic, extraArgs...); len(dlq) != 0 {
		t.Errorf("%d dead letters from a broker fault: %q", len(dlq), payloads(dlq)[:min(3, len(dlq))])
	}
}

// kcatConsumeWith is kcatConsume with extra kcat arguments (-X for TLS
// and SASL).
func kcatConsumeWith(t *testing.T, broker, topic string, extraArgs ...string) []kcatMsg {
	t.Helper()
	if len(extraArgs) == 0 {
		return kcatConsume(t, broker, topic)
	}
	bin := kcatBin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"-b", broker, "-C", "-t", topic, "-o", "beginning", "-e", "-J", "-q"}, extraArgs...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat -C -t %s %q: %v (ctx: %v)\nstderr:\n%s", topic, extraArgs, err, ctx.Err(), stderr.String())
	}
	var msgs []kcatMsg
	for _, line := range bytes.Split(stdout.Bytes(), []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var m kcatMsg
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("kcat -J line %q: %v", line, err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

// freePort returns a port nothing listens on (it just did, briefly).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// (a) The broker is not there when the host starts: the first chunk is
// answered FLB_RETRY until the broker comes up on the port the plugin was
// given, a few seconds later; then everything is delivered exactly once
// (nothing could be stored before the broker existed). The host retries
// like Retry_Limit no_limits, which the examples set: with Fluent Bit's
// default of one retry the first chunks would be dropped.
func TestE2EBrokerStartsLate(t *testing.T) {
	kcatBin(t)
	const n, perChunk = 200, 50
	lines, ids := faultInput(n, "E2ELATE")
	port := freePort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	var c *kafkatest.Cluster
	var firstRetry, started time.Time
	retriesBefore := 0
	r := e2eRunHost(t, func(l hostLine) {
		if c != nil || l.Kind != "attempt" || l.Fields["rc"] != "2" {
			return
		}
		retriesBefore++
		if firstRetry.IsZero() {
			firstRetry = time.Now()
		}
		if time.Since(firstRetry) >= 2*time.Second {
			c = kafkatest.NewWith(t, kfake.Ports(port), kfake.SeedTopics(3, "e2e.s3", "e2e.dlq"))
			started = time.Now()
		}
	},
		"-i", "Brokers="+addr+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Write_Timeout=2s",
		"--retry-max", "no_limits", "--retry-wait-ms", "100",
		"-l", e2eLinesFile(t, lines), "-n", strconv.Itoa(perChunk))
	if c == nil {
		t.Fatalf("the broker was never started: the host saw no FLB_RETRY for 2s\nstdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	}
	upFor := time.Since(started) // the host's remaining run: reconnecting and the rest
	retries := r.requireRecovered(t, n/perChunk)
	s := checkDelivery(t, r, ids, perChunk, readIDs(t, addr, "e2e.s3"), true)
	requireNoDeadLetters(t, addr, "e2e.dlq")
	t.Logf("%d FLB_RETRY attempts before the broker started (%d in all); the host finished %v after the broker started; %s",
		retriesBefore, retries, upFor.Round(time.Millisecond), s)
}

// (b) Mid-stream, after a few chunks, the network to the broker fails
// until the host has answered FLB_RETRY a few times and some time has
// passed, then recovers; the cluster keeps what it stored. Two workers
// flush at once, so requests are in flight when the fault starts: the
// broker may have stored some of them, which the redelivery duplicates.
// The host retries like Retry_Limit no_limits.
//
//   - connections_dropped: every connection (metadata and produce alike)
//     is closed and new ones are accepted and closed at once.
//   - killed: the listening socket and every connection close, so
//     connects are refused; then the broker listens on the same port.
//   - hung, as under SIGSTOP: connections stay open and new ones are
//     accepted, but nothing is answered for three times Write_Timeout;
//     then the broker handles what it received meanwhile.
func TestE2EBrokerNetworkFaults(t *testing.T) {
	kcatBin(t)
	for _, tc := range []struct {
		name         string
		afterOK      int           // FLB_OK flushes before the fault
		retries      int           // FLB_RETRY attempts during it, at least
		lasts        time.Duration // and at least this long
		writeTimeout string
		start        func(*kafkatest.Net)
		end          func(*kafkatest.Net) error
	}{
		{"connections_dropped", 3, 3, 0, "2s", (*kafkatest.Net).Down,
			func(n *kafkatest.Net) error { n.Up(); return nil }},
		{"killed", 3, 3, 2 * time.Second, "2s", (*kafkatest.Net).Kill, (*kafkatest.Net).Restart},
		{"hung", 2, 2, 3 * time.Second, "1s", (*kafkatest.Net).Hang,
			func(n *kafkatest.Net) error { n.Resume(); return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n, perChunk = 600, 50
			lines, ids := faultInput(n, "E2ENET")
			fn := kafkatest.NewNet()
			c := kafkatest.NewWith(t, kfake.Ports(0), kfake.ListenFn(fn.Listen), kfake.SeedTopics(3, "e2e.s3", "e2e.dlq"))
			t.Cleanup(fn.Resume) // before the cluster closes: nothing stays hung
			broker := c.Brokers()[0]

			var oks, during int
			var began time.Time
			var ended bool
			var endErr error
			r := e2eRunHost(t, func(l hostLine) {
				switch {
				case l.Kind == "flush" && l.Fields["rc"] == "1" && began.IsZero():
					if oks++; oks == tc.afterOK {
						tc.start(fn)
						began = time.Now()
					}
				case l.Kind == "attempt" && l.Fields["rc"] == "2" && !began.IsZero() && !ended:
					if during++; during >= tc.retries && time.Since(began) >= tc.lasts {
						ended = true
						endErr = tc.end(fn)
					}
				}
			},
				"-i", "Brokers="+broker+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Write_Timeout="+tc.writeTimeout,
				"-w", "2", "--retry-max", "no_limits", "--retry-wait-ms", "100",
				"-l", e2eLinesFile(t, lines), "-n", strconv.Itoa(perChunk))
			if endErr != nil {
				t.Fatal(endErr)
			}
			if began.IsZero() || !ended {
				t.Fatalf("the fault did not run as planned (began %v, ended %v)\nstdout:\n%s\nstderr:\n%s", !began.IsZero(), ended, r.Stdout, r.Stderr)
			}
			total := r.requireRecovered(t, n/perChunk)
			waitTopicStable(t, c, "e2e.s3")
			s := checkDelivery(t, r, ids, perChunk, readIDs(t, broker, "e2e.s3"), false)
			requireNoDeadLetters(t, broker, "e2e.dlq")
			t.Logf("%s after %d chunks: %d connections closed or refused; %d FLB_RETRY attempts during the fault (%d in all); %s",
				tc.name, tc.afterOK, fn.Drops(), during, total, s)
		})
	}
}

// waitTopicStable waits until topic stopped growing, so that a write the
// broker makes late is not missed by the check.
func waitTopicStable(t *testing.T, c *kafkatest.Cluster, topic string) {
	t.Helper()
	last := -1
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		n := len(c.Consume(t, topic))
		if n == last {
			return
		}
		last = n
	}
	t.Fatalf("%s kept growing for 10s", topic)
}

// (c) Retriable produce errors for a while, mid-stream, beyond the ones
// TestE2EBrokerRecovers injects from the start: errors Kafka answers after
// storing the records (REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND:
// the retry must duplicate, never lose), an error on one partition only
// (the chunk's other partitions succeed, so the retry duplicates those),
// and UNKNOWN_TOPIC_OR_PARTITION (stale metadata: the producer refreshes).
func TestE2ERetriableProduceErrors(t *testing.T) {
	kcatBin(t)
	for _, tc := range []struct {
		name       string
		err        *kerr.Error
		partitions []int32
		stores     bool // the broker stores the records it answers with the error
	}{
		{"request_timed_out_after_append", kerr.RequestTimedOut, nil, true},
		{"not_enough_replicas_after_append", kerr.NotEnoughReplicasAfterAppend, nil, true},
		{"not_enough_replicas_one_partition", kerr.NotEnoughReplicas, []int32{1}, false},
		{"unknown_topic_or_partition", kerr.UnknownTopicOrPartition, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n, perChunk = 300, 50
			lines, ids := faultInput(n, "E2ERPE")
			c := kafkatest.New(t, 3, "e2e.s3", "e2e.dlq")
			broker := c.Brokers()[0]

			var h *kfake.FaultHandle
			var oks, retries int
			var removed bool
			r := e2eRunHost(t, func(l hostLine) {
				switch {
				case l.Kind == "flush" && l.Fields["rc"] == "1" && h == nil:
					if oks++; oks == 2 {
						h = c.Fault(kfake.Fault{
							Keys: []kmsg.Key{kmsg.Produce}, Topic: "e2e.s3", Partitions: tc.partitions,
							Err: tc.err, Count: -1,
						})
					}
				case l.Kind == "attempt" && l.Fields["rc"] == "2" && h != nil && !removed:
					if retries++; retries == 2 {
						removed = true
						h.Remove()
					}
				}
			},
				"-i", "Brokers="+broker+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Write_Timeout=3s",
				"--retry-max", "10", "--retry-wait-ms", "100",
				"-l", e2eLinesFile(t, lines), "-n", strconv.Itoa(perChunk))
			if h != nil {
				h.Remove()
			}
			if h == nil || !removed {
				t.Fatalf("the fault did not run as planned (installed %v, removed %v)\nstdout:\n%s\nstderr:\n%s", h != nil, removed, r.Stdout, r.Stderr)
			}
			total := r.requireRecovered(t, n/perChunk)
			// The fault is installed when the host reports the second chunk
			// flushed; the third (lines.log#2) may already be on its way.
			s := checkDelivery(t, r, ids, perChunk, readIDs(t, broker, "e2e.s3"), !tc.stores && tc.partitions == nil, "lines.log#2")
			if tc.stores && s.extra == 0 {
				t.Errorf("no duplicates although the broker stored %d faulted requests: did the retry resend them?", h.Hits())
			}
			requireNoDeadLetters(t, broker, "e2e.dlq")
			t.Logf("%s on %v: %d produce requests faulted; %d FLB_RETRY attempts; %s", tc.err.Message, tc.partitions, h.Hits(), total, s)
		})
	}
}

// slowProduce makes produce requests wait d before the broker handles them
// (normally: they are stored) while on; it tracks the requests asleep.
type slowProduce struct {
	on     atomic.Bool
	slept  atomic.Int64
	asleep atomic.Int64
}

func newSlowProduce(c *kafkatest.Cluster, d time.Duration) *slowProduce {
	s := &slowProduce{}
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		if s.on.Load() {
			s.slept.Add(1)
			s.asleep.Add(1)
			c.SleepControl(func() {
				time.Sleep(d)
				s.asleep.Add(-1)
			})
		}
		return nil, nil, false // handled by the broker as usual (after the sleep)
	})
	return s
}

// settle waits until no request sleeps and topic stopped growing, so a late
// write is not missed by the check.
func (s *slowProduce) settle(t *testing.T, c *kafkatest.Cluster, topic string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for s.asleep.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d slowed produce requests still asleep after 15s", s.asleep.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitTopicStable(t, c, topic)
}

// (d) Mid-stream the broker answers produce requests later than
// Write_Timeout (it stores them, but only after the flush gave up): the
// flushes answer FLB_RETRY, and once the broker is fast again FLB_OK. The
// late-stored requests are duplicated by the redelivery.
func TestE2ESlowBroker(t *testing.T) {
	kcatBin(t)
	const n, perChunk = 300, 50
	lines, ids := faultInput(n, "E2ESLOW")
	c := kafkatest.New(t, 3, "e2e.s3", "e2e.dlq")
	broker := c.Brokers()[0]
	slow := newSlowProduce(c, 1500*time.Millisecond)

	var oks, retries int
	var slowed, fast bool
	r := e2eRunHost(t, func(l hostLine) {
		switch {
		case l.Kind == "flush" && l.Fields["rc"] == "1" && !slowed:
			if oks++; oks == 2 {
				slowed = true
				slow.on.Store(true)
			}
		case l.Kind == "attempt" && l.Fields["rc"] == "2" && slowed && !fast:
			if retries++; retries == 2 {
				fast = true
				slow.on.Store(false)
			}
		}
	},
		"-i", "Brokers="+broker+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Write_Timeout=1s",
		"--retry-max", "10", "--retry-wait-ms", "100",
		"-l", e2eLinesFile(t, lines), "-n", strconv.Itoa(perChunk))
	slow.on.Store(false)
	if !slowed || !fast {
		t.Fatalf("the slow phase did not run as planned (slowed %v, fast again %v)\nstdout:\n%s\nstderr:\n%s", slowed, fast, r.Stdout, r.Stderr)
	}
	total := r.requireRecovered(t, n/perChunk)
	slow.settle(t, c, "e2e.s3")
	s := checkDelivery(t, r, ids, perChunk, readIDs(t, broker, "e2e.s3"), false)
	requireNoDeadLetters(t, broker, "e2e.dlq")
	t.Logf("%d produce requests slowed past Write_Timeout 1s; %d FLB_RETRY attempts; %s", slow.slept.Load(), total, s)
}

// (e) Partition leadership moves between the brokers of a three-broker
// cluster three times mid-stream. The producer's cached routing sends the
// next requests to the old leader, which answers NOT_LEADER_FOR_PARTITION;
// the producer must find the new leader (a retry or FLB_RETRY is fine),
// every flush must end FLB_OK and no record may be lost.
func TestE2ELeaderChange(t *testing.T) {
	kcatBin(t)
	const n, perChunk, parts = 600, 50, 6
	lines, ids := faultInput(n, "E2ELEAD")
	c := kafkatest.NewWith(t, kfake.NumBrokers(3), kfake.SeedTopics(parts, "e2e.s3", "e2e.dlq"))
	brokers := c.Brokers()

	// Observe produce requests: one that reaches a broker which is not the
	// partition's leader (as this test last set it) is answered
	// NOT_LEADER_FOR_PARTITION by kfake.
	var mu sync.Mutex
	leaders := map[int32]int32{}
	for p := range int32(parts) {
		leaders[p] = c.LeaderFor("e2e.s3", p)
	}
	var misdirected, produces atomic.Int64
	c.ControlKey(int16(kmsg.Produce), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		node := c.CurrentNode()
		produces.Add(1)
		mu.Lock()
		defer mu.Unlock()
		for _, tp := range kreq.(*kmsg.ProduceRequest).Topics {
			if tp.Topic != "e2e.s3" {
				continue
			}
			for _, pp := range tp.Partitions {
				if leaders[pp.Partition] != node {
					misdirected.Add(1)
				}
			}
		}
		return nil, nil, false
	})
	move := func() {
		for p := range int32(parts) {
			mu.Lock()
			to := (leaders[p] + 1) % 3
			mu.Unlock()
			if err := c.MoveTopicPartition("e2e.s3", p, to); err != nil {
				t.Errorf("moving e2e.s3[%d] to node %d: %v", p, to, err)
				return
			}
			mu.Lock()
			leaders[p] = to
			mu.Unlock()
		}
	}

	var oks, moves int
	r := e2eRunHost(t, func(l hostLine) {
		if l.Kind == "flush" && l.Fields["rc"] == "1" {
			if oks++; oks%3 == 0 && moves < 3 {
				moves++
				move()
			}
		}
	},
		"-i", "Brokers="+strings.Join(brokers, ",")+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Write_Timeout=3s",
		"--retry-max", "10", "--retry-wait-ms", "100",
		"-l", e2eLinesFile(t, lines), "-n", strconv.Itoa(perChunk))
	if moves != 3 {
		t.Fatalf("leadership moved %d times, want 3\nstdout:\n%s\nstderr:\n%s", moves, r.Stdout, r.Stderr)
	}
	retries := 0
	for _, l := range r.Find("attempt") {
		if l.Fields["rc"] == "2" {
			retries++
		} else if l.Fields["rc"] != "1" {
			t.Errorf("attempt %v: want FLB_OK or FLB_RETRY across a leader change", l.Fields)
		}
	}
	for _, l := range r.Find("flush") {
		if l.Fields["rc"] != "1" {
			t.Errorf("flush %v did not end FLB_OK after the leader change", l.Fields)
		}
	}
	if ok, retry, failed := r.summary(t); ok != n/perChunk || retry+failed != 0 || r.Code != 0 {
		t.Fatalf("summary ok=%d retry=%d error=%d exit %d, want ok=%d\nstdout:\n%s\nstderr:\n%s", ok, retry, failed, r.Code, n/perChunk, r.Stdout, r.Stderr)
	}
	if misdirected.Load() == 0 {
		t.Errorf("no produce request reached a former leader: the test did not exercise NOT_LEADER_FOR_PARTITION")
	}
	s := checkDelivery(t, r, ids, perChunk, readIDs(t, brokers[0], "e2e.s3"), false)
	requireNoDeadLetters(t, brokers[0], "e2e.dlq")
	t.Logf("3 leadership moves of %d partitions; %d produce requests, %d partition writes sent to a former leader (NOT_LEADER); %d FLB_RETRY attempts; %s",
		parts, produces.Load(), misdirected.Load(), retries, s)
}
