// Package test drives the real plugin .so through test/host/flbhost, a C
// program that calls it exactly as Fluent Bit's Go proxy does, against an
// in-process Kafka-protocol broker (kfake), reading topics back with kcat:
// delivery, broker faults, shutdown, soak, TLS/SASL, redaction and the
// memory of a huge record end to end. It owns the host (test/host), the Kafka test helpers (kafkatest)
// and the benchmark and soak drivers (bench, soak).
package test
