package normalize

import "github.com/awsaudit/awsaudit/normalize/jsonw"

// Bool is a JSON boolean that can also be absent.
type Bool = jsonw.Bool

const (
	BoolUnset = jsonw.BoolUnset
	BoolFalse = jsonw.BoolFalse
	BoolTrue  = jsonw.BoolTrue
)

// BoolOf turns a Go bool into a set Bool.
func BoolOf(v bool) Bool { return jsonw.BoolOf(v) }

// Principal types of the unified record (principal.type).
const (
	PrincipalAssumedRole        = "AssumedRole"
	PrincipalIAMUser            = "IAMUser"
	PrincipalRoot               = "Root"
	PrincipalFederatedUser      = "FederatedUser"
	PrincipalAWSService         = "AWSService"
	PrincipalAWSAccount         = "AWSAccount"
	PrincipalCanonicalUser      = "CanonicalUser"
	PrincipalIdentityCenterUser = "IdentityCenterUser"
	PrincipalWebIdentityUser    = "WebIdentityUser"
	PrincipalSAMLUser           = "SAMLUser"
	PrincipalAnonymous          = "Anonymous"
	PrincipalUnknown            = "Unknown"
)

// Principal is who made the request. Byte slices alias the input; an empty
// slice means absent.
type Principal struct {
	Type        string
	ARN         []byte
	Partition   []byte
	AccountID   []byte
	PrincipalID []byte
	UserName    []byte
	RoleName    []byte
	SessionName []byte
	// RoleARN is the role ARN as logged (CloudTrail sessionIssuer.arn). When
	// it is empty but RoleName, Partition and AccountID are set, the encoder
	// builds arn:PARTITION:iam::ACCOUNT:role/ROLENAME (see AppendRoleARN).
	RoleARN          []byte
	AccessKeyID      []byte
	CanonicalID      []byte
	Service          []byte
	Authenticated    Bool
	MFAAuthenticated Bool
}

// AppendRoleARN appends the assumed role's ARN: the logged one when known,
// else one built from partition, account and role name. It appends nothing
// when neither is possible.
func (p *Principal) AppendRoleARN(dst []byte) []byte {
	if len(p.RoleARN) > 0 {
		return append(dst, p.RoleARN...)
	}
	if len(p.RoleName) == 0 || len(p.AccountID) == 0 {
		return dst
	}
	dst = append(dst, "arn:"...)
	if len(p.Partition) > 0 {
		dst = append(dst, p.Partition...)
	} else {
		dst = append(dst, "aws"...)
	}
	dst = append(dst, ":iam::"...)
	dst = append(dst, p.AccountID...)
	dst = append(dst, ":role/"...)
	return append(dst, p.RoleName...)
}

// OperationInfo is what the operation map knows of one access-log operation.
type OperationInfo struct {
	// Action is the CloudTrail eventName; empty when the operation has no
	// API equivalent (lifecycle S3.* actions, CORS preflight) or is unknown.
	Action   string
	ReadOnly bool
	// Known is false for operations missing from the map; ReadOnly is then
	// guessed from the HTTP method inside the operation name.
	Known bool
}
