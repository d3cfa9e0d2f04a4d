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
	fast   func(u *record.Record) []byte // when the record holds the path
	steps  []string
	parser jsondom.Parser // the encoded record, for uncommon paths
}

// NewKeyFinder returns a KeyFinder for path; "" finds nothing.
func NewKeyFinder(path string) KeyFinder {
	return KeyFinder{fast: fastKeys[path], steps: strings.Split(path, ".")}
}

// fastKeys are the paths Find answers from the record itself.
var fastKeys = map[string]func(u *record.Record) []byte{
	"correlation_id": func(u *record.Record) []byte { return u.CorrelationID },
	"bucket.name":    func(u *record.Record) []byte { return u.Bucket.Name },
	"request.id":     func(u *record.Record) []byte { return u.Request.ID },
	"bucket.owner":   func(u *record.Record) []byte { return u.Bucket.Owner },
	"account_id":     func(u *record.Record) []byte { return u.AccountID },
	"principal.arn":  func(u *record.Record) []byte { return u.Principal.ARN },
	"client.ip":      func(u *record.Record) []byte { return u.Client.IP },
	"source":         func(u *record.Record) []byte { return []byte(u.Source.String()) },
	"action": func(u *record.Record) []byte {
		if u.Action == "" {
			return u.EventName
		}
		return []byte(u.Action)
	},
}

// Fast reports whether Find answers from the record without reading the
// encoded JSON (which may then be nil).
func (k *KeyFinder) Fast() bool { return k.fast != nil }

// Find returns the value at the path in u, whose unified encoding is
// encoded; a string's bytes, any other value's JSON, or nil.
func (k *KeyFinder) Find(u *record.Record, encoded []byte) []byte {
	if k.fast != nil {
		return k.fast(u)
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
