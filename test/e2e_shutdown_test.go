package test

// Issue 5, shutdown while a flush waits on the broker: exit must return
// within Write_Timeout (plus slack) and the flush in flight must not report
// success for records the broker never acknowledged. Fluent Bit's engine
// can call cb_exit while Go flush threads still run; flbhost does the same
// with --exit-after-ms (TestE2EShutdownThroughPlugin). The other tests do
// it one level down, on the pipeline the plugin wraps (FLBPluginExitCtx is
// Pipeline.Close, FLBPluginFlushCtx is Pipeline.Flush), where more cases
// are cheap to set up.

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/pipeline"
	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// shutdownSlack is what Close may take beyond Write_Timeout (the race
// detector and a busy 2-core machine included).
const shutdownSlack = 2 * time.Second

func shutdownChunk(n int, prefix string) []byte {
	ch := kafkatest.NewChunk()
	for i := range n {
		ch.Line(time.Now(), "log", e2eAccessLine(i, "shutdown-bucket", fmt.Sprintf("%s%06d", prefix, i), "5ca1ab1e"))
	}
	return ch.Bytes()
}

func newShutdownPipeline(t *testing.T, broker string, writeTimeout time.Duration) (*pipeline.Pipeline, *logLines) {
	t.Helper()
	cfg, err := conf.Parse(conf.FromMap(map[string]string{
		"Brokers": broker, "Topic": "e2e.s3", "DLQ_Topic": "e2e.dlq",
		"Write_Timeout": writeTimeout.String(), "Metrics_Interval": "0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	logs := &logLines{}
	p, err := pipeline.New(cfg, logs.log)
	if err != nil {
		t.Fatal(err)
	}
	return p, logs
}

// logLines is a pipeline.Logger that keeps the messages.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) log(level pipeline.Level, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("[%d] %s", level, msg))
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprint(l.lines)
}

// holdProduce makes the broker hold every produce request until release
// is closed (or the cluster closes); inFlight is closed when the first one
// arrives.
func holdProduce(c *kafkatest.Cluster) (inFlight, release chan struct{}, held *atomic.Int64) {
	inFlight, release, held = make(chan struct{}), make(chan struct{}), &atomic.Int64{}
	var once sync.Once
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		held.Add(1)
		once.Do(func() { close(inFlight) })
		c.SleepControl(func() { <-release })
		return nil, nil, false
	})
	return inFlight, release, held
}

// blackhole accepts TCP connections and never answers: a broker that hangs
// before even the metadata request is answered.
func blackhole(t *testing.T) (addr string, accepted *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = &atomic.Int64{}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String(), accepted
}

