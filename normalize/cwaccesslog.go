package normalize

import (
	"bytes"

	"github.com/awsaudit/awsaudit/normalize/enrich"
	"github.com/awsaudit/awsaudit/normalize/jsondom"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/record"
)

// S3 can deliver server access logs to CloudWatch Logs as one JSON object
// per request, with the text line's fields under snake_case names, numbers
// as numbers and null for what the text line writes as "-". It is the
// same source as the text line and gives the same record.

// looksLikeCWAccessLog tells a CloudWatch access-log object from a
// CloudTrail record by keys only the former has.
func looksLikeCWAccessLog(v *jsondom.Value) bool {
	if v.Type() != jsondom.Object || looksLikeCloudTrail(v) {
		return false
	}
	if v.Get("schema_version_id") != nil || v.Get("bucket_arn") != nil {
		return true
	}
	return v.Get("bucket_name") != nil && v.Get("request_id") != nil && v.Get("operation") != nil
}

// mapCWAccessLog fills u from one CloudWatch access-log object.
func (n *Normalizer) mapCWAccessLog(rec *jsondom.Value, u *record.Record) error {
	u.Source = SourceS3Access
	u.Service = serviceS3
	m := ctMapper{n: n, u: u}
	var requestTime, bucketARN, requester, uri, aclRequired []byte
	hasRequester := false
	n.jsonExtra = n.jsonExtra[:0]

	for key, v := range n.seen.Unique(rec) {
		switch string(key) {
		case "bucket_name":
			u.Bucket.Name = m.str("bucket_name", v)
		case "bucket_arn":
			bucketARN = m.str("bucket_arn", v)
			n.jsonExtra = append(n.jsonExtra, record.Member{Key: key, Value: v})
		case "request_time":
			requestTime = m.str("request_time", v)
		case "bucket_owner_id":
			u.Bucket.Owner = m.str("bucket_owner_id", v)
		case "remote_ip":
			u.Client.IP = m.str("remote_ip", v)
		case "requester":
			requester, hasRequester = m.str("requester", v), true
		case "request_id":
			u.Request.ID = m.str("request_id", v)
		case "operation":
			u.Operation = m.str("operation", v)
		case "key_name", "key":
			u.Object.Key = m.str(string(key), v)
		case "request_uri":
			uri = m.str("request_uri", v)
		case "http_status":
			u.HTTPStatus = m.count("http_status", v)
		case "error_code":
			u.ErrorCode = m.str("error_code", v)
		case "bytes_sent":
			u.Request.BytesSent = m.count("bytes_sent", v)
		case "object_size":
			u.Object.Size = m.count("object_size", v)
		case "total_time":
			u.Request.TotalTimeMS = m.count("total_time", v)
		case "turn_around_time", "turnaround_time":
			u.Request.TurnaroundMS = m.count(string(key), v)
		case "referer", "referrer":
			u.Request.Referrer = m.str(string(key), v)
		case "user_agent":
			u.Client.UserAgent = m.str("user_agent", v)
		case "version_id":
			u.Object.VersionID = m.str("version_id", v)
		case "host_id":
			u.Request.HostID = m.str("host_id", v)
		case "signature_version":
			u.Request.SignatureVersion = m.str("signature_version", v)
		case "cipher_suite":
			u.Request.CipherSuite = m.str("cipher_suite", v)
		case "authentication_type":
			u.Request.AuthType = m.str("authentication_type", v)
		case "host_header":
			u.Request.Host = hostWithoutPort(m.str("host_header", v))
		case "tls_version":
			u.Request.TLSVersion = m.str("tls_version", v)
		case "access_point_arn":
			u.Request.AccessPointARN = m.str("access_point_arn", v)
		case "acl_required":
			if v.Type() == jsondom.True || v.Type() == jsondom.False {
				u.Request.ACLRequired = m.boolean("acl_required", v)
			} else {
				aclRequired = m.str("acl_required", v)
				u.Request.ACLRequired = jsonw.BoolOf(string(aclRequired) == "Yes")
			}
		case "source_region":
			if r := m.str("source_region", v); enrich.IsSourceRegion(r) {
				u.Request.SourceRegion = r
			} else if len(r) > 0 {
				n.jsonExtra = append(n.jsonExtra, record.Member{Key: key, Value: v})
			}
		default:
			if v.Type() != jsondom.Null {
				n.jsonExtra = append(n.jsonExtra, record.Member{Key: key, Value: v})
			}
		}
	}
	if m.err != nil {
		if re, ok := m.err.(*RejectError); ok {
			re.Source = SourceS3Access // ctMapper names CloudTrail
		}
		return m.err
	}
	if u.HTTPStatus.OK && (u.HTTPStatus.V < 100 || u.HTTPStatus.V > 599) {
		return record.Reject(SourceS3Access, "http_status: %d is not an HTTP status", u.HTTPStatus.V)
	}
	if len(u.Bucket.Name) == 0 {
		// bucket_name is derived from bucket_arn (arn:aws:s3:::NAME).
		if i := bytes.LastIndexByte(bucketARN, ':'); i >= 0 && bytes.HasPrefix(bucketARN, []byte("arn:")) {
			u.Bucket.Name = bucketARN[i+1:]
		}
	}
	if len(requestTime) > 0 {
		var err error
		if u.Time, err = n.cloudTrailTime(requestTime, "request_time"); err != nil {
			return &RejectError{Source: SourceS3Access, Reason: err.(*RejectError).Reason}
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
		n.stats.UnknownOperations++
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
	u.Extra.Members = n.jsonExtra
	return nil
}

var dash = []byte("-")

// count reads a non-negative whole JSON number (a digit string is taken
// too); null and absent give no value, anything else is an error.
func (m *ctMapper) count(key string, v *jsondom.Value) jsonw.Int {
	if v == nil || v.Type() == jsondom.Null {
		return jsonw.Int{}
	}
	if v.Type() == jsondom.String {
		if n, err := number(v.GetStringBytes(), 0); err == nil {
			return n
		}
	} else if n := wholeNumber(v); n.OK {
		return n
	}
	if m.err == nil {
		m.err = record.Reject(SourceS3Access, "%s: want a non-negative whole number, got %s", key, v.Type())
	}
	return jsonw.Int{}
}
