package detect

import (
	"time"

	"github.com/awsaudit/awsaudit/normalize/enrich"
	"github.com/awsaudit/awsaudit/normalize/internal/text"
	"github.com/awsaudit/awsaudit/normalize/jsondom"
	"github.com/awsaudit/awsaudit/normalize/record"
)

// Detector evaluates Rules on records, with scratch space of its own: give
// each goroutine its own (they share the Rules).
type Detector struct {
	Rules *Rules
	// Now is the clock for records without a time; nil is time.Now.
	Now func() time.Time

	roleARN []byte // the role ARN built for allow-list matching
	lowered []byte
}

func (d *Detector) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

// lower returns s in ASCII lower case, copying only when it has upper case.
func (d *Detector) lower(s []byte) []byte { return text.Lower(&d.lowered, s) }

// principalKey names the requester for counting; nil when the record has
// no principal or it is anonymous.
func principalKey(u *record.Record) []byte {
	if !u.HasPrincipal {
		return nil
	}
	return u.Principal.Key()
}

// Detect evaluates the rules on one mapped record. It runs after the
// region is settled and before encoding, reads only u, and allocates
// nothing except when access_denied_rate meets a new principal or IP.
func (d *Detector) Detect(u *record.Record) record.AlertSet {
	r := d.Rules
	if r == nil {
		return 0
	}
	var s record.AlertSet
	p := &u.Principal
	on := r.enabled

	if on.Has(record.AlertAnonymousAccess) && u.HasPrincipal && p.Authenticated == record.BoolFalse {
		s.Add(record.AlertAnonymousAccess)
	}

	if len(u.ErrorCode) > 0 && (on.Has(record.AlertAccessDenied) || on.Has(record.AlertAccessDeniedRate)) {
		if _, denied := r.deniedCodes[string(u.ErrorCode)]; denied {
			if on.Has(record.AlertAccessDenied) {
				s.Add(record.AlertAccessDenied)
			}
			if r.rate != nil && d.denialRateExceeded(r.rate, u) {
				s.Add(record.AlertAccessDeniedRate)
			}
		}
	}

	if on.Has(record.AlertSlowRequest) && u.Request.TurnaroundMS.OK && u.Request.TurnaroundMS.V >= r.slowMS {
		s.Add(record.AlertSlowRequest)
	}

	if len(r.buckets) > 0 && (on.Has(record.AlertUnexpectedRequester) || on.Has(record.AlertUnexpectedWrite)) {
		d.detectAllowList(r, u, &s)
	}

	if on.Has(record.AlertPresignedURL) && isPresigned(u) {
		s.Add(record.AlertPresignedURL)
	}

	if u.ReadOnly != record.BoolTrue && (on.Has(record.AlertPublicExposureChange) || on.Has(record.AlertAuditTampering)) {
		success := u.Outcome != "failure"
		if on.Has(record.AlertPublicExposureChange) && (success || r.publicFailures) && hasAction(r.publicActions, u) {
			s.Add(record.AlertPublicExposureChange)
		}
		if on.Has(record.AlertAuditTampering) && (success || r.tamperFailures) {
			if hasAction(r.tamperActions, u) ||
				(r.bucketLogging && actionIs(u, "PutBucketLogging") && loggingTurnedOff(u)) {
				s.Add(record.AlertAuditTampering)
			}
		}
	}
	return s
}

// actionIs reports whether the record's action (the mapped access-log
// action, else CloudTrail's eventName) is name.
func actionIs(u *record.Record, name string) bool {
	if u.Action != "" {
		return u.Action == name
	}
	return string(u.EventName) == name
}

// hasAction reports whether the record's action is in set.
func hasAction(set map[string]struct{}, u *record.Record) bool {
	if len(set) == 0 {
		return false
	}
	if u.Action != "" {
		_, ok := set[u.Action]
		return ok
	}
	if len(u.EventName) == 0 {
		return false
	}
	_, ok := set[string(u.EventName)]
	return ok
}

// isPresigned: authenticated by query string, or (older access logs
// without the authentication-type field) a Request-URI carrying a
// signature parameter.
func isPresigned(u *record.Record) bool {
	if len(u.Request.AuthType) > 0 && !(len(u.Request.AuthType) == 1 && u.Request.AuthType[0] == '-') {
		return text.FoldEqual(u.Request.AuthType, "querystring")
	}
	return enrich.URIHasQueryParam(u.Request.URI, "X-Amz-Signature") || enrich.URIHasQueryParam(u.Request.URI, "Signature")
}

