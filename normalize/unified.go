package normalize

import (
	"strconv"

	"github.com/valyala/fastjson"
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
	reqVPCEndpointID  []byte

	ct *cloudTrailParts

	// correlationID is the record's correlation_id (see AppendCorrelationID).
	correlationID []byte
	// alerts are the detections that fired.
	alerts alertSet

	// Access-log fields past the known ones, numbered from extraFirstField.
	extraFields     [][]byte
	extraFirstField int

	raw []byte
}

// cloudTrailParts are the CloudTrail-only pieces, kept as parsed values so
// they are copied as JSON (with redaction) when encoded.
type cloudTrailParts struct {
	eventID, eventVersion, eventType, eventCategory []byte
	managementEvent                                 Bool
	recipientAccountID, sharedEventID               []byte
	requestParameters, responseElements             *fastjson.Value
	additionalEventData, resources, tlsDetails      *fastjson.Value
	sessionCredentialFromConsole                    *fastjson.Value
	awsRegion                                       *fastjson.Value
	// extra holds the record's keys this version does not map, in order;
	// userIdentityExtra the unmapped keys of userIdentity.
	extra             []keyValue
	userIdentityExtra []keyValue
}

type keyValue struct {
	key   []byte
	value *fastjson.Value
}

func (c *cloudTrailParts) reset() {
	extra, uiExtra := c.extra[:0], c.userIdentityExtra[:0]
	*c = cloudTrailParts{extra: extra, userIdentityExtra: uiExtra}
}

// encodeUnified appends u as one compact JSON object in the contract's key
// order.
func (n *Normalizer) encodeUnified(dst []byte, u *unified) []byte {
	e := encoder{b: dst, first: true, n: n}
	e.b = append(e.b, '{')
	e.key("schema_version")
	e.b = append(e.b, '1')
	e.constStr("source", u.source.String())
	e.str("time", u.time)
	e.constStr("action", u.action)
	e.str("action", u.actionFromInput)
	e.str("operation", u.operation)
	e.str("service", u.service)
	e.boolean("read_only", u.readOnly)
	e.constStr("outcome", u.outcome)
	e.integer("http_status", u.httpStatus)
	e.str("error_code", u.errorCode)
	e.str("error_message", u.errorMessage)
	if len(u.region) > 0 {
		e.key("region")
		e.b = appendJSONString(e.b, n.lower(u.region))
		e.constStr("region_source", u.regionSource)
	}
	e.str("account_id", u.accountID)
	if len(u.correlationID) > 0 {
		e.key("correlation_id")
		e.b = append(e.b, '"')
		e.b = append(e.b, u.correlationID...) // hex: nothing to escape
		e.b = append(e.b, '"')
	}

	m := e.openObject("bucket")
	e.str("name", u.bucketName)
	e.str("owner", u.bucketOwner)
	e.closeObject(m)

	m = e.openObject("object")
	if u.objectKeyEncoded {
		e.str("key", n.decodeKey(u.objectKey))
	} else {
		e.str("key", u.objectKey)
	}
	e.str("version_id", u.objectVersionID)
	e.integer("size", u.objectSize)
	e.closeObject(m)

	if u.hasPrincipal {
		n.encodePrincipal(&e, &u.principal)
	}

	m = e.openObject("client")
	e.str("ip", u.clientIP)
	e.str("user_agent", u.userAgent)
	e.str("invoked_by", u.invokedBy)
	e.closeObject(m)

	m = e.openObject("request")
	e.str("id", u.reqID)
	e.str("host_id", u.reqHostID)
	e.str("method", u.reqMethod)
	e.str("uri", u.reqURI)
	e.str("protocol", u.reqProtocol)
	if len(u.reqHost) > 0 {
		e.key("host")
		e.b = appendJSONString(e.b, n.lower(u.reqHost))
	}
	e.str("referrer", u.reqReferrer)
	e.integer("bytes_sent", u.reqBytesSent)
	e.integer("total_time_ms", u.reqTotalTime)
	e.integer("turnaround_ms", u.reqTurnaround)
	e.str("signature_version", u.reqSignature)
	e.str("auth_type", u.reqAuthType)
	e.str("tls_version", u.reqTLSVersion)
	e.str("cipher_suite", u.reqCipherSuite)
	e.str("access_point_arn", u.reqAccessPointARN)
	e.boolean("acl_required", u.reqACLRequired)
	e.str("vpc_endpoint_id", u.reqVPCEndpointID)
	e.closeObject(m)

	if u.ct != nil {
		n.encodeCloudTrail(&e, u.ct)
	}

	if u.alerts != 0 {
		e.key("alerts")
		e.b = appendAlerts(e.b, u.alerts, "")
	}

	n.encodeExtra(&e, u)

	if n.opts.IncludeRaw {
		e.str("raw", u.raw)
	}
	e.b = append(e.b, '}')
	return e.b
}

