package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/awsaudit/awsaudit/test/soak"
)

func main() {
	var cfg soak.Config
	flag.StringVar(&cfg.SO, "so", "build/out_awsaudit.so", "the plugin")
	flag.StringVar(&cfg.Host, "host", "build/flbhost", "the C host (test/host)")
	flag.IntVar(&cfg.Records, "records", 1_000_000, "generated records")
	flag.IntVar(&cfg.PerChunk, "chunk", 1000, "events per chunk")
	flag.IntVar(&cfg.Workers, "workers", 2, "flbhost -w (Fluent Bit's Workers)")
	flag.IntVar(&cfg.Brokers, "brokers", 3, "kfake brokers")
	flag.IntVar(&cfg.Partitions, "partitions", 6, "partitions of the record topic")
	flag.Uint64Var(&cfg.Seed, "seed", 20260501, "seed of the input and the faults")
	flag.DurationVar(&cfg.WriteTimeout, "write-timeout", 2*time.Second, "the plugin's Write_Timeout")
	flag.DurationVar(&cfg.RetryWait, "retry-wait", 200*time.Millisecond, "flbhost's wait before re-flushing a chunk")
	gapMin := flag.Duration("fault-gap-min", 500*time.Millisecond, "shortest time between faults")
	gapMax := flag.Duration("fault-gap-max", 2*time.Second, "longest time between faults")
	lenMin := flag.Duration("fault-min", 300*time.Millisecond, "shortest fault")
	lenMax := flag.Duration("fault-max", 2*time.Second, "longest fault")
	flag.BoolVar(&cfg.NoFaults, "no-faults", false, "inject no faults (a baseline)")
	flag.StringVar(&cfg.LogLevel, "log-level", "", "the plugin instance's Log_Level (debug logs every failed produce request)")
	flag.StringVar(&cfg.Dir, "dir", "", "keep the input and flbhost's stderr in this directory (default: a temporary one, removed)")
	flag.DurationVar(&cfg.Timeout, "timeout", 30*time.Minute, "give up after this long")
	flag.Parse()
	cfg.FaultGap = [2]time.Duration{*gapMin, *gapMax}
	cfg.FaultLen = [2]time.Duration{*lenMin, *lenMax}
	start := time.Now()
	cfg.Logf = func(format string, args ...any) {
		fmt.Printf("[%7.2fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	for _, p := range []string{cfg.SO, cfg.Host} {
		if _, err := os.Stat(p); err != nil {
			fmt.Fprintf(os.Stderr, "soak: %v (make soak builds it)\n", err)
			os.Exit(2)
		}
	}
	res, err := soak.Run(context.Background(), cfg)
	if res != nil {
		fmt.Printf("\nsoak: seed %d, %d records, chunks of %d, %d workers, %d brokers, Write_Timeout %v, took %v\n",
			cfg.Seed, cfg.Records, cfg.PerChunk, cfg.Workers, cfg.Brokers, cfg.WriteTimeout, time.Since(start).Round(time.Second))
		fmt.Print(res.Report())
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "soak: %v\n", err)
		os.Exit(1)
	}
	if err := res.Check(); err != nil {
		fmt.Fprintf(os.Stderr, "soak: FAILED: %v\nflbhost stderr (tail):\n%s\n", err, res.HostStderr)
		os.Exit(1)
	}
	fmt.Println("soak: PASS: every record delivered at least once")
}
