package cloudtrail

import (
	"bytes"

	"github.com/awsaudit/awsaudit/normalize/enrich"
	"github.com/awsaudit/awsaudit/normalize/internal/text"
	"github.com/awsaudit/awsaudit/normalize/jsondom"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/record"
)

// firstValues sets out[i] to the value of obj's first member named keys[i],
// or nil: one pass over the members where a Get per key would make one
// (two when the key is missing).
func firstValues(obj *jsondom.Value, keys []string, out []*jsondom.Value) {
	clear(out)
	for _, m := range obj.Members() {
		for i, key := range keys {
			if out[i] == nil && string(m.Key) == key {
				out[i] = m.V
				break
			}
		}
	}
}

// mapCloudTrail fills u from one CloudTrail record (normalizeRecord has
// seen eventVersion or eventName in it).
func (c *Mapper) mapCloudTrail(rec *jsondom.Value, u *record.Record) error {
	c.ct.Reset()
	ct := &c.ct
	u.CloudTrail = ct
	m := jsondom.Typed{Fail: record.Rejecter(record.SourceCloudTrail)}
	var eventTime, fallbackTime []byte
	var userIdentity, additional *jsondom.Value
	var requestParams, responseElems *jsondom.Value
	var errorCode, errorMessage []byte
	readOnly := record.BoolUnset

	for key, v := range c.seen.Unique(rec) {
		switch string(key) {
		case "eventVersion":
			ct.EventVersion = m.Str("eventVersion", v)
		case "userIdentity":
			userIdentity = v
		case "eventTime":
			eventTime = m.Str("eventTime", v)
		case "eventSource":
			u.Service = m.Str("eventSource", v)
		case "eventName":
			u.Operation = m.Str("eventName", v)
		case "awsRegion":
			u.Region = m.Str("awsRegion", v)
			ct.AWSRegion = v
		case "sourceIPAddress":
			u.Client.IP = m.Str("sourceIPAddress", v)
		case "userAgent":
			u.Client.UserAgent = m.Str("userAgent", v)
		case "errorCode":
			errorCode = m.Str("errorCode", v)
		case "errorMessage":
			errorMessage = m.Str("errorMessage", v)
		case "requestParameters":
			requestParams = v
			ct.RequestParameters = jsondom.Copied(v)
		case "responseElements":
			responseElems = v
			ct.ResponseElements = jsondom.Copied(v)
		case "additionalEventData":
			additional = v
			ct.AdditionalEventData = jsondom.Copied(v)
		case "requestID":
			u.Request.ID = m.Str("requestID", v)
		case "eventID":
			ct.EventID = m.Str("eventID", v)
		case "readOnly":
			readOnly = m.Bool("readOnly", v)
		case "resources":
			ct.Resources = m.Of("resources", v, jsondom.Array)
		case "eventType":
			ct.EventType = m.Str("eventType", v)
		case "managementEvent":
			ct.ManagementEvent = m.Bool("managementEvent", v)
		case "recipientAccountId":
			ct.RecipientAccountID = m.Str("recipientAccountId", v)
		case "sharedEventID":
			ct.SharedEventID = m.Str("sharedEventID", v)
		case "vpcEndpointId":
			u.Request.VPCEndpointID = m.Str("vpcEndpointId", v)
		case "eventCategory":
			ct.EventCategory = m.Str("eventCategory", v)
		case "tlsDetails":
			ct.TLSDetails = m.Of("tlsDetails", v, jsondom.Object)
		case "sessionCredentialFromConsole":
			// CloudTrail writes it as the string "true"; a boolean is kept too.
			if v.Type() == jsondom.True || v.Type() == jsondom.False {
				ct.SessionCredentialFromConsole = v
			} else {
				ct.SessionCredentialFromConsole = m.Of("sessionCredentialFromConsole", v, jsondom.String)
			}
		case "@timestamp":
			// Logstash's receive time: used only when eventTime is missing,
			// and kept in extra like every key this version does not map.
			if v.Type() == jsondom.String {
				fallbackTime = v.GetStringBytes()
			}
			ct.Extra = append(ct.Extra, record.Member{Key: key, Value: v})
		default:
			ct.Extra = append(ct.Extra, record.Member{Key: key, Value: v})
		}
	}
	if m.Err != nil {
		return m.Err
	}

	var err error
	switch {
	case len(eventTime) > 0:
		if u.Time, err = c.cloudTrailTime(eventTime, "eventTime"); err != nil {
			return err
		}
	case len(fallbackTime) > 0:
		if u.Time, err = c.cloudTrailTime(fallbackTime, "@timestamp"); err != nil {
			return err
		}
	}

	u.EventName = u.Operation
	u.ErrorCode, u.ErrorMessage = errorCode, errorMessage
	u.Outcome = "success"
	if len(errorCode) > 0 || len(errorMessage) > 0 {
		u.Outcome = "failure"
	}
	u.ReadOnly = readOnly
	if readOnly == record.BoolUnset && len(u.Operation) > 0 {
		u.ReadOnly = jsonw.BoolOf(enrich.ActionReadOnly(u.Operation))
	}
	u.AccountID = ct.RecipientAccountID
	if string(ct.EventCategory) == "Insight" {
		// An Insights event reports an unusual rate of some API call; it is
		// not a call, so it has no outcome, and its operation stays in
		// extra.insightDetails where a detection cannot take it for one.
		u.Outcome = ""
		if details := rec.Get("insightDetails"); len(u.Service) == 0 && details != nil && details.Type() == jsondom.Object {
			u.Service = m.Str("insightDetails.eventSource", details.Get("eventSource"))
		}
	}

	// A sourceIPAddress that is a service name means an AWS service called
	// on the caller's behalf: that belongs in invoked_by, not ip.
	if len(u.Client.IP) > 0 && !looksLikeIP(u.Client.IP) {
		u.Client.InvokedBy = u.Client.IP
		u.Client.IP = nil
	}

	if requestParams != nil && requestParams.Type() == jsondom.Object {
		var v [4]*jsondom.Value
		firstValues(requestParams, []string{"bucketName", "key", "versionId", "Host"}, v[:])
		u.Bucket.Name = m.Str("requestParameters.bucketName", v[0])
		u.Object.Key = m.Str("requestParameters.key", v[1])
		u.Object.VersionID = m.Str("requestParameters.versionId", v[2])
		u.Request.Host = text.HostWithoutPort(m.Str("requestParameters.Host", v[3]))
	}
	if len(u.Object.VersionID) == 0 && responseElems != nil && responseElems.Type() == jsondom.Object {
		u.Object.VersionID = m.Str("responseElements.x-amz-version-id", responseElems.Get("x-amz-version-id"))
	}
	if additional != nil && additional.Type() == jsondom.Object {
		var v [5]*jsondom.Value
		firstValues(additional, []string{"x-amz-id-2", "SignatureVersion", "AuthenticationMethod", "CipherSuite", "bytesTransferredOut"}, v[:])
		u.Request.HostID = m.Str("additionalEventData.x-amz-id-2", v[0])
		u.Request.SignatureVersion = m.Str("additionalEventData.SignatureVersion", v[1])
		u.Request.AuthType = m.Str("additionalEventData.AuthenticationMethod", v[2])
		u.Request.CipherSuite = m.Str("additionalEventData.CipherSuite", v[3])
		u.Request.BytesSent = jsondom.WholeNumber(v[4])
	}
	if ct.TLSDetails != nil && ct.TLSDetails.Type() == jsondom.Object {
		var v [2]*jsondom.Value
		firstValues(ct.TLSDetails, []string{"tlsVersion", "cipherSuite"}, v[:])
		u.Request.TLSVersion = m.Str("tlsDetails.tlsVersion", v[0])
		if len(u.Request.CipherSuite) == 0 {
			u.Request.CipherSuite = m.Str("tlsDetails.cipherSuite", v[1])
		}
	}
	if ct.Resources != nil && ct.Resources.Type() == jsondom.Array {
		for _, r := range ct.Resources.GetArray() {
			if string(r.GetStringBytes("type")) == "AWS::S3::AccessPoint" {
				u.Request.AccessPointARN = r.GetStringBytes("ARN")
			}
		}
	}
	if userIdentity != nil && userIdentity.Type() == jsondom.Object {
		c.mapUserIdentity(&m, userIdentity, u)
	} else if userIdentity != nil && userIdentity.Type() != jsondom.Null {
		return record.Reject(record.SourceCloudTrail, "userIdentity: want an object, got %s", userIdentity.Type())
	}
	return m.Err
}

