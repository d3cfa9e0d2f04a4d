// Package pipeline takes Fluent Bit chunks (msgpack) to Kafka: it decodes
// events, detects the source of each record, normalizes it, batches the
// results, writes them with kafka-go, routes them to per-source topics,
// dead-letters what cannot be normalized and counts what it did. A flush
// reports success only after the broker acknowledged every message of the
// chunk (at-least-once).
package pipeline
