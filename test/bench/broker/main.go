package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 0, "port to listen on (0: any free port)")
	topics := flag.String("topics", "aws.audit.normalized,aws.audit.dlq", "comma-separated topics to create")
	partitions := flag.Int("partitions", 3, "partitions per topic")
	addrFile := flag.String("addr-file", "", "write the listening address to this file")
	flag.Parse()

	var names []string
	for _, t := range strings.Split(*topics, ",") {
		if t = strings.TrimSpace(t); t != "" {
			names = append(names, t)
		}
	}
	opts := []kfake.Opt{kfake.Ports(*port)}
	if len(names) > 0 {
		opts = append(opts, kfake.SeedTopics(int32(*partitions), names...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "broker: %v\n", err)
		os.Exit(1)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	if *addrFile != "" {
		tmp := *addrFile + ".tmp"
		err := os.WriteFile(tmp, []byte(addr+"\n"), 0o644)
		if err == nil {
			err = os.Rename(tmp, *addrFile)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "broker: %v\n", err)
			os.Exit(1)
		}
	}
	fmt.Printf("listening %s\n", addr)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	for _, t := range names {
		n, err := records(addr, t)
		if err != nil {
			fmt.Fprintf(os.Stderr, "broker: counting %s: %v\n", t, err)
			continue
		}
		fmt.Printf("topic %s records %d\n", t, n)
	}
}

// records sums the end offsets of topic's partitions.
func records(addr, topic string) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := kafkatest.EndOffsets(ctx, []string{addr}, topic)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, end := range ends {
		n += end
	}
	return n, nil
}
