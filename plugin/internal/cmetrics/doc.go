// Package cmetrics publishes a Go plugin's counters in the cmetrics
// context Fluent Bit gives each plugin instance, so that they appear in
// Fluent Bit's own /api/v1/metrics and /api/v2/metrics/prometheus next to
// its generic counters.
//
// The cmetrics functions are looked up in the running process (dlsym):
// the fluent-bit binary exports them, so the plugin links against none
// and an engine without them (or without a context for the instance)
// leaves Open returning an error; the plugin then reports its counters
// in the log only. cmetrics creates a metric's label set on first use
// without a lock, so every call of one Registry is serialized, and
// label sets are meant to be created at init (Set with 0).
package cmetrics
