// Package conf owns the configuration of the awsaudit output (Config,
// Parse, Keys) and of the awsaudit_s3 input (S3Input, ParseS3Input,
// S3InputKeys): the structs, their defaults, parsing of Fluent Bit
// properties (case-insensitive keys) and validation that reports every
// problem at once. A Config holds typed settings (normalize.Source and
// normalize.Format, Codec, Acks, Mechanism, durations), parsed here once
// and used as they are; printed, each reads as its property is spelled.
// Example Fluent Bit configurations live in conf/examples; KEYS.md and
// KEYS_S3_INPUT.md document every property and are generated from Keys
// and S3InputKeys (a test fails when they drift).
// The detection rules file (Rules_File) is YAML, loaded by LoadRules over
// the built-in rules; rules.example.yaml spells out every default.
//
// Durations accept Go syntax ("250ms", "10s", "1m30s") or, as Fluent Bit's
// own intervals do, a bare number of seconds ("5", "0.5"). Booleans accept
// on/off, true/false, yes/no and 1/0 in any case.
//
// The Kafka TLS properties are named Kafka.TLS, Kafka.TLS.CA_File, ... rather
// than TLS, TLS.CA_File: Fluent Bit's core consumes tls and tls.* on every
// output before a Go plugin can read them, and "tls on" on a plugin that did
// not register TLS support makes Fluent Bit refuse to start.
//
// The SASL password never appears in String, GoString, any fmt verb, slog
// output, JSON or Parse errors.
package conf
