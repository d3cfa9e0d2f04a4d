package normalize

import "github.com/awsaudit/awsaudit/normalize/record"

// The record's types under the names callers of the façade know.
type (
	// Source names where a record came from; see record.Source.
	Source = record.Source
	// RejectError says why one input could not be normalized.
	RejectError = record.RejectError
	// Principal is who made a request; see record.Principal.
	Principal = record.Principal
	// Bool is a JSON boolean that can also be absent.
	Bool = record.Bool
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
