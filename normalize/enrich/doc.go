// Package enrich owns the tables and derivations that turn logged values
// into the record's meaning: the operation map (access-log operation to
// CloudTrail action and read-only, as data), the Host header to region
// (every S3 endpoint form), the requester ARN to a principal with role
// and session name, the region precedence (Regions.Settle) and the
// correlation_id that joins an access-log record to its CloudTrail twin.
//
// The host's region and the requester's principal go through one-entry
// memos (Regions, Requesters): every line of a bucket's log carries its
// Host header and most carry one of a handful of requesters, so the
// derivation runs on a change only; BenchmarkAccessLogVaried in normalize
// measures the lines where they miss.
package enrich
