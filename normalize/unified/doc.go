// Package unified writes records as the unified JSON of the contract
// (normalize/schema/unified-v1.json and the README's schema section), in
// the contract's key order, absent fields left out (Encoder). Its Writer
// is how every encoder writes a record's pieces — escaped, UTF-8
// repaired, redacted as the record's Strings mode says, JSON subtrees
// copied with the first of repeated keys and secret keys masked — and is
// shared with the OCSF encoder. KeyFinder finds the value at a dotted
// path of the unified record (Message_Key) whatever the output format.
//
// Field writers take the buffer and return it (see package jsonw). The
// principal object of an access-log line is cached under the requester
// memo's generation (record.Record.PrincipalGen): a bucket's log repeats
// a handful of requesters, and the object is a sixth of the record.
package unified
