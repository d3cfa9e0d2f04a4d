package kafkatest

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func newNetCluster(t *testing.T) (*Net, *Cluster) {
	t.Helper()
	n := NewNet()
	c := NewWith(t, kfake.Ports(0), kfake.ListenFn(n.Listen), kfake.SeedTopics(1, "t"))
	t.Cleanup(n.Resume) // before the cluster closes: no goroutine stays hung
	return n, c
}

// producer is a client that tries once and gives up on a request
// unanswered for a second: no client retries hide the network, and an
// in-flight request fails (its context alone would not end it).
func producer(t *testing.T, c *Cluster) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers()...), kgo.RecordRetries(0),
		kgo.RequestRetries(0), kgo.RecordDeliveryTimeout(time.Second),
		kgo.ProduceRequestTimeout(500*time.Millisecond), kgo.RequestTimeoutOverhead(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// produceWithin sends one record and waits at most d for the answer.
func produceWithin(cl *kgo.Client, value string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return cl.ProduceSync(ctx, &kgo.Record{Topic: "t", Value: []byte(value)}).FirstErr()
}

// readsEOF reports whether a fresh connection to addr is closed by the
// other side before any request.
func readsEOF(t *testing.T, addr string) bool {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(time.Second))
	_, err = conn.Read(make([]byte, 1))
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

func TestNetKillRestart(t *testing.T) {
	n, c := newNetCluster(t)
	addr := c.Brokers()[0]
	if err := produceWithin(producer(t, c), "before", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	n.Kill()
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Fatal("a connect to a killed broker succeeded")
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("connect to a killed broker: %v, want connection refused", err)
	}
	if err := n.Restart(); err != nil {
		t.Fatal(err)
	}
	if c.Brokers()[0] != addr {
		t.Fatalf("address changed across a restart: %s, was %s", c.Brokers()[0], addr)
	}
	if err := produceWithin(producer(t, c), "after", 5*time.Second); err != nil {
		t.Fatalf("produce after Restart: %v", err)
	}
	if got := Values(c.Consume(t, "t")); len(got) != 2 || got[0] != "before" || got[1] != "after" {
		t.Fatalf("topic holds %q, want [before after]", got)
	}
	if n.Drops() == 0 {
		t.Error("Kill closed no connection")
	}
}

// echoNet starts an echo server behind a Net (any protocol shows a hang
// the same way; a Kafka client would hide it behind its own timeouts).
func echoNet(t *testing.T) (n *Net, addr string) {
	t.Helper()
	n = NewNet()
	l, err := n.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Resume(); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return n, l.Addr().String()
}

// echo writes msg on conn and returns the next n bytes that come back
// within d.
func echo(t *testing.T, conn net.Conn, msg string, n int, d time.Duration) (string, error) {
	t.Helper()
	if _, err := conn.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, n)
	k, err := io.ReadFull(conn, buf)
	return string(buf[:k]), err
}

func TestNetHangResume(t *testing.T) {
	n, addr := echoNet(t)
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got, err := echo(t, conn, "before", 6, time.Second); got != "before" || err != nil {
		t.Fatalf("echo before the hang: %q, %v", got, err)
	}
	n.Hang()
	if got, err := echo(t, conn, "hung", 4, 300*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a hung server answered %q (%v)", got, err)
	}
	// New connections are accepted (by the kernel, as for a stopped
	// process) and stay open.
	if readsEOF(t, addr) {
		t.Fatal("a hung server closed a new connection")
	}
	n.Resume()
	// What was sent during the hang is answered after Resume.
	if got, err := echo(t, conn, "after", 9, time.Second); got != "hungafter" || err != nil {
		t.Fatalf("echo after Resume: %q, %v", got, err)
	}
}

func TestNetDownUp(t *testing.T) {
	n, c := newNetCluster(t)
	addr := c.Brokers()[0]
	n.Down()
	if !readsEOF(t, addr) {
		t.Fatal("a broker that is down kept a new connection open")
	}
	n.Up()
	if err := produceWithin(producer(t, c), "up", 5*time.Second); err != nil {
		t.Fatalf("produce after Up: %v", err)
	}
	if n.Drops() == 0 {
		t.Error("no connection was refused while down")
	}
}
