// Command e2e is make bench-e2e: it measures what normalizing S3 access
// logs costs inside Fluent Bit (the plugin .so driven by flbhost, writing to
// Kafka) against the standalone CLI (awsaudit normalize to /dev/null).
//
// It generates realistic access-log lines, starts the kfake broker
// (test/bench/broker) as a separate process, so the broker's CPU is not
// charged to the host, runs flbhost over the file, then the CLI, and prints
// CPU (user+sys, from the child's rusage) and wall time for both.
package main
