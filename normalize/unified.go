package normalize

import (
	"strconv"

	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// unified is one record before encoding. Byte slices alias the input or the
// Normalizer's scratch space; empty means absent.
type unified struct {
	source Source
	time   []byte
	action string // from the operation map (trusted, no escaping)
	// actionFromInput is CloudTrail's eventName, escaped like any input.
	actionFromInput []byte
	operation       []byte
	service         []byte
	readOnly        Bool
	outcome         string
	httpStatus      jsonw.Int
	errorCode       []byte
	errorMessage    []byte
	region          []byte
	regionSource    string
	accountID       []byte

	bucketName  []byte
	bucketOwner []byte

	objectKey        []byte
	objectKeyEncoded bool // access logs write keys URL-encoded
	objectVersionID  []byte
	objectSize       jsonw.Int

	principal    Principal
	hasPrincipal bool
	// principalMemo says principal is the requester memo's (see memo.go).
	principalMemo bool

	clientIP  []byte
	userAgent []byte
	invokedBy []byte

	reqID             []byte
	reqHostID         []byte
	reqMethod         []byte
	reqURI            []byte
	reqProtocol       []byte
	reqHost           []byte
	reqReferrer       []byte
	reqBytesSent      jsonw.Int
	reqTotalTime      jsonw.Int
	reqTurnaround     jsonw.Int
	reqSignature      []byte
	reqAuthType       []byte
	reqTLSVersion     []byte
	reqCipherSuite    []byte
	reqAccessPointARN []byte
	reqACLRequired    Bool
	// reqSourceRegion is the region the request came from (access-log
	// field 27), never the bucket's region.
	reqSourceRegion  []byte
	reqVPCEndpointID []byte

	ct *cloudTrailParts

	// correlationID is the record's correlation_id (see AppendCorrelationID).
	correlationID []byte
	// alerts are the detections that fired.
	alerts alertSet

	// Access-log fields past the known ones, numbered from extraFirstField.
	extraFields     [][]byte
	extraFirstField int
	// jsonExtra are the unmapped keys of a CloudWatch access-log object.
	jsonExtra []keyValue

	raw []byte
}

// cloudTrailParts are the CloudTrail-only pieces, kept as parsed values so
// they are copied as JSON (with redaction) when encoded.
type cloudTrailParts struct {
	eventID, eventVersion, eventType, eventCategory []byte
	managementEvent                                 Bool
	recipientAccountID, sharedEventID               []byte
	requestParameters, responseElements             *jsonValue
	additionalEventData, resources, tlsDetails      *jsonValue
	sessionCredentialFromConsole                    *jsonValue
	awsRegion                                       *jsonValue
	// extra holds the record's keys this version does not map, in order;
	// userIdentityExtra the unmapped keys of userIdentity.
	extra             []keyValue
	userIdentityExtra []keyValue
}

type keyValue struct {
	key   []byte
	value *jsonValue
}

func (c *cloudTrailParts) reset() {
	extra, uiExtra := c.extra[:0], c.userIdentityExtra[:0]
	*c = cloudTrailParts{extra: extra, userIdentityExtra: uiExtra}
}

// encodeUnified appends u as one compact JSON object in the contract's key
// order (see fields.go for how fields are written).
func (n *Normalizer) encodeUnified(b []byte, u *unified) []byte {
	top := len(b)
	m := n.stringMode()
	b = append(b, `,"schema_version":1`...) // its comma becomes the '{'
	b = jsonw.ConstField(b, `,"source":`, u.source.String())
	b = m.Str(b, `,"time":`, u.time)
	b = jsonw.ConstField(b, `,"action":`, u.action)
	b = m.Str(b, `,"action":`, u.actionFromInput)
	b = m.Str(b, `,"operation":`, u.operation)
	b = m.Str(b, `,"service":`, u.service)
	b = jsonw.BoolField(b, `,"read_only":`, u.readOnly)
	b = jsonw.ConstField(b, `,"outcome":`, u.outcome)
	b = jsonw.IntField(b, `,"http_status":`, u.httpStatus)
	b = m.Str(b, `,"error_code":`, u.errorCode)
	b = m.Str(b, `,"error_message":`, u.errorMessage)
	if len(u.region) > 0 {
		b = append(b, `,"region":`...)
		regionMode := m &^ redact.ModeRedact // lower case keeps plain text plain
		if u.regionSource == "config" || u.regionSource == "record" {
			regionMode = redact.ModeEscape // not a piece of the input
		}
		b = regionMode.Value(b, n.lower(u.region))
		b = jsonw.ConstField(b, `,"region_source":`, u.regionSource)
	}
	b = m.Str(b, `,"account_id":`, u.accountID)
	if len(u.correlationID) > 0 {
		b = append(b, `,"correlation_id":"`...)
		b = append(b, u.correlationID...) // hex: nothing to escape
		b = append(b, '"')
	}

	b, o := jsonw.OpenObj(b, `,"bucket":`)
	b = m.Str(b, `,"name":`, u.bucketName)
	b = m.Str(b, `,"owner":`, u.bucketOwner)
	b = jsonw.CloseObj(b, o)

	b, o = jsonw.OpenObj(b, `,"object":`)
	if u.objectKeyEncoded {
		key := n.decodeKey(u.objectKey)
		m = n.stringMode() // decoding may have spelled a secret
		keyMode := m
		if !n.decodedPlain {
			keyMode &^= redact.ModePlain // an escape spelled a byte to escape
		}
		b = keyMode.Str(b, `,"key":`, key)
	} else {
		b = m.Str(b, `,"key":`, u.objectKey)
	}
	b = m.Str(b, `,"version_id":`, u.objectVersionID)
	b = jsonw.IntField(b, `,"size":`, u.objectSize)
	b = jsonw.CloseObj(b, o)

	if u.hasPrincipal {
		b = n.appendPrincipal(b, m, u)
	}

	b, o = jsonw.OpenObj(b, `,"client":`)
	b = m.Str(b, `,"ip":`, u.clientIP)
	b = m.Str(b, `,"user_agent":`, u.userAgent)
	b = m.Str(b, `,"invoked_by":`, u.invokedBy)
	b = jsonw.CloseObj(b, o)

	b, o = jsonw.OpenObj(b, `,"request":`)
	b = m.Str(b, `,"id":`, u.reqID)
	b = m.Str(b, `,"host_id":`, u.reqHostID)
	b = m.Str(b, `,"method":`, u.reqMethod)
	b = m.Str(b, `,"uri":`, u.reqURI)
	b = m.Str(b, `,"protocol":`, u.reqProtocol)
	if len(u.reqHost) > 0 {
		b = append(b, `,"host":`...)
		b = m.Value(b, n.lower(u.reqHost)) // lower case keeps plain text plain
	}
	b = m.Str(b, `,"referrer":`, u.reqReferrer)
	b = jsonw.IntField(b, `,"bytes_sent":`, u.reqBytesSent)
	b = jsonw.IntField(b, `,"total_time_ms":`, u.reqTotalTime)
	b = jsonw.IntField(b, `,"turnaround_ms":`, u.reqTurnaround)
	b = m.Str(b, `,"signature_version":`, u.reqSignature)
	b = m.Str(b, `,"auth_type":`, u.reqAuthType)
	b = m.Str(b, `,"tls_version":`, u.reqTLSVersion)
	b = m.Str(b, `,"cipher_suite":`, u.reqCipherSuite)
	b = m.Str(b, `,"access_point_arn":`, u.reqAccessPointARN)
	b = jsonw.BoolField(b, `,"acl_required":`, u.reqACLRequired)
	b = m.Str(b, `,"source_region":`, u.reqSourceRegion)
	b = m.Str(b, `,"vpc_endpoint_id":`, u.reqVPCEndpointID)
	b = jsonw.CloseObj(b, o)

	if u.ct != nil {
		b = n.encodeCloudTrail(b, m, u.ct)
	}

	if u.alerts != 0 {
		b = append(b, `,"alerts":`...)
		b = appendAlerts(b, u.alerts, "")
	}

	b = n.encodeExtra(b, m, u)

	if n.opts.IncludeRaw {
		// Escaped (the input's own quotes) and always scanned for secrets:
		// the input-wide checks cover the record's strings, not the JSON
		// text itself, where a secret key's value is a secret too.
		b = n.redactMode().Str(b, `,"raw":`, u.raw)
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

func (n *Normalizer) encodeCloudTrail(b []byte, m redact.Mode, c *cloudTrailParts) []byte {
	b, o := jsonw.OpenObj(b, `,"cloudtrail":`)
	b = m.Str(b, `,"event_id":`, c.eventID)
	b = m.Str(b, `,"event_version":`, c.eventVersion)
	b = m.Str(b, `,"event_type":`, c.eventType)
	b = m.Str(b, `,"event_category":`, c.eventCategory)
	b = jsonw.BoolField(b, `,"management_event":`, c.managementEvent)
	b = m.Str(b, `,"recipient_account_id":`, c.recipientAccountID)
	b = m.Str(b, `,"shared_event_id":`, c.sharedEventID)
	b = n.jsonField(b, `,"request_parameters":`, c.requestParameters)
	b = n.jsonField(b, `,"response_elements":`, c.responseElements)
	b = n.jsonField(b, `,"additional_event_data":`, c.additionalEventData)
	b = n.jsonField(b, `,"resources":`, c.resources)
	b = n.jsonField(b, `,"tls_details":`, c.tlsDetails)
	b = n.jsonField(b, `,"session_credential_from_console":`, c.sessionCredentialFromConsole)
	return jsonw.CloseObj(b, o)
}

func (n *Normalizer) encodeExtra(b []byte, m redact.Mode, u *unified) []byte {
	b, o := jsonw.OpenObj(b, `,"extra":`)
	for i, f := range u.extraFields {
		if len(f) == 0 {
			continue
		}
		b = append(b, `,"`...)
		b = strconv.AppendInt(b, int64(u.extraFirstField+i), 10)
		b = append(b, `":`...)
		b = m.Value(b, f)
	}
	if len(u.jsonExtra) > 0 {
		b = n.encodeMembers(b, u.jsonExtra, true)
	}
	if u.ct != nil {
		b = n.encodeMembers(b, u.ct.extra, true)
		if len(u.ct.userIdentityExtra) > 0 {
			b = append(b, `,"userIdentity":{`...)
			b = n.encodeMembers(b, u.ct.userIdentityExtra, false)
			b = append(b, '}')
		}
	}
	return jsonw.CloseObj(b, o)
}

// encodeMembers writes the members of kvs, each after a comma when comma,
// else between commas. The keys are unique as read; when redaction
// changes some, a masked key written before drops the members after it.
func (n *Normalizer) encodeMembers(b []byte, kvs []keyValue, comma bool) []byte {
	m := n.stringMode()
	redact := m&redact.ModeRedact != 0
	var dups duplicateKeys
	if redact {
		dups = n.newDuplicateKeysN(len(kvs))
	}
	for _, kv := range kvs {
		out := kv.key
		if redact {
			if out = n.outputKey(kv.key, m); dups.repeated(out) {
				continue
			}
		}
		if comma {
			b = append(b, ',')
		}
		comma = true
		b = n.jsonKeyValue(b, kv.key, out, kv.value)
	}
	if redact {
		dups.done()
	}
	return b
}

// appendAlerts appends the names in s as a JSON array of strings, each
// prefixed with prefix.
func appendAlerts(dst []byte, s alertSet, prefix string) []byte {
	dst = append(dst, '[')
	first := true
	for a := Alert(0); a < numAlerts; a++ {
		if !s.has(a) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		dst = append(dst, prefix...)
		dst = append(dst, alertNames[a]...)
		dst = append(dst, '"')
	}
	return append(dst, ']')
}
