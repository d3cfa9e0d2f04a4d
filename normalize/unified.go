package normalize

import (
	"strconv"
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
	httpStatus      optInt
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
	objectSize       optInt

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
	reqBytesSent      optInt
	reqTotalTime      optInt
	reqTurnaround     optInt
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
	m := n.strMode()
	b = append(b, `,"schema_version":1`...) // its comma becomes the '{'
	b = constStr(b, `,"source":`, u.source.String())
	b = m.str(b, `,"time":`, u.time)
	b = constStr(b, `,"action":`, u.action)
	b = m.str(b, `,"action":`, u.actionFromInput)
	b = m.str(b, `,"operation":`, u.operation)
	b = m.str(b, `,"service":`, u.service)
	b = boolField(b, `,"read_only":`, u.readOnly)
	b = constStr(b, `,"outcome":`, u.outcome)
	b = intField(b, `,"http_status":`, u.httpStatus)
	b = m.str(b, `,"error_code":`, u.errorCode)
	b = m.str(b, `,"error_message":`, u.errorMessage)
	if len(u.region) > 0 {
		b = append(b, `,"region":`...)
		regionMode := m &^ modeRedact // lower case keeps plain text plain
		if u.regionSource == "config" || u.regionSource == "record" {
			regionMode = modeEscape // not a piece of the input
		}
		b = regionMode.value(b, n.lower(u.region))
		b = constStr(b, `,"region_source":`, u.regionSource)
	}
	b = m.str(b, `,"account_id":`, u.accountID)
	if len(u.correlationID) > 0 {
		b = append(b, `,"correlation_id":"`...)
		b = append(b, u.correlationID...) // hex: nothing to escape
		b = append(b, '"')
	}

	b, o := openObj(b, `,"bucket":`)
	b = m.str(b, `,"name":`, u.bucketName)
	b = m.str(b, `,"owner":`, u.bucketOwner)
	b = closeObj(b, o)

	b, o = openObj(b, `,"object":`)
	if u.objectKeyEncoded {
		key := n.decodeKey(u.objectKey)
		m = n.strMode() // decoding may have spelled a secret
		keyMode := m
		if !n.decodedPlain {
			keyMode &^= modePlain // an escape spelled a byte to escape
		}
		b = keyMode.str(b, `,"key":`, key)
	} else {
		b = m.str(b, `,"key":`, u.objectKey)
	}
	b = m.str(b, `,"version_id":`, u.objectVersionID)
	b = intField(b, `,"size":`, u.objectSize)
	b = closeObj(b, o)

	if u.hasPrincipal {
		b = n.appendPrincipal(b, m, u)
	}

	b, o = openObj(b, `,"client":`)
	b = m.str(b, `,"ip":`, u.clientIP)
	b = m.str(b, `,"user_agent":`, u.userAgent)
	b = m.str(b, `,"invoked_by":`, u.invokedBy)
	b = closeObj(b, o)

	b, o = openObj(b, `,"request":`)
	b = m.str(b, `,"id":`, u.reqID)
	b = m.str(b, `,"host_id":`, u.reqHostID)
	b = m.str(b, `,"method":`, u.reqMethod)
	b = m.str(b, `,"uri":`, u.reqURI)
	b = m.str(b, `,"protocol":`, u.reqProtocol)
	if len(u.reqHost) > 0 {
		b = append(b, `,"host":`...)
		b = m.value(b, n.lower(u.reqHost)) // lower case keeps plain text plain
	}
	b = m.str(b, `,"referrer":`, u.reqReferrer)
	b = intField(b, `,"bytes_sent":`, u.reqBytesSent)
	b = intField(b, `,"total_time_ms":`, u.reqTotalTime)
	b = intField(b, `,"turnaround_ms":`, u.reqTurnaround)
	b = m.str(b, `,"signature_version":`, u.reqSignature)
	b = m.str(b, `,"auth_type":`, u.reqAuthType)
	b = m.str(b, `,"tls_version":`, u.reqTLSVersion)
	b = m.str(b, `,"cipher_suite":`, u.reqCipherSuite)
	b = m.str(b, `,"access_point_arn":`, u.reqAccessPointARN)
	b = boolField(b, `,"acl_required":`, u.reqACLRequired)
	b = m.str(b, `,"source_region":`, u.reqSourceRegion)
	b = m.str(b, `,"vpc_endpoint_id":`, u.reqVPCEndpointID)
	b = closeObj(b, o)

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
		b = n.redactMode().str(b, `,"raw":`, u.raw)
	}
	b[top] = '{'
	return append(b, '}')
}

