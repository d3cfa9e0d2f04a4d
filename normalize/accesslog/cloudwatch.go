package accesslog

import (
	"bytes"

	"github.com/awsaudit/awsaudit/normalize/enrich"
	"github.com/awsaudit/awsaudit/normalize/internal/text"
	"github.com/awsaudit/awsaudit/normalize/jsondom"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/record"
)

// S3 can deliver server access logs to CloudWatch Logs as one JSON object
// per request, with the text line's fields under snake_case names, numbers
// as numbers and null for what the text line writes as "-". It is the
// same source as the text line and gives the same record.

// IsCloudWatchObject reports whether an object that is not a CloudTrail
// record (the caller has ruled that out) has the keys only CloudWatch
// access-log objects have.
func IsCloudWatchObject(v *jsondom.Value) bool {
	if v.Type() != jsondom.Object {
		return false
	}
	if v.Get("schema_version_id") != nil || v.Get("bucket_arn") != nil {
		return true
	}
	return v.Get("bucket_name") != nil && v.Get("request_id") != nil && v.Get("operation") != nil
}

// cwField is a CloudWatch key that fills a field of the record as it
// is: a string, or a count (a non-negative whole number; a digit string
// is taken too).
type cwField struct {
	name  string
	str   func(u *record.Record) *[]byte
	count func(u *record.Record) *record.Int
}

// cwFields are the keys that fill a field as they are, by name, as AWS
// spells them ("Log format in CloudWatch Logs" of the S3 user guide:
// bytes_sent_size, total_duration, turn_around_duration, referer).
var cwFields = func() map[string]cwField {
	fields := map[string]cwField{}
	for _, f := range []cwField{
		{name: "bucket_name", str: func(u *record.Record) *[]byte { return &u.Bucket.Name }},
		{name: "bucket_owner_id", str: func(u *record.Record) *[]byte { return &u.Bucket.Owner }},
		{name: "remote_ip", str: func(u *record.Record) *[]byte { return &u.Client.IP }},
		{name: "request_id", str: func(u *record.Record) *[]byte { return &u.Request.ID }},
		{name: "operation", str: func(u *record.Record) *[]byte { return &u.Operation }},
		{name: "key_name", str: func(u *record.Record) *[]byte { return &u.Object.Key }},
		{name: "error_code", str: func(u *record.Record) *[]byte { return &u.ErrorCode }},
		{name: "referer", str: func(u *record.Record) *[]byte { return &u.Request.Referrer }},
		{name: "user_agent", str: func(u *record.Record) *[]byte { return &u.Client.UserAgent }},
		{name: "version_id", str: func(u *record.Record) *[]byte { return &u.Object.VersionID }},
		{name: "host_id", str: func(u *record.Record) *[]byte { return &u.Request.HostID }},
		{name: "signature_version", str: func(u *record.Record) *[]byte { return &u.Request.SignatureVersion }},
		{name: "cipher_suite", str: func(u *record.Record) *[]byte { return &u.Request.CipherSuite }},
		{name: "authentication_type", str: func(u *record.Record) *[]byte { return &u.Request.AuthType }},
		{name: "tls_version", str: func(u *record.Record) *[]byte { return &u.Request.TLSVersion }},
		{name: "access_point_arn", str: func(u *record.Record) *[]byte { return &u.Request.AccessPointARN }},
		{name: "http_status", count: func(u *record.Record) *record.Int { return &u.HTTPStatus }},
		{name: "bytes_sent_size", count: func(u *record.Record) *record.Int { return &u.Request.BytesSent }},
		{name: "object_size", count: func(u *record.Record) *record.Int { return &u.Object.Size }},
		{name: "total_duration", count: func(u *record.Record) *record.Int { return &u.Request.TotalTimeMS }},
		{name: "turn_around_duration", count: func(u *record.Record) *record.Int { return &u.Request.TurnaroundMS }},
	} {
		fields[f.name] = f
	}
	return fields
}()

