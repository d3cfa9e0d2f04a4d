// Package detect owns the detections behind the record's "alerts" field:
// their configuration (Config, what Rules_File loads; DefaultConfig, what
// a user gets without one), its validation and compilation into Rules
// (shared by every Detector of a plugin instance, and safe for that), and
// their evaluation on a record (Detector.Detect), which reads only the
// record and allocates nothing except when access_denied_rate meets a new
// principal or IP. The rate form keeps a bounded sliding window per
// principal and IP in event time (ratewindow.go).
package detect
