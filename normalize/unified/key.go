package unified

import (
	"strings"

	"github.com/awsaudit/awsaudit/normalize/jsondom"
	"github.com/awsaudit/awsaudit/normalize/record"
)

// KeyFinder finds the value at a dotted path of the unified record
// ("bucket.name"), whatever format the record is written in: from the
// record itself for the usual scalar paths, by reading its encoded
// unified JSON for any other.
type KeyFinder struct {
	path   string
	steps  []string
	parser jsondom.Parser // the encoded record, for uncommon paths
}

// NewKeyFinder returns a KeyFinder for path; "" finds nothing.
func NewKeyFinder(path string) KeyFinder {
	return KeyFinder{path: path, steps: strings.Split(path, ".")}
}

// Fast reports whether Find answers from the record without reading the
// encoded JSON (which may then be nil).
func (k *KeyFinder) Fast() bool {
	switch k.path {
	case "correlation_id", "bucket.name", "request.id", "bucket.owner", "account_id",
		"principal.arn", "client.ip", "source", "action":
		return true
	}
	return false
}

// Find returns the value at the path in u, whose unified encoding is
// encoded; a string's bytes, any other value's JSON, or nil.
func (k *KeyFinder) Find(u *record.Record, encoded []byte) []byte {
	switch k.path {
	case "correlation_id":
		return u.CorrelationID
	case "bucket.name":
		return u.Bucket.Name
	case "request.id":
		return u.Request.ID
	case "bucket.owner":
		return u.Bucket.Owner
	case "account_id":
		return u.AccountID
	case "principal.arn":
		return u.Principal.ARN
	case "client.ip":
		return u.Client.IP
	case "source":
		return []byte(u.Source.String())
	case "action":
		if u.Action == "" {
			return u.EventName
		}
		return []byte(u.Action)
	}
	v, err := k.parser.ParseBytes(encoded)
	if err != nil {
		return nil
	}
	if v = v.Get(k.steps...); v == nil {
		return nil
	}
	if v.Type() == jsondom.String {
		return v.GetStringBytes()
	}
	return v.MarshalTo(nil)
}

// RetainedBytes is the capacity of the parser's storage.
func (k *KeyFinder) RetainedBytes() int { return k.parser.RetainedBytes() }
