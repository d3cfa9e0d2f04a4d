// Command soak is make soak: it runs SOAK_RECORDS generated S3 access-log
// records through the plugin .so (driven by flbhost, chunks of 1000 events,
// two workers) into an in-process kfake cluster while injecting random,
// seeded broker faults (connection drops, retriable produce errors,
// produce slower than Write_Timeout, leader moves), then checks that every
// record is in the topic at least once and prints the duplicate ratio and
// the host's peak RSS. It exits 1 when a record was lost or a chunk was
// not delivered.
package main
