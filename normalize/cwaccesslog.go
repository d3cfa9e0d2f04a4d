package normalize

import (
	"bytes"

	"github.com/awsaudit/awsaudit/normalize/jsonw"
)

// S3 can deliver server access logs to CloudWatch Logs as one JSON object
// per request, with the text line's fields under snake_case names, numbers
// as numbers and null for what the text line writes as "-". It is the
// same source as the text line and gives the same record.

// looksLikeCWAccessLog tells a CloudWatch access-log object from a
// CloudTrail record by keys only the former has.
func looksLikeCWAccessLog(v *jsonValue) bool {
	if v.Type() != jsonObject || looksLikeCloudTrail(v) {
		return false
	}
	if v.Get("schema_version_id") != nil || v.Get("bucket_arn") != nil {
		return true
	}
	return v.Get("bucket_name") != nil && v.Get("request_id") != nil && v.Get("operation") != nil
}

// mapCWAccessLog fills u from one CloudWatch access-log object.
func (n *Normalizer) mapCWAccessLog(rec *jsonValue, u *unified) error {
	u.source = SourceS3Access
	u.service = serviceS3
	m := ctMapper{n: n, u: u}
	var requestTime, bucketARN, requester, uri, aclRequired []byte
	hasRequester := false
	n.jsonExtra = n.jsonExtra[:0]

	for key, v := range n.uniqueMembers(rec) {
		switch string(key) {
		case "bucket_name":
			u.bucketName = m.str("bucket_name", v)
		case "bucket_arn":
			bucketARN = m.str("bucket_arn", v)
			n.jsonExtra = append(n.jsonExtra, keyValue{key, v})
		case "request_time":
			requestTime = m.str("request_time", v)
		case "bucket_owner_id":
			u.bucketOwner = m.str("bucket_owner_id", v)
		case "remote_ip":
			u.clientIP = m.str("remote_ip", v)
		case "requester":
			requester, hasRequester = m.str("requester", v), true
		case "request_id":
			u.reqID = m.str("request_id", v)
		case "operation":
			u.operation = m.str("operation", v)
		case "key_name", "key":
			u.objectKey = m.str(string(key), v)
		case "request_uri":
			uri = m.str("request_uri", v)
		case "http_status":
			u.httpStatus = m.count("http_status", v)
		case "error_code":
			u.errorCode = m.str("error_code", v)
		case "bytes_sent":
			u.reqBytesSent = m.count("bytes_sent", v)
		case "object_size":
			u.objectSize = m.count("object_size", v)
		case "total_time":
			u.reqTotalTime = m.count("total_time", v)
		case "turn_around_time", "turnaround_time":
			u.reqTurnaround = m.count(string(key), v)
		case "referer", "referrer":
			u.reqReferrer = m.str(string(key), v)
		case "user_agent":
			u.userAgent = m.str("user_agent", v)
		case "version_id":
			u.objectVersionID = m.str("version_id", v)
		case "host_id":
			u.reqHostID = m.str("host_id", v)
		case "signature_version":
			u.reqSignature = m.str("signature_version", v)
		case "cipher_suite":
			u.reqCipherSuite = m.str("cipher_suite", v)
		case "authentication_type":
			u.reqAuthType = m.str("authentication_type", v)
		case "host_header":
			u.reqHost = hostWithoutPort(m.str("host_header", v))
		case "tls_version":
			u.reqTLSVersion = m.str("tls_version", v)
		case "access_point_arn":
			u.reqAccessPointARN = m.str("access_point_arn", v)
		case "acl_required":
			if v.Type() == jsonTrue || v.Type() == jsonFalse {
				u.reqACLRequired = m.boolean("acl_required", v)
			} else {
				aclRequired = m.str("acl_required", v)
				u.reqACLRequired = BoolOf(string(aclRequired) == "Yes")
			}
		case "source_region":
			if r := m.str("source_region", v); isSourceRegion(r) {
				u.reqSourceRegion = r
			} else if len(r) > 0 {
				n.jsonExtra = append(n.jsonExtra, keyValue{key, v})
			}
		default:
			if v.Type() != jsonNull {
				n.jsonExtra = append(n.jsonExtra, keyValue{key, v})
			}
		}
	}
	if m.err != nil {
		if re, ok := m.err.(*RejectError); ok {
			re.Source = SourceS3Access // ctMapper names CloudTrail
		}
		return m.err
	}
	if u.httpStatus.OK && (u.httpStatus.V < 100 || u.httpStatus.V > 599) {
		return reject(SourceS3Access, "http_status: %d is not an HTTP status", u.httpStatus.V)
	}
	if len(u.bucketName) == 0 {
		// bucket_name is derived from bucket_arn (arn:aws:s3:::NAME).
		if i := bytes.LastIndexByte(bucketARN, ':'); i >= 0 && bytes.HasPrefix(bucketARN, []byte("arn:")) {
			u.bucketName = bucketARN[i+1:]
		}
	}
	if len(requestTime) > 0 {
		var err error
		if u.time, err = n.cloudTrailTime(requestTime, "request_time"); err != nil {
			return &RejectError{Source: SourceS3Access, Reason: err.(*RejectError).Reason}
		}
	}
	if !u.reqBytesSent.OK {
		u.reqBytesSent = jsonw.Int{OK: true} // as in the text line: no bytes is zero
	}
	u.hasPrincipal = true
	if !hasRequester || len(requester) == 0 {
		requester = dash // null: an anonymous request
	}
	ParseRequester(requester, &u.principal)

	// The operation table reads the text line's "-" for a missing key.
	key := u.objectKey
	if len(key) == 0 {
		key = dash
	}
	op := LookupOperation(u.operation, key, uri)
	if !op.Known && len(u.operation) > 0 {
		n.stats.UnknownOperations++
	}
	u.action = op.Action
	if len(u.operation) > 0 {
		u.readOnly = BoolOf(op.ReadOnly)
	}
	if len(uri) > 0 {
		splitRequestLine(uri, u)
	}
	u.outcome = outcomeOf(u.httpStatus, u.errorCode)
	if account := arnAccount(u.reqAccessPointARN); len(account) > 0 {
		u.accountID = account
	}
	u.jsonExtra = n.jsonExtra
	return nil
}

var dash = []byte("-")

// count reads a non-negative whole JSON number (a digit string is taken
// too); null and absent give no value, anything else is an error.
func (m *ctMapper) count(key string, v *jsonValue) jsonw.Int {
	if v == nil || v.Type() == jsonNull {
		return jsonw.Int{}
	}
	if v.Type() == jsonString {
		if n, err := number(v.GetStringBytes(), 0); err == nil {
			return n
		}
	} else if n := wholeNumber(v); n.OK {
		return n
	}
	if m.err == nil {
		m.err = reject(SourceS3Access, "%s: want a non-negative whole number, got %s", key, v.Type())
	}
	return jsonw.Int{}
}
