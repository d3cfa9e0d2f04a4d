// Package pipeline takes Fluent Bit chunks (msgpack) to Kafka: it decodes
// events, detects the source of each record, normalizes it, batches the
// results, writes them with kafka-go, routes them to per-source topics,
// dead-letters what cannot be normalized and counts what it did. A flush
// reports success only after the broker acknowledged every message of the
// chunk (at-least-once).
//
// Records: a string under a Log_Key (first match in Log_Key order) is a raw
// line for the normalizer, with the configured Source as hint; a map there
// is taken as a JSON document. A record whose keys are CloudTrail fields
// (eventVersion, eventSource, eventName, userIdentity) or a CloudTrail
// envelope (Records; detail-type with detail; messageType with logEvents)
// is transcoded to JSON in key order and normalized as CloudTrail.
// Anything else is dead-lettered.
//
// Messages: normalized records go to the source's topic with the
// Message_Key value as key and headers source and schema_version. Dead
// letters go to DLQ_Topic without key, with headers source and reason,
// and a JSON value
//
//	{"reason", "tag", "time" (event time, RFC 3339), "source"
//	 (s3_access, cloudtrail or unknown), "input" (redacted, valid UTF-8)}
//
// plus "input_encoding":"base64" for binary input (an undecodable chunk
// tail) and "input_truncated":true with "input_size" when the input was cut
// to keep the message under Batch_Bytes. With DLQ_Topic off they are
// counted as dropped and logged (rate-limited).
//
// Writing: a chunk is already a batch, so a flush sends it at once with
// kafka-go's Client.Produce (see chunkProducer): messages are placed with
// the CRC32 balancer (librdkafka's consistent_random) over cached
// partition counts, grouped per topic partition, cut into requests of at
// most Batch_Size messages and Batch_Bytes bytes, and sent concurrently;
// the flush waits for every response within Write_Timeout. There is no
// batch timer (conf refuses Batch_Timeout).
//
// Memory: a flush holds at most one piece of encoded messages: Batch_Bytes
// (1 MiB by default), at least 1 MiB and at most 8 MiB (one message bigger
// than that goes alone), whatever the chunk's size. When the next message would pass it,
// the messages queued so far are written and acknowledged first, each
// such piece within its own Write_Timeout, and their space reused. Since
// requests are cut at Batch_Bytes anyway, a piece costs no extra request
// when the chunk goes to one partition; spread over several, a flush takes
// one round of requests per piece. As a piece is written only once
// the one before was acknowledged, each partition still receives the
// chunk's messages in chunk order. A failed piece ends the flush with
// StatusRetry (or StatusError, as below) even though earlier pieces were
// delivered: Fluent Bit redelivers the whole chunk and they are written
// again (duplicates, never loss).
//
// The bound of a flush is then: the chunk itself (Fluent Bit's memory,
// not copied; a record under a log key given as a map is transcoded to
// JSON once), one piece of messages with their bookkeeping, the writer's
// requests for it, and the normalizer's parse of one envelope element (of
// the whole document up to 1 MiB; see normalize). For a 52 MB delivered
// log file that is about 27 MB of Go heap at the peak
// (BenchmarkFlushHugeRecords); through Fluent Bit v5.1.1 it peaked at
// about 242 MB RSS, against 210 MB with Fluent Bit's null output. Between
// flushes a pooled state keeps no output buffer above 16 MiB (only a
// message that large grows one so), and its normalizer
// lets go of what a bigger input grew (normalize.Normalizer.Trim).
//
// A record the broker refuses on its own (MESSAGE_TOO_LARGE,
// RECORD_LIST_TOO_LARGE, INVALID_RECORD; found by splitting the refused
// request) is replaced by a dead letter with the reason ("record too large
// for the broker: N bytes") and a truncated, redacted copy; if the DLQ
// refuses that, by a minimal dead letter (reason, sizes, the first KiB);
// if that fails too, or DLQ_Topic is off, it is dropped with a warning.
// Such a record never fails the flush: nothing would ever deliver it.
//
// Outcome of a flush: StatusOK when every message was acknowledged, or
// replaced as above (an undecodable chunk tail is a dead letter, not a
// failure); StatusRetry for any write failure that a later attempt may
// not meet (timeouts, broken connections, leader or replica trouble,
// authorization, unknown topics); StatusError only when Kafka refuses the
// requests themselves whatever they carry (invalid topic, unsupported
// compression or message format, invalid acks), where redelivery cannot
// help and dead letters would be refused alike.
//
// Files, by job:
//
//   - pipeline.go: the Pipeline (New, Flush, FlushRecords, Stats, Close),
//     the outcome of a flush and the memory of chunks answered FLB_RETRY;
//     api.go: Status, Level, Logger and Record.
//   - flush.go: the state of one flush and its pool: the arena, the one
//     form of a message (message, handed to the sender as a batch) and the
//     bound that cuts a flush into pieces.
//   - msgpack.go: the zero-copy msgpack reader (one type switch, one
//     decoder of the time extensions); transcode.go: msgpack to JSON.
//   - route.go: one record: decoded, its source detected, normalized and
//     its outputs queued as messages with their topic and headers; a
//     panic dead-letters it. The normalizer writes each record straight
//     into the arena (normalize.Normalizer.SetOutput), so a queued record
//     is never copied before the producer reads it.
//   - deadletter.go: dead letters, their reasons and reason classes.
//   - deliver.go: a piece written and acknowledged, records the broker
//     refuses replaced, what was delivered counted.
//   - producer.go: the chunk producer (a run of records with one key is
//     placed once); kafka.go: the sender interface,
//     the Kafka settings taken from conf.Config, the classes of Kafka
//     errors; dial.go: TLS and SASL when a connection opens.
//   - stats.go: counters, Stats and the log rate limiter.
//
// Tests sit in the _test.go file of the file they test; pipeline_test.go
// also holds the fixtures the others share, kafka_test.go the tests
// against an in-process broker (kfake, TLS and SASL included) and
// bench_test.go the benchmarks.
package pipeline
