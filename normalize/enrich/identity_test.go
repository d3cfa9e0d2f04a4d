package enrich

import (
	"bytes"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/normalize/record"
)

// principalView is record.Principal with strings, for readable test tables.
type principalView struct {
	Type, ARN, Partition, AccountID, PrincipalID, UserName, RoleName, SessionName,
	RoleARN, CanonicalID, Service string
	Authenticated record.Bool
}

func viewPrincipal(p *record.Principal) principalView {
	return principalView{
		Type: p.Type, ARN: string(p.ARN), Partition: string(p.Partition),
		AccountID: string(p.AccountID), PrincipalID: string(p.PrincipalID),
		UserName: string(p.UserName), RoleName: string(p.RoleName),
		SessionName: string(p.SessionName), RoleARN: string(p.RoleARN),
		CanonicalID: string(p.CanonicalID), Service: string(p.Service),
		Authenticated: p.Authenticated,
	}
}

const canonicalID64 = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"

func TestParseRequester(t *testing.T) {
	tests := []struct {
		name, requester string
		want            principalView
		roleARN         string // what AppendRoleARN builds
	}{
		// Every requester form of the access log, one row each.
		{
			name:      "assumed role",
			requester: "arn:aws:sts::123456789012:assumed-role/ADFS-Dev/bob@example.com",
			want: principalView{
				Type: record.PrincipalAssumedRole, ARN: "arn:aws:sts::123456789012:assumed-role/ADFS-Dev/bob@example.com",
				Partition: "aws", AccountID: "123456789012", RoleName: "ADFS-Dev", SessionName: "bob@example.com",
				Authenticated: record.BoolTrue,
			},
			roleARN: "arn:aws:iam::123456789012:role/ADFS-Dev",
		},
		{
			name:      "IAM user with path",
			requester: "arn:aws:iam::123456789012:user/division/alice",
			want: principalView{
				Type: record.PrincipalIAMUser, ARN: "arn:aws:iam::123456789012:user/division/alice",
				Partition: "aws", AccountID: "123456789012", UserName: "alice", Authenticated: record.BoolTrue,
			},
		},
		{
			// A CloudFront origin access identity: the account field names
			// the service, so the service is the principal, with no account.
			name:      "CloudFront origin access identity",
			requester: "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHEXAMPLE",
			want: principalView{
				Type: record.PrincipalAWSService, ARN: "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHEXAMPLE",
				Partition: "aws", UserName: "CloudFront Origin Access Identity E2QWRUHEXAMPLE",
				Service: "cloudfront.amazonaws.com", Authenticated: record.BoolTrue,
			},
		},
		{
			name:      "root",
			requester: "arn:aws:iam::123456789012:root",
			want: principalView{
				Type: record.PrincipalRoot, ARN: "arn:aws:iam::123456789012:root",
				Partition: "aws", AccountID: "123456789012", Authenticated: record.BoolTrue,
			},
		},
		{
			name:      "federated user",
			requester: "arn:aws:sts::123456789012:federated-user/Bob",
			want: principalView{
				Type: record.PrincipalFederatedUser, ARN: "arn:aws:sts::123456789012:federated-user/Bob",
				Partition: "aws", AccountID: "123456789012", SessionName: "Bob", Authenticated: record.BoolTrue,
			},
		},
		{
			name:      "canonical user, 64 hex",
			requester: canonicalID64,
			want:      principalView{Type: record.PrincipalCanonicalUser, CanonicalID: canonicalID64, Authenticated: record.BoolTrue},
		},
		{
			name:      "service principal, svc: form",
			requester: "svc:delivery.logs.amazonaws.com",
			want:      principalView{Type: record.PrincipalAWSService, Service: "delivery.logs.amazonaws.com", Authenticated: record.BoolTrue},
		},
		{
			name:      "service principal, AmazonS3",
			requester: "AmazonS3",
			want:      principalView{Type: record.PrincipalAWSService, Service: "s3.amazonaws.com", Authenticated: record.BoolTrue},
		},
		{
			name:      "service principal, bare name",
			requester: "cloudtrail.amazonaws.com",
			want:      principalView{Type: record.PrincipalAWSService, Service: "cloudtrail.amazonaws.com", Authenticated: record.BoolTrue},
		},
		{
			name:      "anonymous",
			requester: "-",
			want:      principalView{Type: record.PrincipalAnonymous, Authenticated: record.BoolFalse},
		},

		// Beyond the table.
		{
			name:      "empty is anonymous",
			requester: "",
			want:      principalView{Type: record.PrincipalAnonymous, Authenticated: record.BoolFalse},
		},
		{
			name:      "canonical user, old 32 hex",
			requester: "0123456789abcdef0123456789abcdef",
			want:      principalView{Type: record.PrincipalCanonicalUser, CanonicalID: "0123456789abcdef0123456789abcdef", Authenticated: record.BoolTrue},
		},
		{
			name:      "canonical user, CloudFront 96 hex",
			requester: canonicalID64 + "0123456789abcdef0123456789abcdef",
			want:      principalView{Type: record.PrincipalCanonicalUser, CanonicalID: canonicalID64 + "0123456789abcdef0123456789abcdef", Authenticated: record.BoolTrue},
		},
		{
			name:      "31 hex is no canonical id",
			requester: "0123456789abcdef0123456789abcde",
			want:      principalView{Type: record.PrincipalUnknown, PrincipalID: "0123456789abcdef0123456789abcde", Authenticated: record.BoolTrue},
		},
		{
			name:      "hex with a non-hex character",
			requester: canonicalID64[:63] + "g",
			want:      principalView{Type: record.PrincipalUnknown, PrincipalID: canonicalID64[:63] + "g", Authenticated: record.BoolTrue},
		},
		{
			name:      "service principal, China",
			requester: "logging.s3.amazonaws.com.cn",
			want:      principalView{Type: record.PrincipalAWSService, Service: "logging.s3.amazonaws.com.cn", Authenticated: record.BoolTrue},
		},
		{
			name:      "Identity Center session",
			requester: "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/jane.doe@example.com",
			want: principalView{
				Type: record.PrincipalAssumedRole, ARN: "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/jane.doe@example.com",
				Partition: "aws", AccountID: "123456789012", RoleName: "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
				SessionName: "jane.doe@example.com", Authenticated: record.BoolTrue,
			},
			roleARN: "arn:aws:iam::123456789012:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef",
		},
		{
			name:      "GovCloud assumed role",
			requester: "arn:aws-us-gov:sts::123456789012:assumed-role/Ops/i-0abc",
			want: principalView{
				Type: record.PrincipalAssumedRole, ARN: "arn:aws-us-gov:sts::123456789012:assumed-role/Ops/i-0abc",
				Partition: "aws-us-gov", AccountID: "123456789012", RoleName: "Ops", SessionName: "i-0abc",
				Authenticated: record.BoolTrue,
			},
			roleARN: "arn:aws-us-gov:iam::123456789012:role/Ops",
		},
		{
			name:      "short account id kept as logged",
			requester: "arn:aws:iam::123456:user/alice",
			want: principalView{
				Type: record.PrincipalIAMUser, ARN: "arn:aws:iam::123456:user/alice",
				Partition: "aws", AccountID: "123456", UserName: "alice", Authenticated: record.BoolTrue,
			},
		},
		{
			name:      "bare role ARN names no principal type",
			requester: "arn:aws:iam::123456789012:role/service-role/Replication",
			want: principalView{
				Type: record.PrincipalUnknown, ARN: "arn:aws:iam::123456789012:role/service-role/Replication",
				Partition: "aws", AccountID: "123456789012", RoleName: "Replication", Authenticated: record.BoolTrue,
			},
			roleARN: "arn:aws:iam::123456789012:role/Replication",
		},
		{
			name:      "malformed ARN",
			requester: "arn:aws:sts",
			want:      principalView{Type: record.PrincipalUnknown, PrincipalID: "arn:aws:sts", Authenticated: record.BoolTrue},
		},
		{
			name:      "anything else",
			requester: "AIDAJQABLZS4A3QDU576Q",
			want:      principalView{Type: record.PrincipalUnknown, PrincipalID: "AIDAJQABLZS4A3QDU576Q", Authenticated: record.BoolTrue},
		},
		{
			name:      "svc: prefix only",
			requester: "svc:",
			want:      principalView{Type: record.PrincipalAWSService, Authenticated: record.BoolTrue},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := []byte(tt.requester)
			var p record.Principal
			ParseRequester(s, &p)
			if got := viewPrincipal(&p); got != tt.want {
				t.Fatalf("ParseRequester(%q)\n got %+v\nwant %+v", tt.requester, got, tt.want)
			}
			if got := string(p.AppendRoleARN(nil)); got != tt.roleARN {
				t.Errorf("AppendRoleARN = %q, want %q", got, tt.roleARN)
			}
			checkPrincipalAliases(t, s, &p)
		})
	}
}

