package ocsf

import (
	"bytes"
	"time"

	"github.com/awsaudit/awsaudit/normalize/detect"
	"github.com/awsaudit/awsaudit/normalize/internal/text"
	"github.com/awsaudit/awsaudit/normalize/jsondom"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/redact"
	"github.com/awsaudit/awsaudit/normalize/unified"
)

// Encoder writes records as OCSF API Activity events. It reuses its
// scratch space, so it is not safe for concurrent use.
type Encoder struct {
	// Writer writes the record's strings and JSON values exactly as the
	// unified record does.
	unified.Writer
	// IncludeRaw adds the input as "raw_data".
	IncludeRaw bool
	// Rules give the alerts' severities (severity_id); nil is
	// informational.
	Rules *detect.Rules
	// Now is the clock for records without a time; nil is time.Now.
	Now func() time.Time

	use      principalUse // what the actor took from the principal
	composed []byte       // a string built from pieces, before it is redacted
}

// str writes a string of the record as OCSF does: never copied plain,
// since OCSF's strings are not all pieces of the input.
func (e *Encoder) str(b []byte, key string, v []byte) []byte {
	return (e.Mode() &^ redact.ModePlain).Str(b, key, v)
}

// intField writes a number the encoder chose.
func intField(b []byte, key string, v int64) []byte {
	b = append(b, key...)
	return jsonw.AppendInt(b, v)
}

// Encode appends u as one OCSF API Activity event (see the README's
// mapping table). Values come from the same fields, with the same
// redaction, as the unified record; what OCSF has no place for goes under
// "unmapped" with its unified-record name. An error rejects the record.
func (e *Encoder) Encode(b []byte, u *record.Record) ([]byte, error) {
	e.Begin(u)
	activity := ocsfActivity(u)
	b = append(b, `{"activity_id":`...)
	b = jsonw.AppendInt(b, int64(activity))
	if activity != ocsfActivityOther {
		b = jsonw.ConstField(b, `,"activity_name":`, ocsfActivityCaption(activity))
	} else {
		b = e.action(b, `,"activity_name":`, u, "Other")
	}
	b = intField(b, `,"category_uid":`, ocsfCategoryUID)
	b = jsonw.ConstField(b, `,"category_name":`, "Application Activity")
	b = intField(b, `,"class_uid":`, ocsfClassUID)
	b = jsonw.ConstField(b, `,"class_name":`, "API Activity")
	b = intField(b, `,"type_uid":`, ocsfClassUID*100+int64(activity))
	b = append(b, `,"type_name":"API Activity: `...)
	b = append(b, ocsfActivityCaption(activity)...)
	b = append(b, '"')

	severity := e.Rules.Highest(u.Alerts)
	b = intField(b, `,"severity_id":`, int64(severity))
	b = jsonw.ConstField(b, `,"severity":`, severity.Caption())

	switch u.Outcome {
	case "success":
		b = intField(b, `,"status_id":`, 1)
		b = jsonw.ConstField(b, `,"status":`, "Success")
	case "failure":
		b = intField(b, `,"status_id":`, 2)
		b = jsonw.ConstField(b, `,"status":`, "Failure")
	default:
		b = intField(b, `,"status_id":`, 0)
		b = jsonw.ConstField(b, `,"status":`, "Unknown")
	}
	b = e.str(b, `,"status_code":`, u.ErrorCode)
	b = e.str(b, `,"status_detail":`, u.ErrorMessage)

	ms, ok := text.EpochMillis(u.Time)
	if !ok {
		ms = e.now().UnixMilli() // OCSF requires a time; the record had none
	}
	b = intField(b, `,"time":`, ms)

	b = e.metadata(b, u)

	b, o := jsonw.OpenObj(b, `,"cloud":`)
	b = jsonw.ConstField(b, `,"provider":`, "AWS")
	if len(u.Region) > 0 {
		b = append(b, `,"region":`...)
		b = jsonw.AppendString(b, e.Lower(u.Region))
	}
	b = e.account(b, `,"account":`, u.AccountID)
	b = jsonw.CloseObj(b, o)

	b = e.actor(b, u)

	b, o = jsonw.OpenObj(b, `,"api":`)
	b = e.action(b, `,"operation":`, u, ocsfUnknown)
	b, oo := jsonw.OpenObj(b, `,"service":`)
	b = e.str(b, `,"name":`, u.Service)
	b = jsonw.CloseObj(b, oo)
	b, oo = jsonw.OpenObj(b, `,"request":`)
	b = e.str(b, `,"uid":`, u.Request.ID)
	b = jsonw.CloseObj(b, oo)
	b, oo = jsonw.OpenObj(b, `,"response":`)
	b = jsonw.IntField(b, `,"code":`, u.HTTPStatus)
	b = e.str(b, `,"error":`, u.ErrorCode)
	b = e.str(b, `,"error_message":`, u.ErrorMessage)
	b = jsonw.CloseObj(b, oo)
	b = jsonw.CloseObj(b, o)

	b, o = jsonw.OpenObj(b, `,"src_endpoint":`)
	b = e.str(b, `,"ip":`, u.Client.IP)
	b = e.str(b, `,"svc_name":`, u.Client.InvokedBy)
	if o.Empty(b) && u.HasPrincipal {
		b = e.str(b, `,"svc_name":`, u.Principal.Service)
	}
	if o.Empty(b) {
		b = jsonw.ConstField(b, `,"name":`, ocsfUnknown) // OCSF requires a source
	}
	b = jsonw.CloseObj(b, o)

	b, o = jsonw.OpenObj(b, `,"dst_endpoint":`)
	if len(u.Request.Host) > 0 {
		b = append(b, `,"hostname":`...)
		b = e.String(b, e.Lower(u.Request.Host))
	}
	b = e.str(b, `,"svc_name":`, u.Service)
	b = jsonw.CloseObj(b, o)

	b, urlWritten, methodWritten := e.httpRequest(b, u)

	b, ctResources := e.resources(b, u)

	if e.IncludeRaw {
		// Always scanned: see the raw field of the unified record.
		b = e.RawMode().Str(b, `,"raw_data":`, u.Raw)
	}

	b = e.unmapped(b, u, urlWritten, methodWritten, ctResources)

	return append(b, '}'), e.Err()
}

