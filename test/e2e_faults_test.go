//go:build e2e

package test

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A broker that refuses writes makes the flush answer FLB_RETRY; once it
// recovers, the redelivered chunk is acknowledged (FLB_OK) and every
// record is in the topic at least once.
func TestE2EBrokerRecovers(t *testing.T) {
	kcatBin(t)
	for _, tc := range []struct {
		name         string
		writeTimeout string
		fault        func(*kafkatest.Cluster) fault
	}{
		// Produce answered with a retriable error code, nothing stored.
		{"not_enough_replicas", "5s", func(c *kafkatest.Cluster) fault {
			return c.FailProduce(kafkatest.CodeNotEnoughReplicas)
		}},
		// The connection closes on every produce request, nothing stored.
		{"connection_dropped", "5s", func(c *kafkatest.Cluster) fault {
			return c.DropProduceConnections()
		}},
		// The first produce request is stored only after the flush gave
		// up waiting (Write_Timeout 1s): the acknowledgement is lost, so
		// the redelivery duplicates records; none may be missing.
		{"ack_lost", "1s", func(c *kafkatest.Cluster) fault {
			return lateAck(c, 3*time.Second)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n, perChunk = 200, 50
			var lines, ids []string
			for i := range n {
				id := fmt.Sprintf("E2ER%08d", i)
				lines = append(lines, e2eAccessLine(i, fmt.Sprintf("bucket-%d", i%5), id, "feedface"))
				ids = append(ids, id)
			}
			path := e2eLinesFile(t, lines)
			c := kafkatest.New(t, 3, "e2e.s3", "e2e.dlq")
			broker := c.Brokers()[0]
			fault := tc.fault(c)

			// The broker refuses until the host has seen a flush answer
			// FLB_RETRY: kafka-go's own retries cannot hide the outage.
			var once sync.Once
			var hitsAtRecovery int64
			r := e2eRunHost(t, func(l hostLine) {
				if l.Kind == "attempt" && l.Fields["rc"] == "2" {
					once.Do(func() {
						hitsAtRecovery = fault.Hits()
						fault.Remove()
					})
				}
			},
				"-i", "Brokers="+broker+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Write_Timeout="+tc.writeTimeout,
				"--retry-max", "10", "--retry-wait-ms", "100",
				"-l", path, "-n", fmt.Sprint(perChunk))
			fault.Remove()
			dump := fmt.Sprintf("\nstdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)

			var retries int
			var afterRetry bool
			for _, l := range r.Find("attempt") {
				switch l.Fields["rc"] {
				case "2":
					retries++
				case "1":
					if retries > 0 {
						afterRetry = true
					}
				default:
					t.Errorf("attempt %v: rc must be FLB_RETRY or FLB_OK while the broker is down", l.Fields)
				}
			}
			if retries == 0 || !afterRetry {
				t.Fatalf("want FLB_RETRY (rc=2) then FLB_OK (rc=1); got %d retries, FLB_OK after them: %v%s", retries, afterRetry, dump)
			}
			for _, l := range r.Find("flush") {
				if l.Fields["rc"] != "1" {
					t.Errorf("flush %v did not end FLB_OK", l.Fields)
				}
			}
			if ok, retry, failed := r.summary(t); ok != n/perChunk || retry+failed != 0 || r.Code != 0 {
				t.Fatalf("summary ok=%d retry=%d error=%d exit %d, want ok=%d exit 0%s", ok, retry, failed, r.Code, n/perChunk, dump)
			}

			if late, ok := fault.(*lateFault); ok {
				late.settle(t, c, "e2e.s3")
			}
			msgs := kcatConsume(t, broker, "e2e.s3")
			got := requestIDs(requireUnified(t, msgs, "s3_access", true))
			missing, _ := sameMultiset(ids, got)
			if len(missing) > 0 {
				t.Fatalf("%d records lost after the broker recovered (first %q)", len(missing), missing[:min(5, len(missing))])
			}
			dups := duplicates(got)
			var dupIDs []string
			for id := range dups {
				dupIDs = append(dupIDs, id)
			}
			sort.Strings(dupIDs)
			t.Logf("%d faulty produce requests before the first FLB_RETRY (%d in all); %d FLB_RETRY attempts; "+
				"%d messages for %d records: %d records duplicated, %d extra copies (at-least-once) %s",
				hitsAtRecovery, fault.Hits(), retries, len(msgs), n, len(dupIDs), len(msgs)-n, strings.Join(dupIDs[:min(10, len(dupIDs))], " "))
			if dlq := kcatConsume(t, broker, "e2e.dlq"); len(dlq) != 0 {
				t.Errorf("%d dead letters from a broker outage: %q", len(dlq), payloads(dlq))
			}
		})
	}
}

// fault is an injected broker failure.
type fault interface {
	Remove()
	Hits() int64
}

// lateFault delays the first produce request, then lets the broker store
// it as usual.
type lateFault struct {
	calls atomic.Int64
	woke  chan struct{} // closed when the delayed request is let through
}

func (f *lateFault) Remove()     {}
func (f *lateFault) Hits() int64 { return min(f.calls.Load(), 1) }

// settle waits until the delayed request was let through and the topic
// stopped growing, so that a late write is not missed by the check.
func (f *lateFault) settle(t *testing.T, c *kafkatest.Cluster, topic string) {
	t.Helper()
	select {
	case <-f.woke:
	case <-time.After(10 * time.Second):
		t.Fatal("the delayed produce request was never woken")
	}
	waitTopicStable(t, c, topic)
}

func lateAck(c *kafkatest.Cluster, delay time.Duration) *lateFault {
	f := &lateFault{woke: make(chan struct{})}
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		if f.calls.Add(1) == 1 {
			c.SleepControl(func() {
				time.Sleep(delay)
				close(f.woke)
			})
		} else {
			c.DropControl()
		}
		return nil, nil, false // the broker handles the request normally
	})
	return f
}

// With no broker listening, every attempt answers FLB_RETRY (never
// FLB_OK, never FLB_ERROR: the chunk must not be dropped).
func TestE2EBrokerUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now

	var lines []string
	for i := range 30 {
		lines = append(lines, e2eAccessLine(i, "nowhere", fmt.Sprintf("E2EU%06d", i), "abad1dea"))
	}
	r := e2eRunHost(t, nil,
		"-i", "Brokers="+addr+",Write_Timeout=2s",
		"--retry-max", "2", "--retry-wait-ms", "50",
		"-l", e2eLinesFile(t, lines), "-n", "10")
	dump := fmt.Sprintf("\nstdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	if inits := r.Find("init"); len(inits) != 1 || inits[0].Fields["rc"] != "1" {
		t.Fatalf("init %v: the instance should start without a reachable broker (it connects lazily)%s", inits, dump)
	}
	attempts := r.Find("attempt")
	if len(attempts) != 3*3 {
		t.Errorf("%d attempts, want 9 (3 chunks, --retry-max 2)%s", len(attempts), dump)
	}
	for _, l := range attempts {
		if l.Fields["rc"] != "2" {
			t.Errorf("attempt %v: want rc=2 (FLB_RETRY) with no broker", l.Fields)
		}
	}
	if ok, retry, failed := r.summary(t); ok != 0 || retry != 3 || failed != 0 {
		t.Errorf("summary ok=%d retry=%d error=%d, want ok=0 retry=3 error=0%s", ok, retry, failed, dump)
	}
	if r.Code != 1 {
		t.Errorf("exit status %d, want 1 (some flush did not end FLB_OK)", r.Code)
	}
}