func (n *Normalizer) encodePrincipal(b []byte, m strMode, p *Principal) []byte {
	b, o := openObj(b, `,"principal":`)
	b = constStr(b, `,"type":`, p.Type)
	b = m.str(b, `,"arn":`, p.ARN)
	b = m.str(b, `,"partition":`, p.Partition)
	b = m.str(b, `,"account_id":`, p.AccountID)
	b = m.str(b, `,"principal_id":`, p.PrincipalID)
	b = m.str(b, `,"user_name":`, p.UserName)
	b = m.str(b, `,"role_name":`, p.RoleName)
	b = m.str(b, `,"session_name":`, p.SessionName)
	n.roleARN = p.AppendRoleARN(n.roleARN[:0])
	b = m.str(b, `,"role_arn":`, n.roleARN)
	b = m.str(b, `,"access_key_id":`, p.AccessKeyID)
	b = m.str(b, `,"canonical_id":`, p.CanonicalID)
	b = m.str(b, `,"service":`, p.Service)
	b = boolField(b, `,"authenticated":`, p.Authenticated)
	b = boolField(b, `,"mfa_authenticated":`, p.MFAAuthenticated)
	return closeObj(b, o)
}

func (n *Normalizer) encodeCloudTrail(b []byte, m strMode, c *cloudTrailParts) []byte {
	b, o := openObj(b, `,"cloudtrail":`)
	b = m.str(b, `,"event_id":`, c.eventID)
	b = m.str(b, `,"event_version":`, c.eventVersion)
	b = m.str(b, `,"event_type":`, c.eventType)
	b = m.str(b, `,"event_category":`, c.eventCategory)
	b = boolField(b, `,"management_event":`, c.managementEvent)
	b = m.str(b, `,"recipient_account_id":`, c.recipientAccountID)
	b = m.str(b, `,"shared_event_id":`, c.sharedEventID)
	b = n.jsonField(b, `,"request_parameters":`, c.requestParameters)
	b = n.jsonField(b, `,"response_elements":`, c.responseElements)
	b = n.jsonField(b, `,"additional_event_data":`, c.additionalEventData)
	b = n.jsonField(b, `,"resources":`, c.resources)
	b = n.jsonField(b, `,"tls_details":`, c.tlsDetails)
	b = n.jsonField(b, `,"session_credential_from_console":`, c.sessionCredentialFromConsole)
	return closeObj(b, o)
}

func (n *Normalizer) encodeExtra(b []byte, m strMode, u *unified) []byte {
	b, o := openObj(b, `,"extra":`)
	for i, f := range u.extraFields {
		if len(f) == 0 {
			continue
		}
		b = append(b, `,"`...)
		b = strconv.AppendInt(b, int64(u.extraFirstField+i), 10)
		b = append(b, `":`...)
		b = m.value(b, f)
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
	return closeObj(b, o)
}

// encodeMembers writes the members of kvs, each after a comma when comma,
// else between commas. The keys are unique as read; when redaction
// changes some, a masked key written before drops the members after it.
func (n *Normalizer) encodeMembers(b []byte, kvs []keyValue, comma bool) []byte {
	m := n.strMode()
	redact := m&modeRedact != 0
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
