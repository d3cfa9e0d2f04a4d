package test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/test/soak"
)

// A short soak (make soak runs 1,000,000 records): 50,000 generated access
// logs through the plugin .so and flbhost (Workers 2) while random broker
// faults are injected (connections dropped, retriable produce errors, some
// after storing, produce slower than Write_Timeout, leader moves). Every
// chunk must end FLB_OK, every record must be in the topic at least once,
// no record may have more copies than the attempts can explain, and no
// dead letter may come from a broker fault. AWSAUDIT_SOAK_SEED picks
// another fault schedule.
func TestE2ESoakShort(t *testing.T) {
	so, host := build(t)
	seed := uint64(20260502)
	if s := os.Getenv("AWSAUDIT_SOAK_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("AWSAUDIT_SOAK_SEED=%q: %v", s, err)
		}
		seed = v
	}
	cfg := soak.Config{
		SO: so, Host: host,
		Records: 100_000, PerChunk: 500, Workers: 2, Brokers: 3, Partitions: 6, Seed: seed,
		WriteTimeout: time.Second, RetryWait: 100 * time.Millisecond,
		FaultGap: [2]time.Duration{50 * time.Millisecond, 250 * time.Millisecond},
		FaultLen: [2]time.Duration{200 * time.Millisecond, 800 * time.Millisecond},
		Dir:      t.TempDir(),
		Timeout:  150 * time.Second,
		Logf:     t.Logf,
	}
	start := time.Now()
	res, err := soak.Run(context.Background(), cfg)
	if res != nil {
		t.Logf("seed %d, took %v\n%s", seed, time.Since(start).Round(time.Millisecond), res.Report())
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Check(); err != nil {
		t.Fatalf("%v\nflbhost stderr (tail):\n%s", err, res.HostStderr)
	}
	if len(res.Faults) < 2 || res.Retries == 0 {
		t.Errorf("only %d faults injected and %d FLB_RETRY answers: the soak did not exercise the fault paths", len(res.Faults), res.Retries)
	}
}
