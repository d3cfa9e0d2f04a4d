// Package accesslog reads S3 server access logs into records: the
// space-separated text line (every field AWS has added up to field 27,
// the source region; later ones kept by position), and the structured
// JSON object S3 delivers to CloudWatch Logs, which gives the same record
// as its text twin.
//
// The line is split on a one-pass bitmap index of its spaces and quotes
// (lineindex.Index): S3 does not escape quotes inside Request-URI,
// Referer or User-Agent, so quoted fields are closed by what must follow
// them, and requesters with spaces (CloudFront origin access identities)
// end where a request id and an operation follow. The same index tells
// once per line whether any field needs JSON escaping or may hold a
// secret (record.Record.Strings), so most lines are copied without a
// second look. The time and the requester's principal go through
// one-entry memos: a bucket's log repeats them from line to line.
package accesslog