func TestParseARN(t *testing.T) {
	tests := []struct {
		name, arn string
		before    record.Principal
		ok        bool
		want      principalView
	}{
		{
			name: "partitions are taken as logged: aws-cn",
			arn:  "arn:aws-cn:iam::123456789012:user/alice", ok: true,
			want: principalView{Type: record.PrincipalIAMUser, ARN: "arn:aws-cn:iam::123456789012:user/alice", Partition: "aws-cn", AccountID: "123456789012", UserName: "alice"},
		},
		{
			name: "aws-us-gov",
			arn:  "arn:aws-us-gov:iam::123456789012:root", ok: true,
			want: principalView{Type: record.PrincipalRoot, ARN: "arn:aws-us-gov:iam::123456789012:root", Partition: "aws-us-gov", AccountID: "123456789012"},
		},
		{
			name: "aws-iso",
			arn:  "arn:aws-iso:sts::123456789012:federated-user/Bob", ok: true,
			want: principalView{Type: record.PrincipalFederatedUser, ARN: "arn:aws-iso:sts::123456789012:federated-user/Bob", Partition: "aws-iso", AccountID: "123456789012", SessionName: "Bob"},
		},
		{
			name: "aws-iso-b",
			arn:  "arn:aws-iso-b:sts::123456789012:assumed-role/R/s", ok: true,
			want: principalView{Type: record.PrincipalAssumedRole, ARN: "arn:aws-iso-b:sts::123456789012:assumed-role/R/s", Partition: "aws-iso-b", AccountID: "123456789012", RoleName: "R", SessionName: "s"},
		},
		{
			name: "aws-iso-e",
			arn:  "arn:aws-iso-e:iam::123456789012:user/u", ok: true,
			want: principalView{Type: record.PrincipalIAMUser, ARN: "arn:aws-iso-e:iam::123456789012:user/u", Partition: "aws-iso-e", AccountID: "123456789012", UserName: "u"},
		},
		{
			name: "aws-iso-f",
			arn:  "arn:aws-iso-f:iam::123456789012:user/u", ok: true,
			want: principalView{Type: record.PrincipalIAMUser, ARN: "arn:aws-iso-f:iam::123456789012:user/u", Partition: "aws-iso-f", AccountID: "123456789012", UserName: "u"},
		},
		{
			name: "aws-eusc",
			arn:  "arn:aws-eusc:iam::123456789012:user/u", ok: true,
			want: principalView{Type: record.PrincipalIAMUser, ARN: "arn:aws-eusc:iam::123456789012:user/u", Partition: "aws-eusc", AccountID: "123456789012", UserName: "u"},
		},
		{
			name: "role ARN with path leaves Type unset",
			arn:  "arn:aws:iam::123456789012:role/path/to/Name", ok: true,
			want: principalView{ARN: "arn:aws:iam::123456789012:role/path/to/Name", Partition: "aws", AccountID: "123456789012", RoleName: "Name"},
		},
		{
			name:   "set fields are kept, Type set only when empty",
			arn:    "arn:aws:sts::123456789012:assumed-role/FromARN/session",
			before: record.Principal{Type: record.PrincipalIdentityCenterUser, RoleName: []byte("FromIssuer"), AccountID: []byte("999999999999")},
			ok:     true,
			want:   principalView{Type: record.PrincipalIdentityCenterUser, ARN: "arn:aws:sts::123456789012:assumed-role/FromARN/session", Partition: "aws", AccountID: "999999999999", RoleName: "FromIssuer", SessionName: "session"},
		},
		{
			name:   "ARN already set is kept",
			arn:    "arn:aws:iam::123456789012:user/alice",
			before: record.Principal{ARN: []byte("arn:aws:iam::123456789012:user/logged")},
			ok:     true,
			want:   principalView{Type: record.PrincipalIAMUser, ARN: "arn:aws:iam::123456789012:user/logged", Partition: "aws", AccountID: "123456789012", UserName: "alice"},
		},
		{
			name: "resource ARN of another service",
			arn:  "arn:aws:s3:::amzn-s3-demo-bucket1/key:with:colons", ok: true,
			want: principalView{ARN: "arn:aws:s3:::amzn-s3-demo-bucket1/key:with:colons", Partition: "aws"},
		},
		{
			name: "assumed role without session",
			arn:  "arn:aws:sts::123456789012:assumed-role/OnlyRole", ok: true,
			want: principalView{Type: record.PrincipalAssumedRole, ARN: "arn:aws:sts::123456789012:assumed-role/OnlyRole", Partition: "aws", AccountID: "123456789012", RoleName: "OnlyRole"},
		},
		{name: "not an ARN", arn: "AmazonS3"},
		{name: "empty", arn: ""},
		{name: "prefix only", arn: "arn:"},
		{name: "too few fields", arn: "arn:aws:iam::123456789012"},
		{name: "no region field", arn: "arn:aws:iam:"},
		{name: "no resource", arn: "arn:aws:iam::123456789012:"},
		{name: "empty partition", arn: "arn::iam::123456789012:root"},
		{name: "empty service", arn: "arn:aws:::123456789012:root"},
		{name: "upper-case prefix", arn: "ARN:aws:iam::123456789012:root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := []byte(tt.arn)
			p := tt.before
			if ok := ParseARN(s, &p); ok != tt.ok {
				t.Fatalf("ParseARN(%q) = %v, want %v", tt.arn, ok, tt.ok)
			}
			if got := viewPrincipal(&p); got != tt.want {
				t.Fatalf("ParseARN(%q)\n got %+v\nwant %+v", tt.arn, got, tt.want)
			}
		})
	}
}

