// Command broker runs an in-memory Kafka-protocol broker (kfake) on
// 127.0.0.1 until it is interrupted or terminated. make bench-e2e runs it
// in its own process, so its CPU time is not charged to the plugin host.
//
// It prints "listening 127.0.0.1:PORT" on stdout once it accepts
// connections (and writes the address to -addr-file when given). On exit it
// prints "topic NAME records N" for every seeded topic, counted from the
// partitions' end offsets.
package main