func (n *Normalizer) encodePrincipal(e *encoder, p *Principal) {
	m := e.openObject("principal")
	e.constStr("type", p.Type)
	e.str("arn", p.ARN)
	e.str("partition", p.Partition)
	e.str("account_id", p.AccountID)
	e.str("principal_id", p.PrincipalID)
	e.str("user_name", p.UserName)
	e.str("role_name", p.RoleName)
	e.str("session_name", p.SessionName)
	n.roleARN = p.AppendRoleARN(n.roleARN[:0])
	e.str("role_arn", n.roleARN)
	e.str("access_key_id", p.AccessKeyID)
	e.str("canonical_id", p.CanonicalID)
	e.str("service", p.Service)
	e.boolean("authenticated", p.Authenticated)
	e.boolean("mfa_authenticated", p.MFAAuthenticated)
	e.closeObject(m)
}

func (n *Normalizer) encodeCloudTrail(e *encoder, c *cloudTrailParts) {
	m := e.openObject("cloudtrail")
	e.str("event_id", c.eventID)
	e.str("event_version", c.eventVersion)
	e.str("event_type", c.eventType)
	e.str("event_category", c.eventCategory)
	e.boolean("management_event", c.managementEvent)
	e.str("recipient_account_id", c.recipientAccountID)
	e.str("shared_event_id", c.sharedEventID)
	n.jsonValue(e, "request_parameters", c.requestParameters)
	n.jsonValue(e, "response_elements", c.responseElements)
	n.jsonValue(e, "additional_event_data", c.additionalEventData)
	n.jsonValue(e, "resources", c.resources)
	n.jsonValue(e, "tls_details", c.tlsDetails)
	n.jsonValue(e, "session_credential_from_console", c.sessionCredentialFromConsole)
	e.closeObject(m)
}

func (n *Normalizer) encodeExtra(e *encoder, u *unified) {
	m := e.openObject("extra")
	var num [20]byte
	for i, f := range u.extraFields {
		if len(f) == 0 {
			continue
		}
		e.keyBytes(strconv.AppendInt(num[:0], int64(u.extraFirstField+i), 10))
		if n.redactStrings {
			e.b = appendRedactedJSONString(e.b, f)
		} else {
			e.b = appendJSONString(e.b, f)
		}
	}
	if u.ct != nil {
		for _, kv := range u.ct.extra {
			n.jsonValueKey(e, kv.key, kv.value)
		}
		if len(u.ct.userIdentityExtra) > 0 {
			e.key("userIdentity")
			e.b = append(e.b, '{')
			for i, kv := range u.ct.userIdentityExtra {
				if i > 0 {
					e.b = append(e.b, ',')
				}
				e.b = appendJSONString(e.b, kv.key)
				e.b = append(e.b, ':')
				e.b = n.appendValue(e.b, kv.value, IsSecretKey(kv.key))
			}
			e.b = append(e.b, '}')
		}
	}
	e.closeObject(m)
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