func TestParseRequesterAllocs(t *testing.T) {
	requesters := [][]byte{
		[]byte("arn:aws:sts::123456789012:assumed-role/ADFS-Dev/bob@example.com"),
		[]byte("arn:aws:iam::123456789012:user/division/alice"),
		[]byte(canonicalID64),
		[]byte("svc:delivery.logs.amazonaws.com"),
		[]byte("AmazonS3"),
		[]byte("arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHEXAMPLE"),
		[]byte("-"),
		[]byte("something-else"),
	}
	var p record.Principal
	allocs := testing.AllocsPerRun(100, func() {
		for _, r := range requesters {
			p = record.Principal{}
			ParseRequester(r, &p)
		}
	})
	if allocs != 0 {
		t.Fatalf("ParseRequester allocates %v times per run, want 0", allocs)
	}
}

func BenchmarkParseRequester(b *testing.B) {
	s := []byte("arn:aws:sts::123456789012:assumed-role/ADFS-Dev/bob@example.com")
	var p record.Principal
	for b.Loop() {
		p = record.Principal{}
		ParseRequester(s, &p)
	}
}

func FuzzParseRequester(f *testing.F) {
	for _, seed := range []string{
		"arn:aws:sts::123456789012:assumed-role/ADFS-Dev/bob@example.com",
		"arn:aws:iam::123456789012:user/division/alice",
		"arn:aws:iam::123456789012:root",
		"arn:aws:sts::123456789012:federated-user/Bob",
		"arn:aws:iam::123456789012:role/a/b",
		canonicalID64,
		"svc:delivery.logs.amazonaws.com",
		"AmazonS3",
		"delivery.logs.amazonaws.com",
		"-",
		"",
		"arn:::::",
		"arn:a:sts:::assumed-role//",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		before := bytes.Clone(s)
		var p record.Principal
		ParseRequester(s, &p)
		if !bytes.Equal(s, before) {
			t.Fatalf("ParseRequester modified its input")
		}
		if p.Type == "" {
			t.Fatalf("ParseRequester(%q) left Type empty", s)
		}
		if (p.Type == record.PrincipalAnonymous) != (p.Authenticated == record.BoolFalse) || p.Authenticated == record.BoolUnset {
			t.Fatalf("ParseRequester(%q): type %s with authenticated %v", s, p.Type, p.Authenticated)
		}
		checkPrincipalAliases(t, s, &p)
		// The built role ARN must be well formed whenever it is built.
		if arn := p.AppendRoleARN(nil); len(arn) > 0 && !strings.HasPrefix(string(arn), "arn:") {
			t.Fatalf("AppendRoleARN = %q", arn)
		}
	})
}

// checkPrincipalAliases fails unless every set byte field of p lies within s
// (Service is a shared constant for AmazonS3 and for identities a
// service keeps under its own name, see serviceAccounts).
func checkPrincipalAliases(t *testing.T, s []byte, p *record.Principal) {
	t.Helper()
	fields := map[string][]byte{
		"ARN": p.ARN, "Partition": p.Partition, "AccountID": p.AccountID,
		"PrincipalID": p.PrincipalID, "UserName": p.UserName, "RoleName": p.RoleName,
		"SessionName": p.SessionName, "RoleARN": p.RoleARN, "CanonicalID": p.CanonicalID,
		"Service": p.Service,
	}
	for name, v := range fields {
		if name == "Service" && (string(s) == "AmazonS3" || string(v) == string(serviceAccounts["cloudfront"])) {
			continue
		}
		if !sliceWithin(v, s) {
			t.Fatalf("%s = %q does not alias the input %q", name, v, s)
		}
	}
}
