// Package kafkatest runs an in-process Kafka (kfake, which speaks the real
// wire protocol) for tests, reads topics back with franz-go, injects
// produce failures and network faults (Net: dropped, killed, hung), and
// builds Fluent Bit msgpack chunks.
package kafkatest
