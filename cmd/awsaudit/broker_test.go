package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/pipeline/kafkaread"
	"github.com/twmb/franz-go/pkg/kgo"
)

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startCommand runs a long-lived command (run or serveBroker) in a goroutine
// and returns the first line it prints on stdout, the exit code channel and
// its stderr.
func startCommand(t *testing.T, fn func(stdout, stderr io.Writer) int) (string, <-chan int, *syncBuffer) {
	t.Helper()
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		code := fn(pw, stderr)
		pw.Close()
		done <- code
	}()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		if sc.Scan() {
			lines <- sc.Text()
		} else {
			lines <- ""
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case line := <-lines:
		if line == "" {
			t.Fatalf("no address printed; stderr:\n%s", stderr)
		}
		return line, done, stderr
	case code := <-done:
		t.Fatalf("command exited with %d before printing its address; stderr:\n%s", code, stderr)
	case <-time.After(20 * time.Second):
		t.Fatal("command did not print its address")
	}
	return "", nil, nil
}

// startTestBroker runs "awsaudit broker" args until the test ends and
// returns its address.
func startTestBroker(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr, done, stderr := startCommand(t, func(stdout, stderr io.Writer) int {
		return serveBroker(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), stdout, stderr)
	})
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("broker exited with %d; stderr:\n%s", code, stderr)
			}
		case <-time.After(20 * time.Second):
			t.Error("broker did not stop")
		}
	})
	return addr
}

func produce(t *testing.T, addr, topic string, recs ...*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

func TestBrokerServesKafka(t *testing.T) {
	addr := startTestBroker(t, "--topics", "demo.a, demo.b", "--partitions", "2")
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host != "127.0.0.1" {
		t.Fatalf("address %q: want 127.0.0.1:PORT (%v)", addr, err)
	}
	produce(t, addr, "demo.a", &kgo.Record{Value: []byte("one")}, &kgo.Record{Value: []byte("two")})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	recs, err := readTopic(ctx, []string{addr}, "demo.a")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("read %d records, want 2", len(recs))
	}
	// Seeded with 2 partitions; a topic not listed is created on first use.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kafkaread.EndOffsets(ctx, cl, "demo.b")
	if err != nil || len(ends) != 2 {
		t.Fatalf("demo.b: %d partitions, %v; want 2", len(ends), err)
	}
	produce(t, addr, "not.seeded", &kgo.Record{Value: []byte("x")})
	if recs, err := readTopic(ctx, []string{addr}, "not.seeded"); err != nil || len(recs) != 1 {
		t.Fatalf("auto-created topic: %d records, %v", len(recs), err)
	}
}

func TestBrokerStopsOnSignal(t *testing.T) {
	_, done, stderr := startCommand(t, func(stdout, stderr io.Writer) int {
		return run([]string{"broker", "--listen", "localhost:0"}, nil, stdout, stderr)
	})
	// The handler is installed before the address is printed.
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("exit %d; stderr:\n%s", code, stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("broker did not stop on SIGINT")
	}
	if !strings.Contains(stderr.String(), "demos and benchmarks only") {
		t.Errorf("stderr does not say what the broker is for:\n%s", stderr)
	}
}

func TestBrokerRefusesNonLoopback(t *testing.T) {
	for _, listen := range []string{"0.0.0.0:9092", ":9092", "[::]:9092", "192.0.2.1:9092", "example.com:9092", "127.0.0.1:99999", "127.0.0.1"} {
		code, _, stderr := runCLI(t, "", "broker", "--listen", listen)
		if code != exitUsage || !strings.Contains(stderr, "--listen") {
			t.Errorf("--listen %s: exit %d, stderr %q; want a refusal", listen, code, stderr)
		}
	}
	if _, err := startBroker("0.0.0.0", 0, 1); err == nil {
		t.Error("startBroker accepted 0.0.0.0")
	}
	code, _, _ := runCLI(t, "", "broker", "--partitions", "0")
	if code != exitUsage {
		t.Errorf("--partitions 0: exit %d", code)
	}
	code, _, _ = runCLI(t, "", "broker", "extra")
	if code != exitUsage {
		t.Errorf("extra argument: exit %d", code)
	}
}

func TestBrokerHelp(t *testing.T) {
	code, stdout, _ := runCLI(t, "", "broker", "--help")
	if code != exitOK || !strings.Contains(stdout, "demos and benchmarks only") || !strings.Contains(stdout, "-listen") {
		t.Fatalf("exit %d, help:\n%s", code, stdout)
	}
}
