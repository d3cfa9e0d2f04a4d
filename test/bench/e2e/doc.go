// Command e2e is make bench-e2e: it measures what normalizing S3 access
// logs costs inside Fluent Bit (the plugin .so driven by flbhost, writing to
// Kafka) against the standalone CLI (awsaudit normalize to /dev/null).
//
// It generates realistic access-log lines, starts the kfake broker
// (test/bench/broker) as a separate process, so the broker's CPU is not
// charged to the host, runs flbhost over the file, then the CLI, and prints
// CPU (user+sys, from the child's rusage) and wall time for both.
//
// With -input (make bench-s3-input) it compares instead, over the same
// file, the output alone (flbhost loading the lines) with the file as S3
// objects announced on SQS, read by the awsaudit_s3 input and flushed by
// the output in one flbhost (--input); the AWS fakes of test/awsfake run
// in this driver, so their CPU is not charged to the host either.
package main
