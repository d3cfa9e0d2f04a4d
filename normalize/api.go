package normalize

import (
	"fmt"
	"strings"

	"github.com/awsaudit/awsaudit/normalize/detect"
)

// SchemaVersion is the version of the unified record this package writes.
const SchemaVersion = 1

// Options control enrichment and output. Use DefaultOptions and change what
// you need: the zero value turns redaction off, which is never the default.
type Options struct {
	// DefaultRegion is the last-resort region (region_source "config").
	DefaultRegion string
	// Redact masks presigned-URL secrets and session tokens.
	Redact bool
	// IncludeRaw adds the original input as "raw" (redacted when Redact).
	IncludeRaw bool
	// KeyPath is a dotted path into the unified record ("bucket.name") whose
	// value is returned as Output.Key; empty means no key. It names a
	// unified-record field whatever the Format.
	KeyPath string
	// Rules are the detections evaluated on every record (the "alerts"
	// field and Output.Alerts); nil evaluates none. Build them once per
	// plugin instance with detect.New and share them between its Normalizers.
	Rules *detect.Rules
	// Format selects what Output.JSON holds: the unified record (the
	// default) or an OCSF API Activity event.
	Format Format
}

// Format is the layout of Output.JSON.
type Format uint8

const (
	// FormatUnified is the unified record (schema/unified-v1.json).
	FormatUnified Format = iota
	// FormatOCSF is an OCSF API Activity event (class_uid 6003) of
	// OCSFVersion.
	FormatOCSF
)

func (f Format) String() string {
	if f == FormatOCSF {
		return "ocsf"
	}
	return "unified"
}

// ParseFormat reads the spelling used in configuration: unified or ocsf.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "unified":
		return FormatUnified, nil
	case "ocsf":
		return FormatOCSF, nil
	}
	return FormatUnified, fmt.Errorf("unknown format %q (want unified or ocsf)", s)
}

// DefaultOptions returns the options a user gets without configuring any.
func DefaultOptions() Options {
	return Options{Redact: true, KeyPath: "bucket.name"}
}

// Output is one result of Normalize. Its byte slices are only valid until
// the emit callback returns: copy what must outlive it.
type Output struct {
	Source Source
	// JSON is the record in Options.Format (the unified record, or an OCSF
	// event), or nil when Err is set.
	JSON []byte
	// Alerts are the names of the detections that fired on this record, in
	// output order (empty when none did or Options.Rules is nil); the same
	// names are in the record ("alerts", or OCSF metadata.labels). The
	// slice is reused like the byte slices; the strings are constants. A
	// record with alerts also goes to the alerts topic (Topic_Alerts) when
	// one is configured.
	Alerts []string
	// Key is the value found at Options.KeyPath (nil when absent).
	Key []byte
	// Err is a *RejectError when this input (or envelope element) was rejected.
	Err error
	// Input is the text that produced this output: the line, the JSON
	// document, or the envelope element. It is NOT redacted; use
	// redact.Append before it leaves the process.
	Input []byte
}
