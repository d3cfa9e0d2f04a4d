package record

import (
	"errors"
	"fmt"
)

// ErrRejected is wrapped by every error that rejects an input, so callers
// can tell bad input (dead-letter it) from a bug.
var ErrRejected = errors.New("rejected")

// RejectError says why one input could not be normalized.
type RejectError struct {
	Source Source // what the input was taken for
	Reason string
}

func (e *RejectError) Error() string {
	if e.Source == SourceAuto {
		return e.Reason
	}
	return e.Source.String() + ": " + e.Reason
}

func (e *RejectError) Unwrap() error { return ErrRejected }

// Reject builds the RejectError of an input taken for src.
func Reject(src Source, format string, args ...any) *RejectError {
	return &RejectError{Source: src, Reason: fmt.Sprintf(format, args...)}
}

// Rejecter returns Reject for src as a plain error builder (for
// jsondom.Typed); it is built once per source, so taking it costs
// nothing per record.
func Rejecter(src Source) func(format string, args ...any) error {
	return rejecters[src]
}

var rejecters = [...]func(format string, args ...any) error{
	SourceAuto:       func(format string, args ...any) error { return Reject(SourceAuto, format, args...) },
	SourceS3Access:   func(format string, args ...any) error { return Reject(SourceS3Access, format, args...) },
	SourceCloudTrail: func(format string, args ...any) error { return Reject(SourceCloudTrail, format, args...) },
}