// loggingTurnedOff reports whether a PutBucketLogging leaves the bucket
// without a log target. CloudTrail logs the request body; access logs do
// not, so there it cannot be told and counts as turned off.
func loggingTurnedOff(u *record.Record) bool {
	if u.CloudTrail == nil {
		return true
	}
	rp := u.CloudTrail.RequestParameters
	if rp == nil || rp.Type() != jsondom.Object {
		return true
	}
	target := rp.Get("BucketLoggingStatus", "LoggingEnabled", "TargetBucket")
	return target == nil || target.Type() != jsondom.String || len(target.GetStringBytes()) == 0
}

// denialRateExceeded counts this denial for the principal and the IP.
func (d *Detector) denialRateExceeded(w *rateWindow, u *record.Record) bool {
	t, ok := text.EpochMillis(u.Time)
	if !ok {
		t = d.now().UnixMilli()
	}
	exceeded := false
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.byPrincipal {
		if id := principalKey(u); len(id) > 0 && w.hit(w.key(rateKeyPrincipal, id), t) {
			exceeded = true
		}
	}
	if w.byIP && len(u.Client.IP) > 0 && w.hit(w.key(rateKeyIP, u.Client.IP), t) {
		exceeded = true
	}
	return exceeded
}

// detectAllowList applies the first bucket entry that matches.
func (d *Detector) detectAllowList(r *Rules, u *record.Record, s *record.AlertSet) {
	name := u.Bucket.Name
	if len(name) == 0 {
		return
	}
	var b *bucketRule
	for i := range r.buckets {
		if globMatch(r.buckets[i].name, name, false) {
			b = &r.buckets[i]
			break
		}
	}
	if b == nil {
		return
	}
	d.roleARN = d.roleARN[:0]
	// Writers are expected requesters too.
	requester := d.matchesAny(b.requesters, u)
	writer, writerKnown := requester, !b.writersSet
	if !requester && b.writersSet {
		writer, writerKnown = d.matchesAny(b.writers, u), true
		requester = writer
	}
	if r.enabled.Has(record.AlertUnexpectedRequester) && (!requester || b.sourceRegions != nil &&
		len(u.Request.SourceRegion) > 0 && !matchesRegion(b.sourceRegions, d.lower(u.Request.SourceRegion))) {
		s.Add(record.AlertUnexpectedRequester)
	}
	if !r.enabled.Has(record.AlertUnexpectedWrite) || u.ReadOnly != record.BoolFalse {
		return
	}
	if r.writeActions != nil && !hasAction(r.writeActions, u) {
		return
	}
	if !writerKnown {
		writer = d.matchesAny(b.writers, u)
	}
	if !writer {
		s.Add(record.AlertUnexpectedWrite)
	}
}

func (d *Detector) matchesAny(patterns []principalPattern, u *record.Record) bool {
	for i := range patterns {
		if d.matchPrincipal(&patterns[i], u) {
			return true
		}
	}
	return false
}

func (d *Detector) matchPrincipal(pp *principalPattern, u *record.Record) bool {
	if !u.HasPrincipal {
		return false
	}
	p := &u.Principal
	switch pp.kind {
	case patternAnonymous:
		return p.Authenticated == record.BoolFalse
	case patternARN:
		if len(p.ARN) > 0 && globMatch(pp.glob, p.ARN, false) {
			return true
		}
		if len(d.roleARN) == 0 {
			d.roleARN = p.AppendRoleARN(d.roleARN[:0])
		}
		return len(d.roleARN) > 0 && globMatch(pp.glob, d.roleARN, false)
	case patternRole:
		return len(p.RoleName) > 0 && globMatch(pp.glob, p.RoleName, true)
	case patternUser:
		return len(p.UserName) > 0 && globMatch(pp.glob, p.UserName, true)
	case patternAccount:
		return len(p.AccountID) > 0 && globMatch(pp.glob, p.AccountID, false)
	case patternService:
		return (len(p.Service) > 0 && globMatch(pp.glob, p.Service, true)) ||
			(len(u.Client.InvokedBy) > 0 && globMatch(pp.glob, u.Client.InvokedBy, true))
	case patternCanonical:
		return len(p.CanonicalID) > 0 && globMatch(pp.glob, p.CanonicalID, true)
	}
	return false
}

// matchesRegion reports whether region matches one of the globs.
func matchesRegion(globs []string, region []byte) bool {
	for _, g := range globs {
		if globMatch(g, region, false) {
			return true
		}
	}
	return false
}

// RetainedBytes is the capacity of the Detector's scratch space.
func (d *Detector) RetainedBytes() int { return cap(d.roleARN) + cap(d.lowered) }
