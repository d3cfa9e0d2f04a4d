package normalize

import "strconv"

// Stats counts what a Normalizer saw that is not an error but that a user
// should hear about. Each Normalizer keeps its own (it is not safe for
// concurrent use); a caller with several adds their snapshots.
type Stats struct {
	// UnknownOperations counts access-log records whose operation is not
	// in the operation table: normalized with action absent, and a sign
	// that AWS logs an operation this version does not know.
	UnknownOperations int64
	// DigestFiles counts CloudTrail digest files skipped: they sign the
	// log files and hold no API calls, so they give no record.
	DigestFiles int64
}

// Add returns the sum of s and o.
func (s Stats) Add(o Stats) Stats {
	return Stats{
		UnknownOperations: s.UnknownOperations + o.UnknownOperations,
		DigestFiles:       s.DigestFiles + o.DigestFiles,
	}
}

// String formats the counters for a log line, as key=value pairs.
func (s Stats) String() string {
	b := append([]byte("unknown_operations="), strconv.FormatInt(s.UnknownOperations, 10)...)
	b = append(b, " digest_files="...)
	b = strconv.AppendInt(b, s.DigestFiles, 10)
	return string(b)
}
