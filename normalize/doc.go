// Package normalize turns one S3 server access-log line or one CloudTrail
// record (or envelope of records) into the unified audit record of the
// contract (schema/unified-v1.json and the README's schema section),
// encoded as compact JSON or as an OCSF event. It does no I/O: callers
// hand it bytes and get bytes back, so the Fluent Bit plugin, the CLI and
// the tests share one implementation.
//
// This package is the façade the plugin and the CLI call: a Normalizer
// detects the source of an input, hands it to its parser, settles the
// record's region, correlation_id and alerts, encodes it and emits it (or
// the reason it was rejected). The work is done by one package per job,
// none of which imports another upward:
//
//	record      the typed record between parsing and encoding
//	accesslog   access-log lines and their CloudWatch Logs JSON twins
//	cloudtrail  CloudTrail records and their envelopes
//	enrich      operation map, Host to region, ARN to principal, correlation_id
//	detect      the detections behind "alerts"
//	unified     the unified JSON encoder and the writer every encoder uses
//	ocsf        the OCSF API Activity encoder
//	schema      the JSON Schema and its field paths
//	jsondom     the JSON parser
//	jsonw       JSON writing: escaping, UTF-8 repair, field writers
//	redact      secret masking, in every encoding a reader could decode
//	lineindex   the one-pass bitmap index of a line (AVX2 on amd64)
//
// Memory follows the biggest element, not the biggest input (see package
// cloudtrail), and a pooled Normalizer gives back what a huge input grew
// when its owner calls Trim.
package normalize
