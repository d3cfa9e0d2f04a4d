// Package soak drives the plugin .so through flbhost (test/host) over many
// generated S3 access-log records while it injects random broker faults
// into an in-process kfake cluster, then checks that every record reached
// the topic at least once and reports the duplicate ratio and the host's
// memory. make soak runs it over 1,000,000 records (cmd/soak); the test
// package runs a short version in make test.
//
// Faults (seeded, so a run can be repeated; each is logged with its start
// time and length): every connection of the cluster dropped and new ones
// refused; produce requests answered with a retriable error (some after
// storing the records, some on a few partitions only); produce requests
// answered later than Write_Timeout; partition leadership moved to another
// broker.
package soak