// action writes the record's action: the mapped one, else the one
// logged, else the operation, else fallback.
func (e *Encoder) action(b []byte, key string, u *record.Record, fallback string) []byte {
	switch {
	case u.Action != "":
		return jsonw.ConstField(b, key, u.Action)
	case len(text.Present(u.EventName)) > 0:
		return e.str(b, key, u.EventName)
	case len(text.Present(u.Operation)) > 0:
		return e.str(b, key, u.Operation)
	}
	return jsonw.ConstField(b, key, fallback)
}

func (e *Encoder) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

// account writes an AWS account object under key.
func (e *Encoder) account(b []byte, key string, uid []byte) []byte {
	if len(text.Present(uid)) == 0 {
		return b
	}
	b, o := jsonw.OpenObj(b, key)
	b = e.str(b, `,"uid":`, uid)
	b = jsonw.ConstField(b, `,"type":`, "AWS Account")
	b = intField(b, `,"type_id":`, ocsfAccountAWS)
	return jsonw.CloseObj(b, o)
}

func (e *Encoder) metadata(b []byte, u *record.Record) []byte {
	b, o := jsonw.OpenObj(b, `,"metadata":`)
	b = jsonw.ConstField(b, `,"version":`, Version)
	b, p := jsonw.OpenObj(b, `,"product":`)
	if u.Source == record.SourceCloudTrail {
		b = jsonw.ConstField(b, `,"name":`, "CloudTrail")
	} else {
		b = jsonw.ConstField(b, `,"name":`, "Amazon S3")
	}
	b = jsonw.ConstField(b, `,"vendor_name":`, "AWS")
	b, f := jsonw.OpenObj(b, `,"feature":`)
	if u.Source == record.SourceCloudTrail {
		if u.CloudTrail != nil {
			b = e.str(b, `,"name":`, u.CloudTrail.EventCategory)
		}
	} else {
		b = jsonw.ConstField(b, `,"name":`, "Server Access Logging")
	}
	b = jsonw.CloseObj(b, f)
	b = jsonw.CloseObj(b, p)
	b = append(b, `,"profiles":["cloud"]`...)
	if u.CloudTrail != nil {
		b = e.str(b, `,"uid":`, u.CloudTrail.EventID)
	}
	if len(u.CorrelationID) > 0 {
		b = append(b, `,"correlation_uid":"`...)
		b = append(b, u.CorrelationID...) // hex: nothing to escape
		b = append(b, '"')
	}
	b = e.str(b, `,"event_code":`, u.Operation)
	b = jsonw.ConstField(b, `,"log_name":`, u.Source.String())
	if u.CloudTrail != nil {
		b = e.str(b, `,"log_version":`, u.CloudTrail.EventVersion)
	}
	b = e.str(b, `,"original_time":`, u.Time)
	if u.Alerts != 0 {
		b = append(b, `,"labels":`...)
		b = u.Alerts.AppendJSON(b, "alert:")
	}
	return jsonw.CloseObj(b, o)
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

// principalUse records which principal fields the actor took, so the
// rest goes to unmapped.
type principalUse struct {
	principalID, canonicalID, service bool
	name                              string // "user_name", "session_name", "role_name", "service"
	typeMapped                        bool   // type_id is not Other: the type itself goes to unmapped
}

func (e *Encoder) actor(b []byte, u *record.Record) []byte {
	b, o := jsonw.OpenObj(b, `,"actor":`)
	p := &u.Principal
	if u.HasPrincipal {
		e.use = principalUse{}
		use := &e.use
		var um jsonw.ObjMark
		b, um = jsonw.OpenObj(b, `,"user":`)
		typeID, typ := ocsfUserType(p.Type)
		use.typeMapped = typeID != 99
		b = intField(b, `,"type_id":`, typeID)
		b = jsonw.ConstField(b, `,"type":`, typ)
		switch {
		case len(p.ARN) > 0:
			b = e.str(b, `,"uid":`, p.ARN)
			if len(p.PrincipalID) > 0 {
				b = e.str(b, `,"uid_alt":`, p.PrincipalID)
				use.principalID = true
			}
		case len(p.PrincipalID) > 0:
			b = e.str(b, `,"uid":`, p.PrincipalID)
			use.principalID = true
		case len(p.CanonicalID) > 0:
			b = e.str(b, `,"uid":`, p.CanonicalID)
			use.canonicalID = true
		case p.Type == record.PrincipalAnonymous:
			b = jsonw.ConstField(b, `,"uid":`, "ANONYMOUS_PRINCIPAL") // CloudTrail's spelling
		}
		// The name is the first the principal has of these.
		for _, n := range [...]struct {
			v    []byte
			from string
		}{{p.UserName, "user_name"}, {p.SessionName, "session_name"}, {p.RoleName, "role_name"}, {p.Service, "service"}} {
			if len(n.v) > 0 {
				b = e.str(b, `,"name":`, n.v)
				use.name, use.service = n.from, n.from == "service"
				break
			}
		}
		b = e.account(b, `,"account":`, p.AccountID)
		if len(p.ARN) == 0 && len(p.PrincipalID) == 0 && len(p.CanonicalID) == 0 &&
			p.Type != record.PrincipalAnonymous && use.name == "" && len(p.AccountID) == 0 {
			b = jsonw.ConstField(b, `,"name":`, ocsfUnknown) // OCSF wants a uid, name or account
		}
		b = e.str(b, `,"credential_uid":`, p.AccessKeyID)
		b = jsonw.CloseObj(b, um)

		var sm jsonw.ObjMark
		b, sm = jsonw.OpenObj(b, `,"session":`)
		b = e.str(b, `,"issuer":`, e.RoleARN(p))
		b = jsonw.BoolField(b, `,"is_mfa":`, p.MFAAuthenticated)
		b = jsonw.CloseObj(b, sm)
	}
	b = e.str(b, `,"app_name":`, u.Client.InvokedBy)
	if o.Empty(b) {
		var um jsonw.ObjMark
		b, um = jsonw.OpenObj(b, `,"user":`) // OCSF requires an actor
		b = intField(b, `,"type_id":`, 0)
		b = jsonw.ConstField(b, `,"type":`, "Unknown")
		b = jsonw.ConstField(b, `,"name":`, ocsfUnknown)
		b = jsonw.CloseObj(b, um)
	}
	return jsonw.CloseObj(b, o)
}

// ocsfHTTPMethods are the http_request.http_method values OCSF allows.
var ocsfHTTPMethods = []string{"OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT"}

// httpRequest writes http_request and reports whether the URI went to
// http_request.url and the method to http_method (else both go to
// unmapped).
func (e *Encoder) httpRequest(b []byte, u *record.Record) (_ []byte, urlWritten, methodWritten bool) {
	b, o := jsonw.OpenObj(b, `,"http_request":`)
	method := text.Present(u.Request.Method)
	for _, ok := range ocsfHTTPMethods {
		if string(method) == ok {
			b = e.str(b, `,"http_method":`, method)
			methodWritten = true
			break
		}
	}
	uri := text.Present(u.Request.URI)
	path, query := uri, []byte(nil)
	if q := bytes.IndexByte(uri, '?'); q >= 0 {
		path, query = uri[:q], uri[q+1:]
	}
	host := text.Present(u.Request.Host)
	if len(path) > 0 || (len(host) > 0 && len(uri) > 0) {
		urlWritten = true
		var uo jsonw.ObjMark
		b, uo = jsonw.OpenObj(b, `,"url":`)
		if len(host) > 0 {
			// Redacted as written, whole: a value in the host would
			// otherwise run on into the path.
			url := e.composed[:0]
			if len(text.Present(u.Request.TLSVersion)) > 0 {
				url = append(url, "https://"...)
			} else {
				url = append(url, "http://"...)
			}
			url = append(url, e.Lower(host)...)
			if len(uri) > 0 && uri[0] != '/' {
				url = append(url, '/')
			}
			e.composed = append(url, uri...)
			b = append(b, `,"url_string":`...)
			b = e.String(b, e.composed)
			b = append(b, `,"hostname":`...)
			b = e.String(b, e.Lower(host))
		}
		b = e.str(b, `,"path":`, path)
		b = e.str(b, `,"query_string":`, query)
		b = jsonw.CloseObj(b, uo)
	}
	b = e.str(b, `,"user_agent":`, u.Client.UserAgent)
	b = e.str(b, `,"referrer":`, u.Request.Referrer)
	if proto := text.Present(u.Request.Protocol); len(proto) > 0 {
		if v, ok := bytes.CutPrefix(proto, []byte("HTTP/")); ok && len(v) > 0 {
			b = e.str(b, `,"version":`, v)
		} else {
			b = e.str(b, `,"version":`, proto)
		}
	}
	return jsonw.CloseObj(b, o), urlWritten, methodWritten
}

// s3ARN appends the ARN of a bucket, or of an object when key is not nil,
// as a JSON string redacted as written, whole.
func (e *Encoder) s3ARN(dst []byte, partition string, bucket, key []byte) []byte {
	arn := append(e.composed[:0], "arn:"...)
	arn = append(arn, partition...)
	arn = append(arn, ":s3:::"...)
	arn = append(arn, bucket...)
	if key != nil {
		arn = append(arn, '/')
		arn = append(arn, key...)
	}
	e.composed = arn
	return e.String(dst, arn)
}

// element opens an object in an array: after sep (',' but before the
// first).
func element(b []byte, first bool) ([]byte, jsonw.ObjMark) {
	if !first {
		b = append(b, ',')
	}
	return jsonw.OpenObj(b, "")
}

// resources writes resources: CloudTrail's own list when it has one (it
// then reports true), else the bucket, object and access point of the
// request.
func (e *Encoder) resources(b []byte, u *record.Record) (_ []byte, fromCloudTrail bool) {
	start := len(b)
	b = append(b, `,"resources":[`...)
	count := 0
	var o jsonw.ObjMark
	if u.CloudTrail != nil && u.CloudTrail.Resources != nil && u.CloudTrail.Resources.Type() == jsondom.Array {
		for _, r := range u.CloudTrail.Resources.GetArray() {
			if r.Type() != jsondom.Object {
				continue
			}
			arn := jsondom.StringOf(r.Get("ARN"))
			if len(arn) == 0 {
				continue
			}
			typ := jsondom.StringOf(r.Get("type"))
			b, o = element(b, count == 0)
			count++
			b = e.str(b, `,"uid":`, arn)
			b = e.str(b, `,"name":`, s3ResourceName(typ, arn))
			b = e.str(b, `,"type":`, typ)
			if acct := jsondom.StringOf(r.Get("accountId")); len(acct) > 0 {
				var om jsonw.ObjMark
				b, om = jsonw.OpenObj(b, `,"owner":`)
				b = e.account(b, `,"account":`, acct)
				b = jsonw.CloseObj(b, om)
			}
			b = jsonw.CloseObj(b, o)
		}
	}
	fromCloudTrail = count > 0
	if count == 0 {
		partition := partitionOf(e.Lower(u.Region), u.Principal.Partition)
		bucket := text.Present(u.Bucket.Name)
		if len(bucket) > 0 {
			b, o = element(b, count == 0)
			count++
			b = append(b, `,"uid":`...)
			b = e.s3ARN(b, partition, bucket, nil)
			b = e.str(b, `,"name":`, bucket)
			b = jsonw.ConstField(b, `,"type":`, "AWS::S3::Bucket")
			b = jsonw.ConstField(b, `,"cloud_partition":`, partition)
			if len(text.Present(u.Bucket.Owner)) > 0 {
				var om jsonw.ObjMark
				b, om = jsonw.OpenObj(b, `,"owner":`)
				b = e.str(b, `,"uid":`, u.Bucket.Owner)
				b = jsonw.CloseObj(b, om)
			}
			b = jsonw.CloseObj(b, o)
		}
		key := text.Present(u.Object.Key)
		if u.Object.KeyEncoded {
			key, _ = e.ObjectKey(&record.Object{Key: key, KeyEncoded: true})
		}
		if len(key) > 0 {
			b, o = element(b, count == 0)
			count++
			if len(bucket) > 0 {
				b = append(b, `,"uid":`...)
				b = e.s3ARN(b, partition, bucket, key)
			}
			b = e.str(b, `,"name":`, key)
			b = jsonw.ConstField(b, `,"type":`, "AWS::S3::Object")
			b = jsonw.ConstField(b, `,"cloud_partition":`, partition)
			b = e.str(b, `,"version":`, u.Object.VersionID)
			b = jsonw.CloseObj(b, o)
		}
		if ap := text.Present(u.Request.AccessPointARN); len(ap) > 0 {
			b, o = element(b, count == 0)
			count++
			b = e.str(b, `,"uid":`, ap)
			b = jsonw.ConstField(b, `,"type":`, "AWS::S3::AccessPoint")
			b = jsonw.CloseObj(b, o)
		}
	}
	if count == 0 {
		return b[:start], false
	}
	return append(b, ']'), fromCloudTrail
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

// unmapped writes what the event has no attribute for, keyed and nested
// as in the unified record.
func (e *Encoder) unmapped(b []byte, u *record.Record, urlWritten, methodWritten, ctResources bool) []byte {
	b, o := jsonw.OpenObj(b, `,"unmapped":`)
	if len(u.Region) > 0 {
		b = jsonw.ConstField(b, `,"region_source":`, u.RegionSource)
	}
	b = jsonw.BoolField(b, `,"read_only":`, u.ReadOnly)

	b, om := jsonw.OpenObj(b, `,"object":`)
	if ctResources {
		b = e.str(b, `,"version_id":`, u.Object.VersionID) // derived resources carry it as version
	}
	b = jsonw.IntField(b, `,"size":`, u.Object.Size)
	b = jsonw.CloseObj(b, om)

	if u.HasPrincipal {
		p := &u.Principal
		use := &e.use
		var pm jsonw.ObjMark
		b, pm = jsonw.OpenObj(b, `,"principal":`)
		if use.typeMapped {
			b = jsonw.ConstField(b, `,"type":`, p.Type)
		}
		b = e.str(b, `,"partition":`, p.Partition)
		if !use.principalID {
			b = e.str(b, `,"principal_id":`, p.PrincipalID)
		}
		if use.name != "role_name" {
			b = e.str(b, `,"role_name":`, p.RoleName)
		}
		if use.name != "session_name" {
			b = e.str(b, `,"session_name":`, p.SessionName)
		}
		if use.name != "user_name" {
			b = e.str(b, `,"user_name":`, p.UserName)
		}
		if !use.canonicalID {
			b = e.str(b, `,"canonical_id":`, p.CanonicalID)
		}
		if !use.service {
			b = e.str(b, `,"service":`, p.Service)
		}
		b = jsonw.BoolField(b, `,"authenticated":`, p.Authenticated)
		b = jsonw.CloseObj(b, pm)
	}

	b, rm := jsonw.OpenObj(b, `,"request":`)
	b = e.str(b, `,"host_id":`, u.Request.HostID)
	if !methodWritten {
		b = e.str(b, `,"method":`, u.Request.Method)
	}
	if !urlWritten {
		b = e.str(b, `,"uri":`, u.Request.URI)
	}
	// The access point is a resource; OCSF has no slot for the region a
	// request came from (cloud.region is the bucket's).
	b = unified.RequestDetails(b, e.Mode()&^redact.ModePlain, &u.Request, false)
	b = jsonw.CloseObj(b, rm)

	if c := u.CloudTrail; c != nil {
		var cm jsonw.ObjMark
		b, cm = jsonw.OpenObj(b, `,"cloudtrail":`)
		b = e.str(b, `,"event_type":`, c.EventType)
		b = jsonw.BoolField(b, `,"management_event":`, c.ManagementEvent)
		if !bytes.Equal(c.RecipientAccountID, u.AccountID) {
			b = e.str(b, `,"recipient_account_id":`, c.RecipientAccountID)
		}
		b = e.str(b, `,"shared_event_id":`, c.SharedEventID)
		b = e.JSONField(b, `,"request_parameters":`, c.RequestParameters)
		b = e.JSONField(b, `,"response_elements":`, c.ResponseElements)
		b = e.JSONField(b, `,"additional_event_data":`, c.AdditionalEventData)
		if !ctResources {
			b = e.JSONField(b, `,"resources":`, c.Resources)
		}
		b = e.JSONField(b, `,"tls_details":`, c.TLSDetails)
		b = e.JSONField(b, `,"session_credential_from_console":`, c.SessionCredentialFromConsole)
		b = jsonw.CloseObj(b, cm)
	}

	b = e.Extra(b, `,"extra":`, redact.ModeEscape|e.RawMode(), u)
	return jsonw.CloseObj(b, o)
}

// RetainedBytes is the capacity of the scratch space the Encoder keeps
// from one record to the next.
func (e *Encoder) RetainedBytes() int {
	return e.Writer.RetainedBytes() + cap(e.composed)
}