func TestE2EShutdownDuringFlush(t *testing.T) {
	const writeTimeout = 2 * time.Second
	for _, tc := range []struct {
		name    string
		flushes int // concurrent flushes in flight (Workers)
		broker  func(t *testing.T) (addr string, inFlight <-chan struct{})
	}{
		// The broker holds the produce request: the flush waits for an
		// acknowledgement that never comes.
		{"produce_held", 1, func(t *testing.T) (string, <-chan struct{}) {
			c := kafkatest.New(t, 3, "e2e.s3", "e2e.dlq")
			inFlight, release, _ := holdProduce(c)
			t.Cleanup(func() { close(release) })
			return c.Brokers()[0], inFlight
		}},
		// Two workers' flushes held at once.
		{"produce_held_two_workers", 2, func(t *testing.T) (string, <-chan struct{}) {
			c := kafkatest.New(t, 3, "e2e.s3", "e2e.dlq")
			inFlight, release, _ := holdProduce(c)
			t.Cleanup(func() { close(release) })
			return c.Brokers()[0], inFlight
		}},
		// The broker accepts connections and never answers anything.
		{"broker_silent", 1, func(t *testing.T) (string, <-chan struct{}) {
			addr, accepted := blackhole(t)
			ch := make(chan struct{})
			go func() {
				for accepted.Load() == 0 {
					time.Sleep(5 * time.Millisecond)
				}
				close(ch)
			}()
			return addr, ch
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, inFlight := tc.broker(t)
			p, logs := newShutdownPipeline(t, addr, writeTimeout)
			statuses := make(chan pipeline.Status, tc.flushes)
			start := time.Now()
			for i := range tc.flushes {
				data := shutdownChunk(50, fmt.Sprintf("SHUT%d", i))
				go func() { statuses <- p.Flush(data, "shutdown.tag") }()
			}
			select {
			case <-inFlight:
			case <-time.After(writeTimeout):
				t.Fatalf("no flush reached the broker within %v", writeTimeout)
			}
			time.Sleep(200 * time.Millisecond) // well inside Write_Timeout

			closeStart := time.Now()
			closed := make(chan error, 1)
			go func() { closed <- p.Close() }()
			select {
			case err := <-closed:
				took := time.Since(closeStart)
				t.Logf("Close returned after %v (%v after the flushes started; Write_Timeout %v): %v",
					took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), writeTimeout, err)
				if took > writeTimeout+shutdownSlack {
					t.Errorf("Close took %v, more than Write_Timeout %v + %v", took, writeTimeout, shutdownSlack)
				}
			case <-time.After(writeTimeout + shutdownSlack + 5*time.Second):
				t.Fatalf("Close still blocked %v after it was called with a flush in flight (Write_Timeout %v)",
					time.Since(closeStart).Round(time.Millisecond), writeTimeout)
			}
			for range tc.flushes {
				select {
				case st := <-statuses:
					if st == pipeline.StatusOK {
						t.Errorf("a flush the broker never acknowledged returned StatusOK (FLB_OK): its records would be lost")
					}
					if st == pipeline.StatusError {
						t.Errorf("a flush interrupted by shutdown returned StatusError (FLB_ERROR): Fluent Bit would drop the chunk")
					}
				case <-time.After(shutdownSlack):
					t.Fatalf("a flush had not returned %v after Close returned", shutdownSlack)
				}
			}
			// After Close, a flush keeps its chunk (StatusRetry) at once.
			t0 := time.Now()
			if st := p.Flush(shutdownChunk(5, "SHUTLATE"), "shutdown.tag"); st != pipeline.StatusRetry {
				t.Errorf("a flush after Close returned %v, want retry", st)
			}
			if d := time.Since(t0); d > 500*time.Millisecond {
				t.Errorf("a flush after Close took %v", d)
			}
			t.Logf("pipeline log: %s", logs)
		})
	}
}

// TestE2EShutdownThroughPlugin: the .so's exit is called while two flushes
// wait on a broker that holds every produce request; exit returns within
// Write_Timeout plus slack and no flush reports FLB_OK.
func TestE2EShutdownThroughPlugin(t *testing.T) {
	c := kafkatest.New(t, 1, "e2e.s3", "e2e.dlq")
	inFlight, release, _ := holdProduce(c)
	defer close(release)
	lines := make([]string, 40)
	for i := range lines {
		lines[i] = e2eAccessLine(i, "shutdown-bucket", fmt.Sprintf("EXIT%06d", i), "5ca1ab1e")
	}
	const writeTimeout = 2 * time.Second
	start := time.Now()
	r := runHost(t,
		"-i", "Brokers="+c.Brokers()[0]+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Metrics_Interval=0,Write_Timeout="+writeTimeout.String(),
		"-t", "e2e.shutdown", "-l", linesFile(t, lines...), "-k", "log", "-n", "10",
		"-w", "2", "--retry-max", "0", "--exit-after-ms", "500")
	select {
	case <-inFlight:
	default:
		t.Fatalf("no produce request reached the broker\n%s\n%s", r.Stdout, r.Stderr)
	}
	exits := r.Find("exit")
	if len(exits) != 1 || exits[0].Fields["rc"] != "1" {
		t.Fatalf("exit lines %v\n%s", exits, r.Stdout)
	}
	ms, err := strconv.Atoi(exits[0].Fields["ms"])
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Duration(ms) * time.Millisecond; took > writeTimeout+shutdownSlack {
		t.Errorf("exit took %v with flushes in flight, want at most Write_Timeout (%v) + %v", took, writeTimeout, shutdownSlack)
	}
	flushes := r.Find("flush")
	if len(flushes) == 0 {
		t.Fatalf("no flush returned\n%s", r.Stdout)
	}
	for _, f := range flushes {
		if f.Fields["rc"] == "1" {
			t.Errorf("flush of %s reported FLB_OK though the broker acknowledged nothing", f.Fields["chunk"])
		}
	}
	if len(flushes) >= 4 {
		t.Errorf("%d flushes ran: workers kept taking chunks after exit", len(flushes))
	}
	t.Logf("exit took %d ms; %d flushes returned %v in %v", ms, len(flushes), flushes, time.Since(start))
}
