package normalize

import (
	"bytes"
	"errors"
	"time"

	"github.com/awsaudit/awsaudit/normalize/enrich"
	"github.com/awsaudit/awsaudit/normalize/jsondom"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/lineindex"
	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// defaultStreamKeep bounds a document whose envelope array
// ({"Records":[...]}, logEvents) is parsed whole, as every other document
// is. Past it the document is parsed twice: once to check it, dropping
// each envelope element once parsed, then element by element while each
// is normalized, so the parse holds one element at a time however big the
// document (a delivered log file tail'ed as one line can have tens of MB).
const defaultStreamKeep = 1 << 20

// envelopeArrays are the top-level arrays of the envelopes that fan out.
var envelopeArrays = []string{"Records", "logEvents"}

// normalizeJSON handles a CloudTrail-family document: one record, a
// delivered log file {"Records":[...]}, an EventBridge event, or a
// CloudWatch Logs subscription message.
func (n *Normalizer) normalizeJSON(input []byte, recordRegion []byte, emit func(*Output)) {
	plain := bytes.IndexByte(input, '\\') < 0
	var docIndex *lineindex.Index
	n.outer.Stream(nil, 0)
	if len(input) > n.streamKeep {
		// No index either: it would take 3/4 of the input's size, and the
		// elements' normalization rebuilds n.index during the second parse.
		n.outer.Stream(envelopeArrays, n.streamKeep)
	} else if plain {
		n.index.Build(input)
		docIndex = &n.index
	}
	doc, err := n.outer.Parse(input, docIndex, plain)
	if err != nil {
		n.emitReject(record.Reject(SourceCloudTrail, "invalid JSON: %s", n.redactString(err.Error())), SourceCloudTrail, input, emit)
		return
	}
	if doc.Type() != jsondom.Object {
		n.emitReject(record.Reject(SourceCloudTrail, "want a JSON object, got %s", doc.Type()), SourceCloudTrail, input, emit)
		return
	}
	obj := doc
	switch {
	case obj.Get("Records") != nil:
		records := obj.Get("Records")
		if records.Type() != jsondom.Array {
			n.emitReject(record.Reject(SourceCloudTrail, "Records: want an array, got %s", records.Type()), SourceCloudTrail, input, emit)
			return
		}
		for _, rec := range n.outer.ArrayItems(records, &err) {
			n.normalizeElement(rec, recordRegion, emit)
		}
		n.rejectReparse(err, input, emit)
	case obj.Get("detail-type") != nil && obj.Get("detail") != nil:
		detail := obj.Get("detail")
		if detail.Type() != jsondom.Object || !looksLikeCloudTrail(detail) {
			n.emitReject(record.Reject(SourceCloudTrail, "EventBridge event %q does not carry a CloudTrail record in detail",
				obj.Get("detail-type").GetStringBytes()), SourceCloudTrail, input, emit)
			return
		}
		n.normalizeRecord(detail, n.elementInput(detail), nil, recordRegion, emit)
	case obj.Get("messageType") != nil && obj.Get("logEvents") != nil:
		n.normalizeSubscription(doc, input, recordRegion, emit)
	case !looksLikeCloudTrail(obj) && isDigestFile(obj):
		// A digest file signs the log files delivered beside it: no API
		// call in it, nothing to normalize and nothing wrong with it.
		n.stats.DigestFiles++
	default:
		if n.outer.Partial() {
			// A record with a huge array named like an envelope's: it is
			// mapped whole, so parse it whole.
			n.outer.Stream(nil, 0)
			if doc, err = n.outer.Parse(input, nil, plain); err != nil {
				n.rejectReparse(err, input, emit)
				return
			}
		}
		n.normalizeRecord(doc, input, docIndex, recordRegion, emit)
	}
}

// rejectReparse rejects input when parsing it again failed where the
// first parse had not (never expected: both read the same bytes alike).
func (n *Normalizer) rejectReparse(err error, input []byte, emit func(*Output)) {
	if err != nil {
		n.emitReject(record.Reject(SourceCloudTrail, "invalid JSON: %s", n.redactString(err.Error())), SourceCloudTrail, input, emit)
	}
}

// elementInput re-serializes an element of an envelope so a dead letter or
// raw copy holds that element alone, not the whole envelope.
func (n *Normalizer) elementInput(v *jsondom.Value) []byte {
	n.inner = v.MarshalTo(n.inner[:0])
	return n.inner
}

func (n *Normalizer) normalizeElement(rec *jsondom.Value, recordRegion []byte, emit func(*Output)) {
	input := n.elementInput(rec)
	if rec.Type() != jsondom.Object {
		n.emitReject(record.Reject(SourceCloudTrail, "Records element: want an object, got %s", rec.Type()), SourceCloudTrail, input, emit)
		return
	}
	n.normalizeRecord(rec, input, nil, recordRegion, emit)
}

// normalizeSubscription fans out a CloudWatch Logs subscription payload
// (already gunzipped): every logEvents[].message is one CloudTrail record.
func (n *Normalizer) normalizeSubscription(doc *jsondom.Value, input, recordRegion []byte, emit func(*Output)) {
	switch mt := string(doc.GetStringBytes("messageType")); mt {
	case "CONTROL_MESSAGE":
		return // CloudWatch Logs' reachability check carries no records
	case "DATA_MESSAGE":
	default:
		n.emitReject(record.Reject(SourceCloudTrail, "CloudWatch Logs messageType %q is not DATA_MESSAGE", truncate([]byte(mt), 40)), SourceCloudTrail, input, emit)
		return
	}
	events := doc.Get("logEvents")
	if events.Type() != jsondom.Array {
		n.emitReject(record.Reject(SourceCloudTrail, "logEvents: want an array, got %s", events.Type()), SourceCloudTrail, input, emit)
		return
	}
	var reparseErr error
	for i, ev := range n.outer.ArrayItems(events, &reparseErr) {
		msg := ev.Get("message")
		if msg == nil || msg.Type() != jsondom.String {
			n.emitReject(record.Reject(SourceCloudTrail, "logEvents[%d].message: want a string", i), SourceCloudTrail, n.elementInput(ev), emit)
			continue
		}
		text := msg.GetStringBytes()
		textIndex := n.indexIfPlain(text)
		rec, err := n.elem.Parse(text, textIndex, textIndex != nil)
		if err != nil {
			n.emitReject(record.Reject(SourceCloudTrail, "logEvents[%d].message: invalid JSON: %s", i, n.redactString(err.Error())), SourceCloudTrail, text, emit)
			continue
		}
		if rec.Type() != jsondom.Object {
			n.emitReject(record.Reject(SourceCloudTrail, "logEvents[%d].message: want an object, got %s", i, rec.Type()), SourceCloudTrail, text, emit)
			continue
		}
		n.normalizeRecord(rec, text, textIndex, recordRegion, emit)
	}
	n.rejectReparse(reparseErr, input, emit)
}

// indexIfPlain returns n.index built over text when text holds no
// backslash, or nil. The index is valid until the next call.
func (n *Normalizer) indexIfPlain(text []byte) *lineindex.Index {
	if bytes.IndexByte(text, '\\') >= 0 {
		return nil
	}
	n.index.Build(text)
	return &n.index
}

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

// isDigestFile recognizes a CloudTrail digest file by the keys that only
// digest files have.
func isDigestFile(v *jsondom.Value) bool {
	return v.Get("digestStartTime") != nil &&
		(v.Get("digestPublicKeyFingerprint") != nil || v.Get("digestSignatureAlgorithm") != nil || v.Get("logFiles") != nil)
}

// looksLikeCloudTrail is true for an object carrying CloudTrail's own keys.
func looksLikeCloudTrail(v *jsondom.Value) bool {
	return v.Get("eventVersion") != nil || v.Get("eventName") != nil
}

// normalizeRecord maps one record parsed from input; x is input's index
// when the caller built one (input then holds no backslash), else nil.
func (n *Normalizer) normalizeRecord(rec *jsondom.Value, input []byte, x *lineindex.Index, recordRegion []byte, emit func(*Output)) {
	u := n.resetUnified(SourceCloudTrail, input)
	n.redactStrings, n.redactLevels = n.opts.Redact, n.opts.Redact
	if x == nil {
		x = n.indexIfPlain(input)
	}
	if x != nil && !n.noShortcuts {
		// Without a backslash, every string (and key) of the record is
		// spelled in input exactly as it decodes, so one look at input
		// tells whether any string needs escaping or may hold a secret
		// parameter (JSON text inside a string would need escaped quotes,
		// or percent-encoded ones, which redact.NeedsLevels finds). Values of
		// secret keys are masked whatever this finds (see appendValueDepth).
		n.plainInput = !lineindex.AnySet(x.Unsafe)
		if n.redactStrings {
			if n.redactLevels = redact.HasShapingEscape(input); n.redactLevels {
				n.redactStrings = redact.HasSecret(input, true)
			} else {
				n.redactStrings = redact.IndexMayHoldSecretParam(x, input)
			}
		}
	}
	var err error
	if looksLikeCWAccessLog(rec) {
		err = n.mapCWAccessLog(rec, u)
	} else {
		err = n.mapCloudTrail(rec, u)
	}
	if err != nil {
		n.emitReject(err, u.Source, input, emit)
		return
	}
	n.regions.Settle(u, recordRegion)
	n.emitRecord(u, input, emit)
}

// ctError collects the first type error while visiting a record.
type ctMapper struct {
	n   *Normalizer
	u   *record.Record
	err error
}

// str returns a string field's bytes; null and absent give nil; any other
// type is an error naming the key, so a malformed record is dead-lettered
// with a reason instead of being half-mapped.
func (m *ctMapper) str(key string, v *jsondom.Value) []byte {
	if v == nil {
		return nil
	}
	switch v.Type() {
	case jsondom.String:
		return v.GetStringBytes()
	case jsondom.Null:
		return nil
	}
	if m.err == nil {
		m.err = record.Reject(SourceCloudTrail, "%s: want a string, got %s", key, v.Type())
	}
	return nil
}

func (m *ctMapper) boolean(key string, v *jsondom.Value) Bool {
	if v == nil {
		return record.BoolUnset
	}
	switch v.Type() {
	case jsondom.True:
		return record.BoolTrue
	case jsondom.False:
		return record.BoolFalse
	case jsondom.Null:
		return record.BoolUnset
	case jsondom.String:
		// Some producers write CloudTrail booleans as strings.
		switch s := v.GetStringBytes(); {
		case bytes.EqualFold(s, []byte("true")):
			return record.BoolTrue
		case bytes.EqualFold(s, []byte("false")):
			return record.BoolFalse
		}
	}
	if m.err == nil {
		m.err = record.Reject(SourceCloudTrail, "%s: want a boolean, got %s", key, v.Type())
	}
	return record.BoolUnset
}

// typed returns v when it has type want, nil for null or absent, and
// records a type error otherwise (the contract fixes these types).
func (m *ctMapper) typed(key string, v *jsondom.Value, want jsondom.Type) *jsondom.Value {
	if v == nil || v.Type() == jsondom.Null {
		return nil
	}
	if v.Type() != want {
		if m.err == nil {
			m.err = record.Reject(SourceCloudTrail, "%s: want %s, got %s", key, want, v.Type())
		}
		return nil
	}
	return v
}

// copied returns v when it is an object, array or scalar worth copying;
// null gives nil.
func copied(v *jsondom.Value) *jsondom.Value {
	if v == nil || v.Type() == jsondom.Null {
		return nil
	}
	return v
}

// mapCloudTrail fills u from one CloudTrail record.
func (n *Normalizer) mapCloudTrail(rec *jsondom.Value, u *record.Record) error {
	if !looksLikeCloudTrail(rec) {
		return record.Reject(SourceCloudTrail, "not a CloudTrail record: no eventVersion or eventName")
	}
	n.ct.Reset()
	ct := &n.ct
	u.CloudTrail = ct
	m := ctMapper{n: n, u: u}
	var eventTime, fallbackTime []byte
	var userIdentity, additional *jsondom.Value
	var requestParams, responseElems *jsondom.Value
	var errorCode, errorMessage []byte
	readOnly := record.BoolUnset

	for key, v := range n.seen.Unique(rec) {
		switch string(key) {
		case "eventVersion":
			ct.EventVersion = m.str("eventVersion", v)
		case "userIdentity":
			userIdentity = v
		case "eventTime":
			eventTime = m.str("eventTime", v)
		case "eventSource":
			u.Service = m.str("eventSource", v)
		case "eventName":
			u.Operation = m.str("eventName", v)
		case "awsRegion":
			u.Region = m.str("awsRegion", v)
			ct.AWSRegion = v
		case "sourceIPAddress":
			u.Client.IP = m.str("sourceIPAddress", v)
		case "userAgent":
			u.Client.UserAgent = m.str("userAgent", v)
		case "errorCode":
			errorCode = m.str("errorCode", v)
		case "errorMessage":
			errorMessage = m.str("errorMessage", v)
		case "requestParameters":
			requestParams = v
			ct.RequestParameters = copied(v)
		case "responseElements":
			responseElems = v
			ct.ResponseElements = copied(v)
		case "additionalEventData":
			additional = v
			ct.AdditionalEventData = copied(v)
		case "requestID":
			u.Request.ID = m.str("requestID", v)
		case "eventID":
			ct.EventID = m.str("eventID", v)
		case "readOnly":
			readOnly = m.boolean("readOnly", v)
		case "resources":
			ct.Resources = m.typed("resources", v, jsondom.Array)
		case "eventType":
			ct.EventType = m.str("eventType", v)
		case "managementEvent":
			ct.ManagementEvent = m.boolean("managementEvent", v)
		case "recipientAccountId":
			ct.RecipientAccountID = m.str("recipientAccountId", v)
		case "sharedEventID":
			ct.SharedEventID = m.str("sharedEventID", v)
		case "vpcEndpointId":
			u.Request.VPCEndpointID = m.str("vpcEndpointId", v)
		case "eventCategory":
			ct.EventCategory = m.str("eventCategory", v)
		case "tlsDetails":
			ct.TLSDetails = m.typed("tlsDetails", v, jsondom.Object)
		case "sessionCredentialFromConsole":
			// CloudTrail writes it as the string "true"; a boolean is kept too.
			if v.Type() == jsondom.True || v.Type() == jsondom.False {
				ct.SessionCredentialFromConsole = v
			} else {
				ct.SessionCredentialFromConsole = m.typed("sessionCredentialFromConsole", v, jsondom.String)
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
	if m.err != nil {
		return m.err
	}

	var err error
	switch {
	case len(eventTime) > 0:
		if u.Time, err = n.cloudTrailTime(eventTime, "eventTime"); err != nil {
			return err
		}
	case len(fallbackTime) > 0:
		if u.Time, err = n.cloudTrailTime(fallbackTime, "@timestamp"); err != nil {
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
			u.Service = m.str("insightDetails.eventSource", details.Get("eventSource"))
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
		u.Bucket.Name = m.str("requestParameters.bucketName", v[0])
		u.Object.Key = m.str("requestParameters.key", v[1])
		u.Object.VersionID = m.str("requestParameters.versionId", v[2])
		u.Request.Host = hostWithoutPort(m.str("requestParameters.Host", v[3]))
	}
	if len(u.Object.VersionID) == 0 && responseElems != nil && responseElems.Type() == jsondom.Object {
		u.Object.VersionID = m.str("responseElements.x-amz-version-id", responseElems.Get("x-amz-version-id"))
	}
	if additional != nil && additional.Type() == jsondom.Object {
		var v [5]*jsondom.Value
		firstValues(additional, []string{"x-amz-id-2", "SignatureVersion", "AuthenticationMethod", "CipherSuite", "bytesTransferredOut"}, v[:])
		u.Request.HostID = m.str("additionalEventData.x-amz-id-2", v[0])
		u.Request.SignatureVersion = m.str("additionalEventData.SignatureVersion", v[1])
		u.Request.AuthType = m.str("additionalEventData.AuthenticationMethod", v[2])
		u.Request.CipherSuite = m.str("additionalEventData.CipherSuite", v[3])
		u.Request.BytesSent = wholeNumber(v[4])
	}
	if ct.TLSDetails != nil && ct.TLSDetails.Type() == jsondom.Object {
		var v [2]*jsondom.Value
		firstValues(ct.TLSDetails, []string{"tlsVersion", "cipherSuite"}, v[:])
		u.Request.TLSVersion = m.str("tlsDetails.tlsVersion", v[0])
		if len(u.Request.CipherSuite) == 0 {
			u.Request.CipherSuite = m.str("tlsDetails.cipherSuite", v[1])
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
		n.mapUserIdentity(&m, userIdentity, u)
	} else if userIdentity != nil && userIdentity.Type() != jsondom.Null {
		return record.Reject(SourceCloudTrail, "userIdentity: want an object, got %s", userIdentity.Type())
	}
	return m.err
}

// principalTypes maps CloudTrail userIdentity.type onto the contract's set.
var principalTypes = map[string]string{
	"Root": record.PrincipalRoot, "IAMUser": record.PrincipalIAMUser, "AssumedRole": record.PrincipalAssumedRole,
	"Role": record.PrincipalAssumedRole, "FederatedUser": record.PrincipalFederatedUser, "AWSAccount": record.PrincipalAWSAccount,
	"AWSService": record.PrincipalAWSService, "IdentityCenterUser": record.PrincipalIdentityCenterUser,
	"WebIdentityUser": record.PrincipalWebIdentityUser, "SAMLUser": record.PrincipalSAMLUser, "Unknown": record.PrincipalUnknown,
}

func (n *Normalizer) mapUserIdentity(m *ctMapper, ui *jsondom.Value, u *record.Record) {
	p := &u.Principal
	u.HasPrincipal = true
	var typ, arn []byte
	for key, v := range n.seen.Unique(ui) {
		switch string(key) {
		case "type":
			typ = m.str("userIdentity.type", v)
		case "principalId":
			p.PrincipalID = m.str("userIdentity.principalId", v)
		case "arn":
			arn = m.str("userIdentity.arn", v)
		case "accountId":
			p.AccountID = m.str("userIdentity.accountId", v)
		case "accessKeyId":
			p.AccessKeyID = m.str("userIdentity.accessKeyId", v)
		case "userName":
			p.UserName = m.str("userIdentity.userName", v)
		case "invokedBy":
			u.Client.InvokedBy = m.str("userIdentity.invokedBy", v)
		default:
			// sessionContext, identityProvider, onBehalfOf...: partly mapped
			// below, kept whole in extra so detections can use the rest.
			n.ct.UserIdentityExtra = append(n.ct.UserIdentityExtra, record.Member{Key: key, Value: v})
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
			p.MFAAuthenticated = m.boolean("userIdentity.sessionContext.attributes.mfaAuthenticated", mfa)
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
		*p = Principal{Type: record.PrincipalAnonymous, Authenticated: record.BoolFalse}
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
		case isDigit(c):
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

// wholeNumber reads a JSON number that holds an integer (CloudTrail writes
// byte counts as 1234.0).
func wholeNumber(v *jsondom.Value) jsonw.Int {
	if v == nil || v.Type() != jsondom.Number {
		return jsonw.Int{}
	}
	f, err := v.Float64()
	if err != nil || f < 0 || f > 1<<53 || f != float64(int64(f)) {
		return jsonw.Int{}
	}
	return jsonw.IntOf(int64(f))
}

// cloudTrailTime accepts RFC 3339 (CloudTrail's own form) and the
// "2006-01-02 15:04:05.999999999" form some exporters write, in UTC.
func (n *Normalizer) cloudTrailTime(b []byte, key string) ([]byte, error) {
	if isUTCRFC3339(b) {
		return b, nil
	}
	s := string(b)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse("2006-01-02 15:04:05.999999999", s)
	}
	if err == nil && (t.UTC().Year() < 0 || t.UTC().Year() > 9999) {
		err = errors.New("year out of range")
	}
	if err != nil {
		return nil, record.Reject(SourceCloudTrail, "%s: %q is not an RFC 3339 time", key, truncate(b, 40))
	}
	return t.UTC().AppendFormat(n.timeBuf[:0], time.RFC3339Nano), nil
}

// isUTCRFC3339 checks the shape 2006-01-02T15:04:05[.fff]Z without parsing.
func isUTCRFC3339(b []byte) bool {
	if len(b) < 20 || b[len(b)-1] != 'Z' {
		return false
	}
	const shape = "dddd-dd-ddTdd:dd:dd"
	for i := 0; i < len(shape); i++ {
		if shape[i] == 'd' {
			if !isDigit(b[i]) {
				return false
			}
		} else if b[i] != shape[i] {
			return false
		}
	}
	year, month, day, hour, minute, sec := rfc3339Clock(b)
	if !validDate(year, month, day) || hour > 23 || minute > 59 || sec > 59 {
		return false
	}
	frac := b[len(shape) : len(b)-1]
	if len(frac) == 0 {
		return true
	}
	if frac[0] != '.' || len(frac) == 1 {
		return false
	}
	for _, c := range frac[1:] {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// rfc3339Clock reads the date and time fields of b, whose digits
// isUTCRFC3339 has checked.
func rfc3339Clock(b []byte) (year, month, day, hour, minute, sec int) {
	year, _ = digits(b[0:4])
	month, _ = digits(b[5:7])
	day, _ = digits(b[8:10])
	hour, _ = digits(b[11:13])
	minute, _ = digits(b[14:16])
	sec, _ = digits(b[17:19])
	return year, month, day, hour, minute, sec
}

// maxReason bounds a parser message quoted in a reject reason: it may
// echo part of the input.
const maxReason = 200

func (n *Normalizer) redactString(s string) string {
	if len(s) > maxReason {
		s = s[:maxReason] + "..."
	}
	if !n.opts.Redact {
		return s
	}
	return string(redact.Append(nil, []byte(s)))
}

// validDate reports whether year-month-day is a real calendar date.
func validDate(year, month, day int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month]
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		days = 29
	}
	return day <= days
}
