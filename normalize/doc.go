// Package normalize turns one S3 server access-log line or one CloudTrail
// record (or envelope of records) into the unified audit record described in
// schema/unified-v1.json (and the README), encoded as compact JSON.
//
// It owns the access-log parser, the CloudTrail mapper, the operation map,
// region and identity derivation, redaction of presigned-URL secrets, the JSON
// encoder and the published JSON Schema (schema/unified-v1.json), the
// correlation_id that joins the two sources (correlation.go), the detections
// behind the "alerts" field (rules.go, detect.go) and the OCSF API Activity
// encoder (ocsf.go, Options.Format). It does no
// I/O: callers hand it bytes and get bytes back, so the Fluent Bit plugin, the
// CLI and the tests share one implementation.
//
// The hot paths are built for speed, each with a plain reference the tests
// compare it with: a one-pass bitmap index of each line or document
// (lineindex.go, AVX2 on amd64), a JSON parser of its own for CloudTrail
// (jsondom.go), field writers that keep the output buffer in registers
// (fields.go), one-entry memos for values that repeat from line to line
// (memo.go). correlation_id uses crypto/sha256 (a copied SHA-NI block
// function saved under 1% of the plugin's CPU inside Fluent Bit, less
// than it was worth). The only assembly is the line index
// (lineindex_amd64.s); building with -tags purego, or
// for another architecture, uses portable Go instead.
//
// Memory follows the biggest element, not the biggest input: a CloudTrail
// document over 1 MiB is parsed twice, first to check it while dropping
// each envelope element ({"Records":[...]}, logEvents) once parsed, then
// element by element as each is normalized (cloudtrail.go), so a delivered
// log file of tens of MB needs the memory of one record. A pooled
// Normalizer gives back what a huge input grew when its owner calls Trim.
package normalize
