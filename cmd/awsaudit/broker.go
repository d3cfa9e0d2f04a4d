package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

const brokerUsage = `Usage: awsaudit broker [--listen 127.0.0.1:9092] [--topics a,b,c] [--partitions N]

Runs an in-process, in-memory Kafka-protocol broker (franz-go's kfake) until
SIGINT or SIGTERM. It is for demos and benchmarks only: it keeps everything
in memory, loses it all on exit, has no security and is not Kafka. It only
listens on a loopback address (127.0.0.1, ::1 or localhost; port 0 picks a
free port).

The listening address (host:port) is printed as the first line of stdout,
so scripts can read it; other messages go to stderr. Topics in --topics
are created at start; other topics are created when a client first asks
for them.

Flags:
`

// demoTopics are the topics the demo and "awsaudit broker" create: the
// per-source topics, the DLQ and the default record topic.
var demoTopics = []string{
	"aws.audit.s3_access",
	"aws.audit.cloudtrail",
	"aws.audit.dlq",
	"aws.audit.normalized",
}

func runBroker(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveBroker(ctx, args, stdout, stderr)
}

// serveBroker is runBroker until ctx is done (tests cancel it).
func serveBroker(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("broker", brokerUsage, stderr)
	listen := fs.String("listen", "127.0.0.1:9092", "loopback `host:port` to listen on (port 0: any free port)")
	topics := fs.String("topics", strings.Join(demoTopics, ","), "comma-separated `topics` to create at start")
	partitions := fs.Int("partitions", 1, "partitions of every created topic")
	if code, done := parseFlags(fs, args, stdout); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "awsaudit broker: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *partitions < 1 || *partitions > 1000 {
		fmt.Fprintln(stderr, "awsaudit broker: --partitions must be between 1 and 1000")
		return exitUsage
	}
	host, port, err := loopbackAddr(*listen)
	if err != nil {
		fmt.Fprintf(stderr, "awsaudit broker: --listen: %v\n", err)
		return exitUsage
	}
	var names []string
	for _, t := range strings.Split(*topics, ",") {
		if t = strings.TrimSpace(t); t != "" {
			names = append(names, t)
		}
	}
	c, err := startBroker(host, port, int32(*partitions), names...)
	if err != nil {
		fmt.Fprintf(stderr, "awsaudit broker: %v\n", err)
		return exitUsage
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	fmt.Fprintln(stdout, addr)
	fmt.Fprintf(stderr, "awsaudit broker: in-memory Kafka (kfake, for demos and benchmarks only) listening on %s; topics: %s; stop with Ctrl-C\n",
		addr, strings.Join(names, ", "))
	<-ctx.Done()
	fmt.Fprintln(stderr, "awsaudit broker: stopped")
	return exitOK
}

// startBroker starts a one-broker kfake cluster listening on host:port,
// which must be a loopback address, with the given topics created and
// auto-creation of others allowed.
func startBroker(host string, port int, partitions int32, topics ...string) (*kfake.Cluster, error) {
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("refusing to listen on %q: not a loopback address", host)
	}
	opts := []kfake.Opt{
		kfake.Ports(port),
		// kfake always asks for 127.0.0.1; honor another loopback IP.
		kfake.ListenFn(func(network, address string) (net.Listener, error) {
			_, p, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			return net.Listen(network, net.JoinHostPort(host, p))
		}),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(int(partitions)),
	}
	if len(topics) > 0 {
		opts = append(opts, kfake.SeedTopics(partitions, topics...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("starting the broker: %w", err)
	}
	return c, nil
}

// loopbackAddr splits host:port and insists on a loopback host; "localhost"
// means 127.0.0.1.
func loopbackAddr(s string) (string, int, error) {
	host, ps, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", ps)
	}
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", 0, fmt.Errorf("%q is not a loopback address (this broker is for demos and benchmarks: use 127.0.0.1)", host)
	}
	return ip.String(), port, nil
}
