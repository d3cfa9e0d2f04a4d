package normalize

// detect evaluates the rules on one mapped record. It runs after the
// region is settled and before encoding, reads only u, and allocates
// nothing except when access_denied_rate meets a new principal or IP.
func (n *Normalizer) detect(r *Rules, u *unified) alertSet {
	var s alertSet
	p := &u.principal
	on := r.enabled

	if on.has(AlertAnonymousAccess) && u.hasPrincipal && p.Authenticated == BoolFalse {
		s.add(AlertAnonymousAccess)
	}

	if len(u.errorCode) > 0 && (on.has(AlertAccessDenied) || on.has(AlertAccessDeniedRate)) {
		if _, denied := r.deniedCodes[string(u.errorCode)]; denied {
			if on.has(AlertAccessDenied) {
				s.add(AlertAccessDenied)
			}
			if r.rate != nil && n.denialRateExceeded(r.rate, u) {
				s.add(AlertAccessDeniedRate)
			}
		}
	}

	if on.has(AlertSlowRequest) && u.reqTurnaround.OK && u.reqTurnaround.V >= r.slowMS {
		s.add(AlertSlowRequest)
	}

	if len(r.buckets) > 0 && (on.has(AlertUnexpectedRequester) || on.has(AlertUnexpectedWrite)) {
		n.detectAllowList(r, u, &s)
	}

	if on.has(AlertPresignedURL) && isPresigned(u) {
		s.add(AlertPresignedURL)
	}

	if u.readOnly != BoolTrue && (on.has(AlertPublicExposureChange) || on.has(AlertAuditTampering)) {
		success := u.outcome != "failure"
		if on.has(AlertPublicExposureChange) && (success || r.publicFailures) && hasAction(r.publicActions, u) {
			s.add(AlertPublicExposureChange)
		}
		if on.has(AlertAuditTampering) && (success || r.tamperFailures) {
			if hasAction(r.tamperActions, u) ||
				(r.bucketLogging && actionIs(u, "PutBucketLogging") && loggingTurnedOff(u)) {
				s.add(AlertAuditTampering)
			}
		}
	}
	return s
}

// actionIs reports whether the record's action (the mapped access-log
// action, else CloudTrail's eventName) is name.
func actionIs(u *unified, name string) bool {
	if u.action != "" {
		return u.action == name
	}
	return string(u.actionFromInput) == name
}

// hasAction reports whether the record's action is in set.
func hasAction(set map[string]struct{}, u *unified) bool {
	if len(set) == 0 {
		return false
	}
	if u.action != "" {
		_, ok := set[u.action]
		return ok
	}
	if len(u.actionFromInput) == 0 {
		return false
	}
	_, ok := set[string(u.actionFromInput)]
	return ok
}

// isPresigned: authenticated by query string, or (older access logs
// without the authentication-type field) a Request-URI carrying a
// signature parameter.
func isPresigned(u *unified) bool {
	if len(u.reqAuthType) > 0 && !(len(u.reqAuthType) == 1 && u.reqAuthType[0] == '-') {
		return asciiFoldEqual(u.reqAuthType, "querystring")
	}
	return uriHasQueryParam(u.reqURI, "X-Amz-Signature") || uriHasQueryParam(u.reqURI, "Signature")
}

// loggingTurnedOff reports whether a PutBucketLogging leaves the bucket
// without a log target. CloudTrail logs the request body; access logs do
// not, so there it cannot be told and counts as turned off.
func loggingTurnedOff(u *unified) bool {
	if u.ct == nil {
		return true
	}
	rp := u.ct.requestParameters
	if rp == nil || rp.Type() != jsonObject {
		return true
	}
	target := rp.Get("BucketLoggingStatus", "LoggingEnabled", "TargetBucket")
	return target == nil || target.Type() != jsonString || len(target.GetStringBytes()) == 0
}

// denialRateExceeded counts this denial for the principal and the IP.
func (n *Normalizer) denialRateExceeded(w *rateWindow, u *unified) bool {
	t, ok := epochMillis(u.time)
	if !ok {
		t = n.now().UnixMilli()
	}
	exceeded := false
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.byPrincipal {
		if id := principalKey(u); len(id) > 0 && w.hit(w.key(rateKeyPrincipal, id), t) {
			exceeded = true
		}
	}
	if w.byIP && len(u.clientIP) > 0 && w.hit(w.key(rateKeyIP, u.clientIP), t) {
		exceeded = true
	}
	return exceeded
}