// principalTypes maps CloudTrail userIdentity.type onto the contract's set.
var principalTypes = map[string]string{
	"Root": record.PrincipalRoot, "IAMUser": record.PrincipalIAMUser, "AssumedRole": record.PrincipalAssumedRole,
	"Role": record.PrincipalAssumedRole, "FederatedUser": record.PrincipalFederatedUser, "AWSAccount": record.PrincipalAWSAccount,
	"AWSService": record.PrincipalAWSService, "IdentityCenterUser": record.PrincipalIdentityCenterUser,
	"WebIdentityUser": record.PrincipalWebIdentityUser, "SAMLUser": record.PrincipalSAMLUser, "Unknown": record.PrincipalUnknown,
}

func (c *Mapper) mapUserIdentity(m *jsondom.Typed, ui *jsondom.Value, u *record.Record) {
	p := &u.Principal
	u.HasPrincipal = true
	var typ, arn []byte
	for key, v := range c.seen.Unique(ui) {
		switch string(key) {
		case "type":
			typ = m.Str("userIdentity.type", v)
		case "principalId":
			p.PrincipalID = m.Str("userIdentity.principalId", v)
		case "arn":
			arn = m.Str("userIdentity.arn", v)
		case "accountId":
			p.AccountID = m.Str("userIdentity.accountId", v)
		case "accessKeyId":
			p.AccessKeyID = m.Str("userIdentity.accessKeyId", v)
		case "userName":
			p.UserName = m.Str("userIdentity.userName", v)
		case "invokedBy":
			u.Client.InvokedBy = m.Str("userIdentity.invokedBy", v)
		default:
			// sessionContext, identityProvider, onBehalfOf...: partly mapped
			// below, kept whole in extra so detections can use the rest.
			c.ct.UserIdentityExtra = append(c.ct.UserIdentityExtra, record.Member{Key: key, Value: v})
		}
	}
	if len(arn) > 0 {
		enrich.ParseARN(arn, p)
	}
	if t, ok := principalTypes[string(typ)]; ok {
		p.Type = t
	} else if p.Type == "" {
		p.Type = record.PrincipalUnknown
	}
	if sc := ui.Get("sessionContext"); sc != nil && sc.Type() == jsondom.Object {
		if issuer := sc.Get("sessionIssuer"); issuer != nil && string(issuer.GetStringBytes("type")) == "Role" {
			if roleARN := issuer.GetStringBytes("arn"); len(roleARN) > 0 {
				p.RoleARN = roleARN
			}
			if name := issuer.GetStringBytes("userName"); len(name) > 0 {
				p.RoleName = name
			}
		}
		if mfa := sc.Get("attributes", "mfaAuthenticated"); mfa != nil {
			p.MFAAuthenticated = m.Bool("userIdentity.sessionContext.attributes.mfaAuthenticated", mfa)
		}
	}
	switch p.Type {
	case record.PrincipalAWSService:
		if len(p.Service) == 0 {
			p.Service = u.Client.InvokedBy
		}
	case record.PrincipalAssumedRole, record.PrincipalFederatedUser:
		if len(p.SessionName) == 0 {
			// principalId is "AROA...:SESSION" for role sessions.
			if i := bytes.IndexByte(p.PrincipalID, ':'); i >= 0 {
				p.SessionName = p.PrincipalID[i+1:]
			}
		}
	}
	p.Authenticated = record.BoolTrue
	if string(p.AccountID) == "ANONYMOUS_PRINCIPAL" {
		// S3 logs unauthenticated requests with this placeholder account.
		*p = record.Principal{Type: record.PrincipalAnonymous, Authenticated: record.BoolFalse}
	}
}

// looksLikeIP accepts IP literals, including the not-quite-valid ones that
// anonymizers write (leading zeros), but not host or service names. It is
// a character-class test, not a parse: it must not allocate.
func looksLikeIP(b []byte) bool {
	dots, colons := 0, 0
	for _, c := range b {
		switch {
		case c == '.':
			dots++
		case c == ':':
			colons++
		case text.IsDigit(c):
		case jsonw.IsHex(c):
			if colons == 0 && dots == 0 {
				// IPv6 may start with a hex letter ("fe80::1").
				continue
			}
			if dots > 0 {
				return false
			}
		default:
			return false
		}
	}
	return (dots == 3 && colons == 0) || colons >= 2
}

// cloudTrailTime accepts RFC 3339 (CloudTrail's own form) and the
// "2006-01-02 15:04:05.999999999" form some exporters write, in UTC.
func (c *Mapper) cloudTrailTime(b []byte, key string) ([]byte, error) {
	t, ok := text.UTCTime(c.timeBuf[:0], b)
	if !ok {
		return nil, record.Reject(record.SourceCloudTrail, "%s: %q is not an RFC 3339 time", key, text.Truncate(b, 40))
	}
	return t, nil
}
