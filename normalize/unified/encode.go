package unified

import (
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// Encoder writes records as the unified JSON of the contract
// (normalize/schema/unified-v1.json). It reuses its scratch space, so it
// is not safe for concurrent use.
type Encoder struct {
	Writer
	// IncludeRaw adds the input as "raw".
	IncludeRaw bool

	principals principalCache
}

// principalCache is the encoding of the last memoized principal (see
// record.Record.PrincipalGen), with strings in mode.
type principalCache struct {
	gen     uint64
	mode    redact.Mode
	encoded []byte
}

// appendPrincipal is encodePrincipal through the cache when u's principal
// is the requester memo's.
func (e *Encoder) appendPrincipal(b []byte, m redact.Mode, u *record.Record) []byte {
	if u.PrincipalGen == 0 {
		return e.encodePrincipal(b, m, &u.Principal)
	}
	c := &e.principals
	if c.gen != u.PrincipalGen || c.mode != m {
		c.encoded = e.encodePrincipal(c.encoded[:0], m, &u.Principal)
		c.gen, c.mode = u.PrincipalGen, m
	}
	return append(b, c.encoded...)
}

// Encode appends u as one compact JSON object in the contract's key
// order; an error rejects the record (see Writer.Err).
func (e *Encoder) Encode(b []byte, u *record.Record) ([]byte, error) {
	w := &e.Writer
	w.Begin(u)
	top := len(b)
	m := w.Mode()
	b = append(b, `,"schema_version":1`...) // its comma becomes the '{'
	b = jsonw.ConstField(b, `,"source":`, u.Source.String())
	b = m.Str(b, `,"time":`, u.Time)
	b = jsonw.ConstField(b, `,"action":`, u.Action)
	b = m.Str(b, `,"action":`, u.EventName)
	b = m.Str(b, `,"operation":`, u.Operation)
	b = m.Str(b, `,"service":`, u.Service)
	b = jsonw.BoolField(b, `,"read_only":`, u.ReadOnly)
	b = jsonw.ConstField(b, `,"outcome":`, u.Outcome)
	b = jsonw.IntField(b, `,"http_status":`, u.HTTPStatus)
	b = m.Str(b, `,"error_code":`, u.ErrorCode)
	b = m.Str(b, `,"error_message":`, u.ErrorMessage)
	if len(u.Region) > 0 {
		b = append(b, `,"region":`...)
		regionMode := m &^ redact.ModeRedact // lower case keeps plain text plain
		if u.RegionSource == "config" || u.RegionSource == "record" {
			regionMode = redact.ModeEscape // not a piece of the input
		}
		b = regionMode.Value(b, w.Lower(u.Region))
		b = jsonw.ConstField(b, `,"region_source":`, u.RegionSource)
	}
	b = m.Str(b, `,"account_id":`, u.AccountID)
	if len(u.CorrelationID) > 0 {
		b = append(b, `,"correlation_id":"`...)
		b = append(b, u.CorrelationID...) // hex: nothing to escape
		b = append(b, '"')
	}

	b, o := jsonw.OpenObj(b, `,"bucket":`)
	b = m.Str(b, `,"name":`, u.Bucket.Name)
	b = m.Str(b, `,"owner":`, u.Bucket.Owner)
	b = jsonw.CloseObj(b, o)

	b, o = jsonw.OpenObj(b, `,"object":`)
	key, keyMode := w.ObjectKey(&u.Object)
	m = w.Mode() // decoding may have spelled a secret
	b = keyMode.Str(b, `,"key":`, key)
	b = m.Str(b, `,"version_id":`, u.Object.VersionID)
	b = jsonw.IntField(b, `,"size":`, u.Object.Size)
	b = jsonw.CloseObj(b, o)

	if u.HasPrincipal {
		b = e.appendPrincipal(b, m, u)
	}

	b, o = jsonw.OpenObj(b, `,"client":`)
	b = m.Str(b, `,"ip":`, u.Client.IP)
	b = m.Str(b, `,"user_agent":`, u.Client.UserAgent)
	b = m.Str(b, `,"invoked_by":`, u.Client.InvokedBy)
	b = jsonw.CloseObj(b, o)

	b, o = jsonw.OpenObj(b, `,"request":`)
	b = m.Str(b, `,"id":`, u.Request.ID)
	b = m.Str(b, `,"host_id":`, u.Request.HostID)
	b = m.Str(b, `,"method":`, u.Request.Method)
	b = m.Str(b, `,"uri":`, u.Request.URI)
	b = m.Str(b, `,"protocol":`, u.Request.Protocol)
	if len(u.Request.Host) > 0 {
		b = append(b, `,"host":`...)
		b = m.Value(b, w.Lower(u.Request.Host)) // lower case keeps plain text plain
	}
	b = m.Str(b, `,"referrer":`, u.Request.Referrer)
	b = RequestDetails(b, m, &u.Request, true)
	b = jsonw.CloseObj(b, o)

	if u.CloudTrail != nil {
		b = e.encodeCloudTrail(b, m, u.CloudTrail)
	}

	if u.Alerts != 0 {
		b = append(b, `,"alerts":`...)
		b = u.Alerts.AppendJSON(b, "")
	}

	b = w.Extra(b, `,"extra":`, m, u)

	if e.IncludeRaw {
		// Escaped (the input's own quotes) and always scanned for secrets:
		// the input-wide checks cover the record's strings, not the JSON
		// text itself, where a secret key's value is a secret too.
		b = w.RawMode().Str(b, `,"raw":`, u.Raw)
	}
	b[top] = '{'
	return append(b, '}'), w.Err()
}

func (e *Encoder) encodePrincipal(b []byte, m redact.Mode, p *record.Principal) []byte {
	b, o := jsonw.OpenObj(b, `,"principal":`)
	b = jsonw.ConstField(b, `,"type":`, p.Type)
	b = m.Str(b, `,"arn":`, p.ARN)
	b = m.Str(b, `,"partition":`, p.Partition)
	b = m.Str(b, `,"account_id":`, p.AccountID)
	b = m.Str(b, `,"principal_id":`, p.PrincipalID)
	b = m.Str(b, `,"user_name":`, p.UserName)
	b = m.Str(b, `,"role_name":`, p.RoleName)
	b = m.Str(b, `,"session_name":`, p.SessionName)
	b = m.Str(b, `,"role_arn":`, e.Writer.RoleARN(p))
	b = m.Str(b, `,"access_key_id":`, p.AccessKeyID)
	b = m.Str(b, `,"canonical_id":`, p.CanonicalID)
	b = m.Str(b, `,"service":`, p.Service)
	b = jsonw.BoolField(b, `,"authenticated":`, p.Authenticated)
	b = jsonw.BoolField(b, `,"mfa_authenticated":`, p.MFAAuthenticated)
	return jsonw.CloseObj(b, o)
}

func (e *Encoder) encodeCloudTrail(b []byte, m redact.Mode, c *record.CloudTrail) []byte {
	w := &e.Writer
	b, o := jsonw.OpenObj(b, `,"cloudtrail":`)
	b = m.Str(b, `,"event_id":`, c.EventID)
	b = m.Str(b, `,"event_version":`, c.EventVersion)
	b = m.Str(b, `,"event_type":`, c.EventType)
	b = m.Str(b, `,"event_category":`, c.EventCategory)
	b = jsonw.BoolField(b, `,"management_event":`, c.ManagementEvent)
	b = m.Str(b, `,"recipient_account_id":`, c.RecipientAccountID)
	b = m.Str(b, `,"shared_event_id":`, c.SharedEventID)
	b = w.JSONField(b, `,"request_parameters":`, c.RequestParameters)
	b = w.JSONField(b, `,"response_elements":`, c.ResponseElements)
	b = w.JSONField(b, `,"additional_event_data":`, c.AdditionalEventData)
	b = w.JSONField(b, `,"resources":`, c.Resources)
	b = w.JSONField(b, `,"tls_details":`, c.TLSDetails)
	b = w.JSONField(b, `,"session_credential_from_console":`, c.SessionCredentialFromConsole)
	return jsonw.CloseObj(b, o)
}

// RequestDetails writes the request's fields from bytes_sent on, as the
// unified record's "request" object has them (OCSF's unmapped.request
// too), with or without the access point; strings in m.
func RequestDetails(b []byte, m redact.Mode, q *record.Request, accessPoint bool) []byte {
	b = jsonw.IntField(b, `,"bytes_sent":`, q.BytesSent)
	b = jsonw.IntField(b, `,"total_time_ms":`, q.TotalTimeMS)
	b = jsonw.IntField(b, `,"turnaround_ms":`, q.TurnaroundMS)
	b = m.Str(b, `,"signature_version":`, q.SignatureVersion)
	b = m.Str(b, `,"auth_type":`, q.AuthType)
	b = m.Str(b, `,"tls_version":`, q.TLSVersion)
	b = m.Str(b, `,"cipher_suite":`, q.CipherSuite)
	if accessPoint {
		b = m.Str(b, `,"access_point_arn":`, q.AccessPointARN)
	}
	b = jsonw.BoolField(b, `,"acl_required":`, q.ACLRequired)
	b = m.Str(b, `,"source_region":`, q.SourceRegion)
	return m.Str(b, `,"vpc_endpoint_id":`, q.VPCEndpointID)
}

// RetainedBytes is the capacity of the scratch space the Encoder keeps
// from one record to the next.
func (e *Encoder) RetainedBytes() int {
	return e.Writer.RetainedBytes() + cap(e.principals.encoded)
}
