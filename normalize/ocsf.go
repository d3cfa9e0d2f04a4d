package normalize

import (
	"bytes"
	"strconv"

	"github.com/awsaudit/awsaudit/normalize/enrich"
	"github.com/awsaudit/awsaudit/normalize/internal/text"
	"github.com/awsaudit/awsaudit/normalize/jsondom"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// OCSFVersion is the OCSF schema version of Format ocsf output
// (metadata.version); testdata/ocsf holds that version's JSON Schema of
// the API Activity class, which every test output is validated against.
const OCSFVersion = "1.3.0"

// OCSF API Activity constants.
const (
	ocsfCategoryUID = 6
	ocsfClassUID    = 6003
	ocsfAccountAWS  = 10        // account.type_id "AWS Account"
	ocsfUnknown     = "unknown" // stands in for a required value the source lacks
)

// OCSF activity_id values of API Activity.
const (
	ocsfActivityUnknown = 0
	ocsfActivityCreate  = 1
	ocsfActivityRead    = 2
	ocsfActivityUpdate  = 3
	ocsfActivityDelete  = 4
	ocsfActivityOther   = 99
)

// ocsfActivityCaption is the caption OCSF gives an activity_id.
func ocsfActivityCaption(activity int) string {
	switch activity {
	case ocsfActivityCreate:
		return "Create"
	case ocsfActivityRead:
		return "Read"
	case ocsfActivityUpdate:
		return "Update"
	case ocsfActivityDelete:
		return "Delete"
	case ocsfActivityOther:
		return "Other"
	}
	return "Unknown"
}

// Verb prefixes of write actions, by OCSF activity. A prefix must be
// followed by an upper-case letter or end the name.
var (
	ocsfCreateVerbs = []string{"Create", "Copy", "Upload", "Complete"}
	ocsfDeleteVerbs = []string{"Delete", "Abort", "Remove"}
	ocsfUpdateVerbs = []string{
		"Put", "Update", "Set", "Modify", "Stop", "Start", "Enable", "Disable", "Attach", "Detach",
		"Add", "Associate", "Disassociate", "Tag", "Untag", "Restore", "Replace", "Reset", "Change",
	}
)

// ocsfHTTPMethods are the http_request.http_method values OCSF allows.
var ocsfHTTPMethods = []string{"OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT"}

// ocsfActivity maps the record onto API Activity's activity_id: reads are
// Read; writes by the verb of their action (PutObject creates); writes
// with an unknown verb or without an action (lifecycle) are Other.
func ocsfActivity(u *record.Record) int {
	if u.ReadOnly == record.BoolTrue {
		return ocsfActivityRead
	}
	if u.Action != "" {
		return ocsfWriteActivity(u.Action)
	}
	action := present(u.EventName)
	if len(action) == 0 {
		if u.ReadOnly == record.BoolFalse || len(present(u.Operation)) > 0 {
			return ocsfActivityOther
		}
		return ocsfActivityUnknown
	}
	if u.ReadOnly == record.BoolUnset && enrich.ActionReadOnly(action) {
		return ocsfActivityRead
	}
	return ocsfWriteActivity(action)
}

func ocsfWriteActivity[S ~string | ~[]byte](action S) int {
	if string(action) == "PutObject" {
		return ocsfActivityCreate
	}
	for _, group := range [...]struct {
		verbs    []string
		activity int
	}{{ocsfCreateVerbs, ocsfActivityCreate}, {ocsfDeleteVerbs, ocsfActivityDelete}, {ocsfUpdateVerbs, ocsfActivityUpdate}} {
		for _, v := range group.verbs {
			if hasVerb(action, v) {
				return group.activity
			}
		}
	}
	return ocsfActivityOther
}

// hasVerb reports whether name starts with the word verb.
func hasVerb[S ~string | ~[]byte](name S, verb string) bool {
	if len(name) < len(verb) || string(name[:len(verb)]) != verb {
		return false
	}
	return len(name) == len(verb) || ('A' <= name[len(verb)] && name[len(verb)] <= 'Z')
}

// partitionOf returns the ARN partition of a region (aws-cn for cn-*,
// aws-us-gov for us-gov-*, ...), else the principal's, else aws.
func partitionOf(region, principalPartition []byte) string {
	switch {
	case bytes.HasPrefix(region, []byte("cn-")):
		return "aws-cn"
	case bytes.HasPrefix(region, []byte("us-gov-")):
		return "aws-us-gov"
	case bytes.HasPrefix(region, []byte("us-isob-")):
		return "aws-iso-b"
	case bytes.HasPrefix(region, []byte("us-iso-")):
		return "aws-iso"
	case bytes.HasPrefix(region, []byte("eu-isoe-")):
		return "aws-iso-e"
	case bytes.HasPrefix(region, []byte("us-isof-")):
		return "aws-iso-f"
	case bytes.HasPrefix(region, []byte("eusc-")):
		return "aws-eusc"
	}
	if len(region) == 0 {
		switch string(principalPartition) {
		case "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc":
			return string(principalPartition)
		}
	}
	return "aws"
}

// encodeOCSF appends u as one OCSF API Activity event (see the README's
// mapping table). Values come from the same fields, with the same
// redaction, as the unified record; what OCSF has no place for goes under
// "unmapped" with its unified-record name.
func (n *Normalizer) encodeOCSF(dst []byte, u *record.Record) []byte {
	e := encoder{b: dst, first: true, n: n}
	e.b = append(e.b, '{')

	activity := ocsfActivity(u)
	e.intConst("activity_id", int64(activity))
	switch {
	case activity != ocsfActivityOther:
		e.constStr("activity_name", ocsfActivityCaption(activity))
	case u.Action != "":
		e.constStr("activity_name", u.Action)
	case len(present(u.EventName)) > 0:
		e.str("activity_name", u.EventName)
	case len(present(u.Operation)) > 0:
		e.str("activity_name", u.Operation)
	default:
		e.constStr("activity_name", "Other")
	}
	e.intConst("category_uid", ocsfCategoryUID)
	e.constStr("category_name", "Application Activity")
	e.intConst("class_uid", ocsfClassUID)
	e.constStr("class_name", "API Activity")
	e.intConst("type_uid", ocsfClassUID*100+int64(activity))
	e.key("type_name")
	e.b = append(e.b, `"API Activity: `...)
	e.b = append(e.b, ocsfActivityCaption(activity)...)
	e.b = append(e.b, '"')

	severity := n.detector.Rules.Highest(u.Alerts)
	e.intConst("severity_id", int64(severity))
	e.constStr("severity", severity.Caption())

	switch u.Outcome {
	case "success":
		e.intConst("status_id", 1)
		e.constStr("status", "Success")
	case "failure":
		e.intConst("status_id", 2)
		e.constStr("status", "Failure")
	default:
		e.intConst("status_id", 0)
		e.constStr("status", "Unknown")
	}
	e.str("status_code", u.ErrorCode)
	e.str("status_detail", u.ErrorMessage)

	ms, ok := text.EpochMillis(u.Time)
	if !ok {
		ms = n.now().UnixMilli() // OCSF requires a time; the record had none
	}
	e.intConst("time", ms)

	n.ocsfMetadata(&e, u)

	m := e.openObject("cloud")
	e.constStr("provider", "AWS")
	if len(u.Region) > 0 {
		e.key("region")
		e.b = jsonw.AppendString(e.b, n.lower(u.Region))
	}
	ocsfAccount(&e, "account", u.AccountID)
	e.closeObject(m)

	n.ocsfActor(&e, u)

	m = e.openObject("api")
	switch {
	case u.Action != "":
		e.constStr("operation", u.Action)
	case len(present(u.EventName)) > 0:
		e.str("operation", u.EventName)
	case len(present(u.Operation)) > 0:
		e.str("operation", u.Operation)
	default:
		e.constStr("operation", ocsfUnknown)
	}
	mm := e.openObject("service")
	e.str("name", u.Service)
	e.closeObject(mm)
	mm = e.openObject("request")
	e.str("uid", u.Request.ID)
	e.closeObject(mm)
	mm = e.openObject("response")
	e.integer("code", u.HTTPStatus)
	e.str("error", u.ErrorCode)
	e.str("error_message", u.ErrorMessage)
	e.closeObject(mm)
	e.closeObject(m)

	m = e.openObject("src_endpoint")
	e.str("ip", u.Client.IP)
	e.str("svc_name", u.Client.InvokedBy)
	if e.first && u.HasPrincipal {
		e.str("svc_name", u.Principal.Service)
	}
	if e.first {
		e.constStr("name", ocsfUnknown) // OCSF requires a source
	}
	e.closeObject(m)

	m = e.openObject("dst_endpoint")
	if len(u.Request.Host) > 0 {
		e.key("hostname")
		e.b = n.appendString(e.b, n.lower(u.Request.Host))
	}
	e.str("svc_name", u.Service)
	e.closeObject(m)

	urlWritten, methodWritten := n.ocsfHTTPRequest(&e, u)

	ctResources := n.ocsfResources(&e, u)

	if n.opts.IncludeRaw {
		// Always scanned: see the raw field of encodeUnified.
		e.fields(func(b []byte) []byte { return n.redactMode().Str(b, `,"raw_data":`, u.Raw) })
	}

	n.ocsfUnmapped(&e, u, urlWritten, methodWritten, ctResources)

	e.b = append(e.b, '}')
	return e.b
}

func (e *encoder) intConst(name string, v int64) {
	e.key(name)
	e.b = strconv.AppendInt(e.b, v, 10)
}

// arrayObject starts an object inside an array (after '[').
func (e *encoder) arrayObject(first bool) {
	if !first {
		e.b = append(e.b, ',')
	}
	e.b = append(e.b, '{')
	e.first = true
}

func ocsfAccount(e *encoder, name string, uid []byte) {
	if len(present(uid)) == 0 {
		return
	}
	m := e.openObject(name)
	e.str("uid", uid)
	e.constStr("type", "AWS Account")
	e.intConst("type_id", ocsfAccountAWS)
	e.closeObject(m)
}

func (n *Normalizer) ocsfMetadata(e *encoder, u *record.Record) {
	m := e.openObject("metadata")
	e.constStr("version", OCSFVersion)
	p := e.openObject("product")
	if u.Source == SourceCloudTrail {
		e.constStr("name", "CloudTrail")
	} else {
		e.constStr("name", "Amazon S3")
	}
	e.constStr("vendor_name", "AWS")
	f := e.openObject("feature")
	if u.Source == SourceCloudTrail {
		if u.CloudTrail != nil {
			e.str("name", u.CloudTrail.EventCategory)
		}
	} else {
		e.constStr("name", "Server Access Logging")
	}
	e.closeObject(f)
	e.closeObject(p)
	e.key("profiles")
	e.b = append(e.b, `["cloud"]`...)
	if u.CloudTrail != nil {
		e.str("uid", u.CloudTrail.EventID)
	}
	if len(u.CorrelationID) > 0 {
		e.key("correlation_uid")
		e.b = append(e.b, '"')
		e.b = append(e.b, u.CorrelationID...)
		e.b = append(e.b, '"')
	}
	e.str("event_code", u.Operation)
	e.constStr("log_name", u.Source.String())
	if u.CloudTrail != nil {
		e.str("log_version", u.CloudTrail.EventVersion)
	}
	e.str("original_time", u.Time)
	if u.Alerts != 0 {
		e.key("labels")
		e.b = u.Alerts.AppendJSON(e.b, "alert:")
	}
	e.closeObject(m)
}

// ocsfUserType maps principal.type onto user.type_id (0 Unknown, 1 User,
// 2 Admin, 3 System, 99 Other); the sibling type is the caption, or the
// principal type for Other.
func ocsfUserType(t string) (int64, string) {
	switch t {
	case record.PrincipalIAMUser:
		return 1, "User"
	case record.PrincipalRoot:
		return 2, "Admin"
	case record.PrincipalAWSService:
		return 3, "System"
	case record.PrincipalUnknown, "":
		return 0, "Unknown"
	}
	return 99, t
}

// ocsfPrincipalUse records which principal fields the actor took, so the
// rest goes to unmapped.
type ocsfPrincipalUse struct {
	principalID, canonicalID, service bool
	name                              string // "user_name", "session_name", "role_name", "service"
	typeMapped                        bool   // type_id is not Other: the type itself goes to unmapped
}

func (n *Normalizer) ocsfActor(e *encoder, u *record.Record) {
	m := e.openObject("actor")
	p := &u.Principal
	if u.HasPrincipal {
		n.ocsfUse = ocsfPrincipalUse{}
		use := &n.ocsfUse
		um := e.openObject("user")
		typeID, typ := ocsfUserType(p.Type)
		use.typeMapped = typeID != 99
		e.intConst("type_id", typeID)
		e.constStr("type", typ)
		switch {
		case len(p.ARN) > 0:
			e.str("uid", p.ARN)
			if len(p.PrincipalID) > 0 {
				e.str("uid_alt", p.PrincipalID)
				use.principalID = true
			}
		case len(p.PrincipalID) > 0:
			e.str("uid", p.PrincipalID)
			use.principalID = true
		case len(p.CanonicalID) > 0:
			e.str("uid", p.CanonicalID)
			use.canonicalID = true
		case p.Type == record.PrincipalAnonymous:
			e.constStr("uid", "ANONYMOUS_PRINCIPAL") // CloudTrail's spelling
		}
		switch {
		case len(p.UserName) > 0:
			e.str("name", p.UserName)
			use.name = "user_name"
		case len(p.SessionName) > 0:
			e.str("name", p.SessionName)
			use.name = "session_name"
		case len(p.RoleName) > 0:
			e.str("name", p.RoleName)
			use.name = "role_name"
		case len(p.Service) > 0:
			e.str("name", p.Service)
			use.name = "service"
			use.service = true
		}
		ocsfAccount(e, "account", p.AccountID)
		if len(p.ARN) == 0 && len(p.PrincipalID) == 0 && len(p.CanonicalID) == 0 &&
			p.Type != record.PrincipalAnonymous && use.name == "" && len(p.AccountID) == 0 {
			e.constStr("name", ocsfUnknown) // OCSF wants a uid, name or account
		}
		e.str("credential_uid", p.AccessKeyID)
		e.closeObject(um)

		sm := e.openObject("session")
		n.roleARN = p.AppendRoleARN(n.roleARN[:0])
		e.str("issuer", n.roleARN)
		e.boolean("is_mfa", p.MFAAuthenticated)
		e.closeObject(sm)
	}
	e.str("app_name", u.Client.InvokedBy)
	if e.first {
		um := e.openObject("user") // OCSF requires an actor
		e.intConst("type_id", 0)
		e.constStr("type", "Unknown")
		e.constStr("name", ocsfUnknown)
		e.closeObject(um)
	}
	e.closeObject(m)
}

// ocsfHTTPRequest writes http_request and reports whether the URI went to
// http_request.url and the method to http_method (else both go to
// unmapped).
func (n *Normalizer) ocsfHTTPRequest(e *encoder, u *record.Record) (urlWritten, methodWritten bool) {
	m := e.openObject("http_request")
	method := present(u.Request.Method)
	for _, ok := range ocsfHTTPMethods {
		if string(method) == ok {
			e.str("http_method", method)
			methodWritten = true
			break
		}
	}
	uri := present(u.Request.URI)
	var path, query []byte
	path = uri
	if q := bytes.IndexByte(uri, '?'); q >= 0 {
		path, query = uri[:q], uri[q+1:]
	}
	host := present(u.Request.Host)
	if len(path) > 0 || (len(host) > 0 && len(uri) > 0) {
		urlWritten = true
		um := e.openObject("url")
		if len(host) > 0 {
			e.key("url_string")
			// Redacted as written, whole: a value in the host would
			// otherwise run on into the path.
			url := n.composed[:0]
			if len(present(u.Request.TLSVersion)) > 0 {
				url = append(url, "https://"...)
			} else {
				url = append(url, "http://"...)
			}
			url = append(url, n.lower(host)...)
			if len(uri) > 0 && uri[0] != '/' {
				url = append(url, '/')
			}
			n.composed = append(url, uri...)
			e.b = n.appendString(e.b, n.composed)
			e.key("hostname")
			e.b = n.appendString(e.b, n.lower(host))
		}
		e.str("path", path)
		e.str("query_string", query)
		e.closeObject(um)
	}
	e.str("user_agent", u.Client.UserAgent)
	e.str("referrer", u.Request.Referrer)
	if proto := present(u.Request.Protocol); len(proto) > 0 {
		if v, ok := bytes.CutPrefix(proto, []byte("HTTP/")); ok && len(v) > 0 {
			e.str("version", v)
		} else {
			e.str("version", proto)
		}
	}
	e.closeObject(m)
	return urlWritten, methodWritten
}

// appendStringBody appends s escaped for the inside of a JSON string,
// redacted like every other string of the record.
func (n *Normalizer) appendStringBody(dst, s []byte) []byte {
	if !n.redactStrings {
		return jsonw.AppendEscaped(dst, s)
	}
	return redact.AppendText(dst, s, true, n.redactLevels)
}

// appendString appends s as a JSON string, redacted like every other
// string of the record.
func (n *Normalizer) appendString(dst, s []byte) []byte {
	dst = append(dst, '"')
	dst = n.appendStringBody(dst, s)
	return append(dst, '"')
}

// appendS3ARN appends the ARN of a bucket, or of an object when key is
// not nil, as a JSON string redacted as written, whole.
func (n *Normalizer) appendS3ARN(dst []byte, partition string, bucket, key []byte) []byte {
	arn := append(n.composed[:0], "arn:"...)
	arn = append(arn, partition...)
	arn = append(arn, ":s3:::"...)
	arn = append(arn, bucket...)
	if key != nil {
		arn = append(arn, '/')
		arn = append(arn, key...)
	}
	n.composed = arn
	return n.appendString(dst, arn)
}

// ocsfResources writes resources: CloudTrail's own list when it has one
// (it then reports true), else the bucket, object and access point of the
// request.
func (n *Normalizer) ocsfResources(e *encoder, u *record.Record) (fromCloudTrail bool) {
	mark := objectMark{pos: len(e.b), parentFirst: e.first}
	e.key("resources")
	e.b = append(e.b, '[')
	count := 0
	if u.CloudTrail != nil && u.CloudTrail.Resources != nil && u.CloudTrail.Resources.Type() == jsondom.Array {
		for _, r := range u.CloudTrail.Resources.GetArray() {
			if r.Type() != jsondom.Object {
				continue
			}
			arn := stringValue(r.Get("ARN"))
			if len(arn) == 0 {
				continue
			}
			typ := stringValue(r.Get("type"))
			e.arrayObject(count == 0)
			count++
			e.str("uid", arn)
			e.str("name", s3ResourceName(typ, arn))
			e.str("type", typ)
			if acct := stringValue(r.Get("accountId")); len(acct) > 0 {
				om := e.openObject("owner")
				ocsfAccount(e, "account", acct)
				e.closeObject(om)
			}
			e.b = append(e.b, '}')
		}
	}
	fromCloudTrail = count > 0
	if count == 0 {
		partition := partitionOf(n.lower(u.Region), u.Principal.Partition)
		bucket := present(u.Bucket.Name)
		if len(bucket) > 0 {
			e.arrayObject(count == 0)
			count++
			e.key("uid")
			e.b = n.appendS3ARN(e.b, partition, bucket, nil)
			e.str("name", bucket)
			e.constStr("type", "AWS::S3::Bucket")
			e.constStr("cloud_partition", partition)
			if len(present(u.Bucket.Owner)) > 0 {
				om := e.openObject("owner")
				e.str("uid", u.Bucket.Owner)
				e.closeObject(om)
			}
			e.b = append(e.b, '}')
		}
		key := present(u.Object.Key)
		if u.Object.KeyEncoded {
			key = n.decodeKey(key)
		}
		if len(key) > 0 {
			e.arrayObject(count == 0)
			count++
			if len(bucket) > 0 {
				e.key("uid")
				e.b = n.appendS3ARN(e.b, partition, bucket, key)
			}
			e.str("name", key)
			e.constStr("type", "AWS::S3::Object")
			e.constStr("cloud_partition", partition)
			e.str("version", u.Object.VersionID)
			e.b = append(e.b, '}')
		}
		if ap := present(u.Request.AccessPointARN); len(ap) > 0 {
			e.arrayObject(count == 0)
			count++
			e.str("uid", ap)
			e.constStr("type", "AWS::S3::AccessPoint")
			e.b = append(e.b, '}')
		}
	}
	if count == 0 {
		e.b = e.b[:mark.pos]
		e.first = mark.parentFirst
		return false
	}
	e.b = append(e.b, ']')
	e.first = false
	return fromCloudTrail
}

func stringValue(v *jsondom.Value) []byte {
	if v == nil || v.Type() != jsondom.String {
		return nil
	}
	return v.GetStringBytes()
}

// s3ResourceName is the bucket name of an AWS::S3::Bucket ARN and the key
// of an AWS::S3::Object ARN; nil for other types.
func s3ResourceName(typ, arn []byte) []byte {
	i := bytes.Index(arn, []byte(":::"))
	if i < 0 {
		return nil
	}
	res := arn[i+3:]
	switch string(typ) {
	case "AWS::S3::Bucket":
		return res
	case "AWS::S3::Object":
		if slash := bytes.IndexByte(res, '/'); slash >= 0 {
			return res[slash+1:]
		}
	}
	return nil
}

// ocsfUnmapped writes what the event has no attribute for, keyed and
// nested as in the unified record.
func (n *Normalizer) ocsfUnmapped(e *encoder, u *record.Record, urlWritten, methodWritten, ctResources bool) {
	m := e.openObject("unmapped")
	if len(u.Region) > 0 {
		e.constStr("region_source", u.RegionSource)
	}
	e.boolean("read_only", u.ReadOnly)

	om := e.openObject("object")
	if ctResources {
		e.str("version_id", u.Object.VersionID) // derived resources carry it as version
	}
	e.integer("size", u.Object.Size)
	e.closeObject(om)

	if u.HasPrincipal {
		p := &u.Principal
		use := &n.ocsfUse
		pm := e.openObject("principal")
		if use.typeMapped {
			e.constStr("type", p.Type)
		}
		e.str("partition", p.Partition)
		if !use.principalID {
			e.str("principal_id", p.PrincipalID)
		}
		if use.name != "role_name" {
			e.str("role_name", p.RoleName)
		}
		if use.name != "session_name" {
			e.str("session_name", p.SessionName)
		}
		if use.name != "user_name" {
			e.str("user_name", p.UserName)
		}
		if !use.canonicalID {
			e.str("canonical_id", p.CanonicalID)
		}
		if !use.service {
			e.str("service", p.Service)
		}
		e.boolean("authenticated", p.Authenticated)
		e.closeObject(pm)
	}

	rm := e.openObject("request")
	e.str("host_id", u.Request.HostID)
	if !methodWritten {
		e.str("method", u.Request.Method)
	}
	if !urlWritten {
		e.str("uri", u.Request.URI)
	}
	e.integer("bytes_sent", u.Request.BytesSent)
	e.integer("total_time_ms", u.Request.TotalTimeMS)
	e.integer("turnaround_ms", u.Request.TurnaroundMS)
	e.str("signature_version", u.Request.SignatureVersion)
	e.str("auth_type", u.Request.AuthType)
	e.str("tls_version", u.Request.TLSVersion)
	e.str("cipher_suite", u.Request.CipherSuite)
	e.boolean("acl_required", u.Request.ACLRequired)
	// OCSF has no slot for the region a request came from (cloud.region
	// is the bucket's).
	e.str("source_region", u.Request.SourceRegion)
	e.str("vpc_endpoint_id", u.Request.VPCEndpointID)
	e.closeObject(rm)

	if c := u.CloudTrail; c != nil {
		cm := e.openObject("cloudtrail")
		e.str("event_type", c.EventType)
		e.boolean("management_event", c.ManagementEvent)
		if !bytes.Equal(c.RecipientAccountID, u.AccountID) {
			e.str("recipient_account_id", c.RecipientAccountID)
		}
		e.str("shared_event_id", c.SharedEventID)
		n.jsonValue(e, "request_parameters", c.RequestParameters)
		n.jsonValue(e, "response_elements", c.ResponseElements)
		n.jsonValue(e, "additional_event_data", c.AdditionalEventData)
		if !ctResources {
			n.jsonValue(e, "resources", c.Resources)
		}
		n.jsonValue(e, "tls_details", c.TLSDetails)
		n.jsonValue(e, "session_credential_from_console", c.SessionCredentialFromConsole)
		e.closeObject(cm)
	}

	e.fields(func(b []byte) []byte { return n.encodeExtra(b, redact.ModeEscape|n.redactMode(), u) })
	e.closeObject(m)
}