// MapJSON fills u, which the caller has reset and given its Strings
// mode, from one CloudWatch access-log object; keys is the scratch space
// for the first-wins rule of repeated keys.
func (p *Parser) MapJSON(rec *jsondom.Value, keys *jsondom.Keys, u *record.Record) error {
	u.Source = record.SourceS3Access
	u.Service = serviceS3
	m := jsondom.Typed{Fail: record.Rejecter(record.SourceS3Access)}
	var requestTime, bucketARN, requester, uri, aclRequired []byte
	hasRequester := false
	p.members = p.members[:0]

	for key, v := range keys.Unique(rec) {
		if f, ok := cwFields[string(key)]; ok {
			if f.str != nil {
				*f.str(u) = m.Str(f.name, v)
			} else {
				*f.count(u) = m.Count(f.name, v)
			}
			continue
		}
		switch string(key) {
		case "bucket_arn":
			bucketARN = m.Str("bucket_arn", v)
			p.members = append(p.members, record.Member{Key: key, Value: v})
		case "request_time":
			requestTime = m.Str("request_time", v)
		case "requester":
			requester, hasRequester = m.Str("requester", v), true
		case "request_uri":
			uri = m.Str("request_uri", v)
		case "host_header":
			u.Request.Host = text.HostWithoutPort(m.Str("host_header", v))
		case "acl_required":
			if v.Type() == jsondom.True || v.Type() == jsondom.False {
				u.Request.ACLRequired = m.Bool("acl_required", v)
			} else {
				aclRequired = m.Str("acl_required", v)
				u.Request.ACLRequired = jsonw.BoolOf(string(aclRequired) == "Yes")
			}
		case "source_region":
			if r := m.Str("source_region", v); enrich.IsSourceRegion(r) {
				u.Request.SourceRegion = r
			} else if len(r) > 0 {
				p.members = append(p.members, record.Member{Key: key, Value: v})
			}
		default:
			if v.Type() != jsondom.Null {
				p.members = append(p.members, record.Member{Key: key, Value: v})
			}
		}
	}
	if m.Err != nil {
		return m.Err
	}
	if u.HTTPStatus.OK && (u.HTTPStatus.V < 100 || u.HTTPStatus.V > 599) {
		return record.Reject(record.SourceS3Access, "http_status: %d is not an HTTP status", u.HTTPStatus.V)
	}
	if len(u.Bucket.Name) == 0 {
		// bucket_name is derived from bucket_arn (arn:aws:s3:::NAME).
		if i := bytes.LastIndexByte(bucketARN, ':'); i >= 0 && bytes.HasPrefix(bucketARN, []byte("arn:")) {
			u.Bucket.Name = bucketARN[i+1:]
		}
	}
	if len(requestTime) > 0 {
		var ok bool
		if u.Time, ok = text.UTCTime(p.timeBuf[:0], requestTime); !ok {
			return record.Reject(record.SourceS3Access, "request_time: %q is not an RFC 3339 time", text.Truncate(requestTime, 40))
		}
	}
	if !u.Request.BytesSent.OK {
		u.Request.BytesSent = jsonw.Int{OK: true} // as in the text line: no bytes is zero
	}
	u.HasPrincipal = true
	if !hasRequester || len(requester) == 0 {
		requester = dash // null: an anonymous request
	}
	enrich.ParseRequester(requester, &u.Principal)

	// The operation table reads the text line's "-" for a missing key.
	key := u.Object.Key
	if len(key) == 0 {
		key = dash
	}
	op := enrich.LookupOperation(u.Operation, key, uri)
	if !op.Known && len(u.Operation) > 0 {
		p.UnknownOperations++
	}
	u.Action = op.Action
	if len(u.Operation) > 0 {
		u.ReadOnly = jsonw.BoolOf(op.ReadOnly)
	}
	if len(uri) > 0 {
		splitRequestLine(uri, u)
	}
	u.Outcome = outcomeOf(u.HTTPStatus, u.ErrorCode)
	if account := arnAccount(u.Request.AccessPointARN); len(account) > 0 {
		u.AccountID = account
	}
	u.Extra.Members = p.members
	return nil
}

var dash = []byte("-")