// principalKey names the requester for counting: its ARN, else its
// principal id, canonical id or access key id; nil for anonymous.
func principalKey(u *unified) []byte {
	if !u.hasPrincipal {
		return nil
	}
	p := &u.principal
	for _, id := range [...][]byte{p.ARN, p.PrincipalID, p.CanonicalID, p.AccessKeyID, p.Service} {
		if len(id) > 0 {
			return id
		}
	}
	return nil
}

// detectAllowList applies the first bucket entry that matches.
func (n *Normalizer) detectAllowList(r *Rules, u *unified, s *alertSet) {
	name := u.bucketName
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
	n.detectRoleARN = n.detectRoleARN[:0]
	// Writers are expected requesters too.
	requester := n.matchesAny(b.requesters, u)
	writer, writerKnown := requester, !b.writersSet
	if !requester && b.writersSet {
		writer, writerKnown = n.matchesAny(b.writers, u), true
		requester = writer
	}
	if r.enabled.has(AlertUnexpectedRequester) && (!requester || b.sourceRegions != nil &&
		len(u.reqSourceRegion) > 0 && !matchesRegion(b.sourceRegions, n.lower(u.reqSourceRegion))) {
		s.add(AlertUnexpectedRequester)
	}
	if !r.enabled.has(AlertUnexpectedWrite) || u.readOnly != BoolFalse {
		return
	}
	if r.writeActions != nil && !hasAction(r.writeActions, u) {
		return
	}
	if !writerKnown {
		writer = n.matchesAny(b.writers, u)
	}
	if !writer {
		s.add(AlertUnexpectedWrite)
	}
}

func (n *Normalizer) matchesAny(patterns []principalPattern, u *unified) bool {
	for i := range patterns {
		if n.matchPrincipal(&patterns[i], u) {
			return true
		}
	}
	return false
}

func (n *Normalizer) matchPrincipal(pp *principalPattern, u *unified) bool {
	if !u.hasPrincipal {
		return false
	}
	p := &u.principal
	switch pp.kind {
	case patternAnonymous:
		return p.Authenticated == BoolFalse
	case patternARN:
		if len(p.ARN) > 0 && globMatch(pp.glob, p.ARN, false) {
			return true
		}
		if len(n.detectRoleARN) == 0 {
			n.detectRoleARN = p.AppendRoleARN(n.detectRoleARN[:0])
		}
		return len(n.detectRoleARN) > 0 && globMatch(pp.glob, n.detectRoleARN, false)
	case patternRole:
		return len(p.RoleName) > 0 && globMatch(pp.glob, p.RoleName, true)
	case patternUser:
		return len(p.UserName) > 0 && globMatch(pp.glob, p.UserName, true)
	case patternAccount:
		return len(p.AccountID) > 0 && globMatch(pp.glob, p.AccountID, false)
	case patternService:
		return (len(p.Service) > 0 && globMatch(pp.glob, p.Service, true)) ||
			(len(u.invokedBy) > 0 && globMatch(pp.glob, u.invokedBy, true))
	case patternCanonical:
		return len(p.CanonicalID) > 0 && globMatch(pp.glob, p.CanonicalID, true)
	}
	return false
}

// epochMillis reads the record's time (RFC 3339 UTC, the shape both
// sources are normalized to) as milliseconds since the Unix epoch.
func epochMillis(b []byte) (int64, bool) {
	if !isUTCRFC3339(b) {
		return 0, false
	}
	year, month, day, hour, minute, sec := rfc3339Clock(b)
	ms := 0
	if frac := b[19 : len(b)-1]; len(frac) > 1 {
		for i, scale := 1, 100; i < len(frac) && i <= 3; i, scale = i+1, scale/10 {
			ms += int(frac[i]-'0') * scale
		}
	}
	days := daysFromCivil(year, month, day)
	return ((days*24+int64(hour))*60+int64(minute))*60000 + int64(sec)*1000 + int64(ms), true
}

// daysFromCivil counts days from 1970-01-01 to y-m-d in the proleptic
// Gregorian calendar (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
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
