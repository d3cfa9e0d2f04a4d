// Package test drives the real plugin .so through test/host/flbhost, a C
// program that calls it exactly as Fluent Bit's Go proxy does, against an
// in-process Kafka-protocol broker (kfake): registration, config map,
// metrics and install without a tag; with -tags e2e (make test) also the
// end-to-end tests that read topics back with kcat, an independent
// librdkafka client: delivery, broker faults, shutdown, soak, TLS/SASL,
// redaction and the memory of a huge record. It owns the host
// (test/host), the Kafka test helpers (kafkatest) and the benchmark and
// soak drivers (bench, soak).
package test
