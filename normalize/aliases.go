package normalize

import "github.com/awsaudit/awsaudit/normalize/record"

// The record's names the façade's own API uses (Normalize's hint,
// Output.Source, Output.Err).
type (
	// Source names where a record came from; see record.Source.
	Source = record.Source
	// RejectError says why one input could not be normalized.
	RejectError = record.RejectError
)

const (
	SourceAuto       = record.SourceAuto
	SourceS3Access   = record.SourceS3Access
	SourceCloudTrail = record.SourceCloudTrail
)

// ErrRejected is wrapped by every error that rejects an input.
var ErrRejected = record.ErrRejected

// ParseSource reads the spelling used in configuration and on the CLI.
func ParseSource(s string) (Source, error) { return record.ParseSource(s) }
