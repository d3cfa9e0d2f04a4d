package normalize

import (
	"strconv"

	"github.com/awsaudit/awsaudit/normalize/jsondom"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// encodeUnified appends u as one compact JSON object in the contract's key
// order (see fields.go for how fields are written).
func (n *Normalizer) encodeUnified(b []byte, u *record.Record) []byte {
	top := len(b)
	m := n.stringMode()
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
		b = regionMode.Value(b, n.lower(u.Region))
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
	if u.Object.KeyEncoded {
		key := n.decodeKey(u.Object.Key)
		m = n.stringMode() // decoding may have spelled a secret
		keyMode := m
		if !n.decodedPlain {
			keyMode &^= redact.ModePlain // an escape spelled a byte to escape
		}
		b = keyMode.Str(b, `,"key":`, key)
	} else {
		b = m.Str(b, `,"key":`, u.Object.Key)
	}
	b = m.Str(b, `,"version_id":`, u.Object.VersionID)
	b = jsonw.IntField(b, `,"size":`, u.Object.Size)
	b = jsonw.CloseObj(b, o)

	if u.HasPrincipal {
		b = n.appendPrincipal(b, m, u)
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
		b = m.Value(b, n.lower(u.Request.Host)) // lower case keeps plain text plain
	}
	b = m.Str(b, `,"referrer":`, u.Request.Referrer)
	b = jsonw.IntField(b, `,"bytes_sent":`, u.Request.BytesSent)
	b = jsonw.IntField(b, `,"total_time_ms":`, u.Request.TotalTimeMS)
	b = jsonw.IntField(b, `,"turnaround_ms":`, u.Request.TurnaroundMS)
	b = m.Str(b, `,"signature_version":`, u.Request.SignatureVersion)
	b = m.Str(b, `,"auth_type":`, u.Request.AuthType)
	b = m.Str(b, `,"tls_version":`, u.Request.TLSVersion)
	b = m.Str(b, `,"cipher_suite":`, u.Request.CipherSuite)
	b = m.Str(b, `,"access_point_arn":`, u.Request.AccessPointARN)
	b = jsonw.BoolField(b, `,"acl_required":`, u.Request.ACLRequired)
	b = m.Str(b, `,"source_region":`, u.Request.SourceRegion)
	b = m.Str(b, `,"vpc_endpoint_id":`, u.Request.VPCEndpointID)
	b = jsonw.CloseObj(b, o)

	if u.CloudTrail != nil {
		b = n.encodeCloudTrail(b, m, u.CloudTrail)
	}

	if u.Alerts != 0 {
		b = append(b, `,"alerts":`...)
		b = u.Alerts.AppendJSON(b, "")
	}

	b = n.encodeExtra(b, m, u)

	if n.opts.IncludeRaw {
		// Escaped (the input's own quotes) and always scanned for secrets:
		// the input-wide checks cover the record's strings, not the JSON
		// text itself, where a secret key's value is a secret too.
		b = n.redactMode().Str(b, `,"raw":`, u.Raw)
	}
	b[top] = '{'
	return append(b, '}')
}

func (n *Normalizer) encodePrincipal(b []byte, m redact.Mode, p *Principal) []byte {
	b, o := jsonw.OpenObj(b, `,"principal":`)
	b = jsonw.ConstField(b, `,"type":`, p.Type)
	b = m.Str(b, `,"arn":`, p.ARN)
	b = m.Str(b, `,"partition":`, p.Partition)
	b = m.Str(b, `,"account_id":`, p.AccountID)
	b = m.Str(b, `,"principal_id":`, p.PrincipalID)
	b = m.Str(b, `,"user_name":`, p.UserName)
	b = m.Str(b, `,"role_name":`, p.RoleName)
	b = m.Str(b, `,"session_name":`, p.SessionName)
	n.roleARN = p.AppendRoleARN(n.roleARN[:0])
	b = m.Str(b, `,"role_arn":`, n.roleARN)
	b = m.Str(b, `,"access_key_id":`, p.AccessKeyID)
	b = m.Str(b, `,"canonical_id":`, p.CanonicalID)
	b = m.Str(b, `,"service":`, p.Service)
	b = jsonw.BoolField(b, `,"authenticated":`, p.Authenticated)
	b = jsonw.BoolField(b, `,"mfa_authenticated":`, p.MFAAuthenticated)
	return jsonw.CloseObj(b, o)
}

func (n *Normalizer) encodeCloudTrail(b []byte, m redact.Mode, c *record.CloudTrail) []byte {
	b, o := jsonw.OpenObj(b, `,"cloudtrail":`)
	b = m.Str(b, `,"event_id":`, c.EventID)
	b = m.Str(b, `,"event_version":`, c.EventVersion)
	b = m.Str(b, `,"event_type":`, c.EventType)
	b = m.Str(b, `,"event_category":`, c.EventCategory)
	b = jsonw.BoolField(b, `,"management_event":`, c.ManagementEvent)
	b = m.Str(b, `,"recipient_account_id":`, c.RecipientAccountID)
	b = m.Str(b, `,"shared_event_id":`, c.SharedEventID)
	b = n.jsonField(b, `,"request_parameters":`, c.RequestParameters)
	b = n.jsonField(b, `,"response_elements":`, c.ResponseElements)
	b = n.jsonField(b, `,"additional_event_data":`, c.AdditionalEventData)
	b = n.jsonField(b, `,"resources":`, c.Resources)
	b = n.jsonField(b, `,"tls_details":`, c.TLSDetails)
	b = n.jsonField(b, `,"session_credential_from_console":`, c.SessionCredentialFromConsole)
	return jsonw.CloseObj(b, o)
}

func (n *Normalizer) encodeExtra(b []byte, m redact.Mode, u *record.Record) []byte {
	b, o := jsonw.OpenObj(b, `,"extra":`)
	for i, f := range u.Extra.Fields {
		if len(f) == 0 {
			continue
		}
		b = append(b, `,"`...)
		b = strconv.AppendInt(b, int64(u.Extra.FirstField+i), 10)
		b = append(b, `":`...)
		b = m.Value(b, f)
	}
	if len(u.Extra.Members) > 0 {
		b = n.encodeMembers(b, u.Extra.Members, true)
	}
	if u.CloudTrail != nil {
		b = n.encodeMembers(b, u.CloudTrail.Extra, true)
		if len(u.CloudTrail.UserIdentityExtra) > 0 {
			b = append(b, `,"userIdentity":{`...)
			b = n.encodeMembers(b, u.CloudTrail.UserIdentityExtra, false)
			b = append(b, '}')
		}
	}
	return jsonw.CloseObj(b, o)
}

// encodeMembers writes the members of kvs, each after a comma when comma,
// else between commas. The keys are unique as read; when redaction
// changes some, a masked key written before drops the members after it.
func (n *Normalizer) encodeMembers(b []byte, kvs []record.Member, comma bool) []byte {
	m := n.stringMode()
	redact := m&redact.ModeRedact != 0
	var dups jsondom.KeyScope
	if redact {
		dups = n.seen.Scope(len(kvs))
	}
	for _, kv := range kvs {
		out := kv.Key
		if redact {
			if out = n.outputKey(kv.Key, m); dups.Repeated(out) {
				continue
			}
		}
		if comma {
			b = append(b, ',')
		}
		comma = true
		b = n.jsonKeyValue(b, kv.Key, out, kv.Value)
	}
	if redact {
		dups.Done()
	}
	return b
}
