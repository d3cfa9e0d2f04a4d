package record

import (
	"fmt"
	"strings"
)

// Source names where a record came from. The zero value means "detect".
type Source uint8

const (
	SourceAuto Source = iota
	SourceS3Access
	SourceCloudTrail
)

func (s Source) String() string {
	switch s {
	case SourceS3Access:
		return "s3_access"
	case SourceCloudTrail:
		return "cloudtrail"
	default:
		return "auto"
	}
}

// ParseSource reads the spelling used in configuration and on the CLI.
func ParseSource(s string) (Source, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return SourceAuto, nil
	case "s3_access", "s3", "s3access":
		return SourceS3Access, nil
	case "cloudtrail":
		return SourceCloudTrail, nil
	}
	return SourceAuto, fmt.Errorf("unknown source %q (want auto, s3_access or cloudtrail)", s)
}
