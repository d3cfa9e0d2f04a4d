// Package record is the unified audit record between parsing and
// encoding: the typed Record every parser fills (access-log line,
// CloudWatch access-log object, CloudTrail record) and every encoder,
// detection and key lookup reads. Its fields follow the contract,
// normalize/schema/unified-v1.json, group for group.
//
// A Record does not own its bytes: its slices alias the input or the
// parser's scratch space, and are valid until the parser's next call.
// Empty means absent: the encoders write no "" and no "-". Numbers and
// booleans that may be absent are jsonw.Int and jsonw.Bool.
//
// It also holds what every stage shares about a record: its Source, the
// Alert set detections fill, and the RejectError a parser returns for
// input it cannot map.
package record
