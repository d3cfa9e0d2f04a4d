package enrich

import (
	"bytes"

	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/record"
)

// s3ServicePrincipal is the service S3 logs as "AmazonS3" (replication,
// inventory, lifecycle acting on its own). Its capacity equals its length
// so that a caller's append copies instead of writing into the shared array.
var s3ServicePrincipal = []byte("s3.amazonaws.com")[:len("s3.amazonaws.com"):len("s3.amazonaws.com")]

// serviceAccounts are the words AWS writes in an IAM ARN's account field
// for identities of its own services, with the service's principal. Like
// s3ServicePrincipal, each has its length as capacity.
var serviceAccounts = map[string][]byte{
	"cloudfront": []byte("cloudfront.amazonaws.com")[:len("cloudfront.amazonaws.com"):len("cloudfront.amazonaws.com")],
}

// minCanonicalIDLen is the shortest all-hex requester taken for a canonical
// user id: 64 hex is today's form, 32 an old one, CloudFront logs 96.
const minCanonicalIDLen = 32

// ParseRequester fills p from an access-log Requester field (field 5).
// It sets what it derives and clears nothing, so p should start zero.
// Every slice it stores aliases s, except a Service of AmazonS3 or of
// serviceAccounts, which are constants.
func ParseRequester(s []byte, p *record.Principal) {
	switch {
	case len(s) == 0 || (len(s) == 1 && s[0] == '-'):
		p.Type = record.PrincipalAnonymous
		p.Authenticated = record.BoolFalse
		return
	case ParseARN(s, p):
	case bytes.HasPrefix(s, []byte("svc:")):
		p.Type = record.PrincipalAWSService
		p.Service = s[len("svc:"):]
	case string(s) == "AmazonS3":
		p.Type = record.PrincipalAWSService
		p.Service = s3ServicePrincipal
	case isCanonicalUserID(s):
		p.Type = record.PrincipalCanonicalUser
		p.CanonicalID = s
	case isServicePrincipal(s):
		p.Type = record.PrincipalAWSService
		p.Service = s
	default:
		p.Type = record.PrincipalUnknown
		p.PrincipalID = s
	}
	if p.Type == "" {
		// An ARN that names no principal kind we know (a bare role ARN).
		p.Type = record.PrincipalUnknown
	}
	p.Authenticated = record.BoolTrue
}

// ParseARN fills p's ARN-derived fields (ARN, Partition, AccountID, Type when derivable,
// UserName, RoleName, SessionName, Service) from an IAM/STS ARN. It returns false when s is
// not an ARN. It never overwrites a field that is already set except Type when Type is "".
//
// No IAM or STS ARN names a service principal, so Service is never set here.
// ARNs of other services (arn:aws:s3:::bucket) fill ARN, Partition and
// AccountID only.
func ParseARN(s []byte, p *record.Principal) bool {
	// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE; the resource may hold ':'.
	rest, ok := cutARNPrefix(s)
	if !ok {
		return false
	}
	partition, rest, ok := cutField(rest, ':')
	if !ok || len(partition) == 0 {
		return false
	}
	service, rest, ok := cutField(rest, ':')
	if !ok || len(service) == 0 {
		return false
	}
	_, rest, ok = cutField(rest, ':') // region: empty for IAM and STS
	if !ok {
		return false
	}
	account, resource, ok := cutField(rest, ':')
	if !ok || len(resource) == 0 {
		return false
	}

	setIfEmpty(&p.ARN, s)
	setIfEmpty(&p.Partition, partition)
	if svc := serviceAccounts[string(account)]; svc != nil && string(service) == "iam" {
		// An identity a service keeps under its own name instead of an
		// account (arn:aws:iam::cloudfront:user/CloudFront Origin Access
		// Identity E2...): the service is the requester, on its own.
		setTypeIfEmpty(p, record.PrincipalAWSService)
		setIfEmpty(&p.Service, svc)
		if kind, path, _ := cutField(resource, '/'); string(kind) == "user" {
			setIfEmpty(&p.UserName, lastPathSegment(path))
		}
		return true
	}
	setIfEmpty(&p.AccountID, account)

	switch string(service) {
	case "iam":
		parseIAMResource(resource, p)
	case "sts":
		parseSTSResource(resource, p)
	}
	return true
}

// parseIAMResource reads root, user/PATH/NAME and role/PATH/NAME.
func parseIAMResource(resource []byte, p *record.Principal) {
	kind, path, _ := cutField(resource, '/')
	switch string(kind) {
	case "root":
		setTypeIfEmpty(p, record.PrincipalRoot)
	case "user":
		setTypeIfEmpty(p, record.PrincipalIAMUser)
		setIfEmpty(&p.UserName, lastPathSegment(path))
	case "role":
		// A role ARN (CloudTrail sessionIssuer) is no principal by itself:
		// the session using it is, so Type is left to the caller.
		setIfEmpty(&p.RoleName, lastPathSegment(path))
	}
}

// parseSTSResource reads assumed-role/ROLE/SESSION and
// federated-user/NAME. Assumed-role ARNs carry no role path, and session
// names cannot hold '/', so the first '/' after the role ends it. IAM
// Identity Center sessions are assumed roles too (AWSReservedSSO_...).
func parseSTSResource(resource []byte, p *record.Principal) {
	kind, name, _ := cutField(resource, '/')
	switch string(kind) {
	case "assumed-role":
		setTypeIfEmpty(p, record.PrincipalAssumedRole)
		role, session, _ := cutField(name, '/')
		setIfEmpty(&p.RoleName, role)
		setIfEmpty(&p.SessionName, session)
	case "federated-user":
		setTypeIfEmpty(p, record.PrincipalFederatedUser)
		setIfEmpty(&p.SessionName, name)
	}
}

// cutARNPrefix strips "arn:"; the prefix is lower case in every ARN.
func cutARNPrefix(s []byte) ([]byte, bool) {
	if len(s) < len("arn:") || string(s[:len("arn:")]) != "arn:" {
		return nil, false
	}
	return s[len("arn:"):], true
}

// cutField is bytes.Cut on a single byte.
func cutField(s []byte, sep byte) (before, after []byte, found bool) {
	if i := bytes.IndexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, nil, false
}

func lastPathSegment(path []byte) []byte {
	return path[bytes.LastIndexByte(path, '/')+1:]
}

func setIfEmpty(field *[]byte, v []byte) {
	if len(*field) == 0 && len(v) > 0 {
		*field = v
	}
}

func setTypeIfEmpty(p *record.Principal, typ string) {
	if p.Type == "" {
		p.Type = typ
	}
}

// isCanonicalUserID reports whether s is all hex and long enough to be a
// canonical user id.
func isCanonicalUserID(s []byte) bool {
	if len(s) < minCanonicalIDLen {
		return false
	}
	for _, c := range s {
		if !jsonw.IsHex(c) {
			return false
		}
	}
	return true
}

// isServicePrincipal reports whether s is a service principal name such as
// delivery.logs.amazonaws.com (or the China partition's .amazonaws.com.cn).
func isServicePrincipal(s []byte) bool {
	for _, suffix := range [...]string{".amazonaws.com", ".amazonaws.com.cn"} {
		if len(s) > len(suffix) && string(s[len(s)-len(suffix):]) == suffix {
			return true
		}
	}
	return false
}
