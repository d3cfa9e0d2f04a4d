package record

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

// Principal is who made the request. An empty slice means absent.
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

// Key names the requester for counting: its ARN, else its principal id,
// canonical id, access key id or service; nil for anonymous.
func (p *Principal) Key() []byte {
	for _, id := range [...][]byte{p.ARN, p.PrincipalID, p.CanonicalID, p.AccessKeyID, p.Service} {
		if len(id) > 0 {
			return id
		}
	}
	return nil
}
