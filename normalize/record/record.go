package record

import (
	"github.com/awsaudit/awsaudit/normalize/jsondom"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// Bool is a JSON boolean that can also be absent.
type Bool = jsonw.Bool

const (
	BoolUnset = jsonw.BoolUnset
	BoolFalse = jsonw.BoolFalse
	BoolTrue  = jsonw.BoolTrue
)

// Int is an integer that may be absent.
type Int = jsonw.Int

// Record is one unified audit record. See the package comment for who
// owns its bytes.
type Record struct {
	Source Source
	// Time is RFC 3339 in UTC.
	Time []byte
	// Action is the CloudTrail action of an access-log operation, from the
	// operation map: a constant, never input.
	Action string
	// EventName is CloudTrail's eventName as logged: the action of a
	// CloudTrail record, written escaped like any input.
	EventName []byte
	Operation []byte
	Service   []byte
	ReadOnly  Bool
	// Outcome is "success", "failure" or "" (unknown).
	Outcome      string
	HTTPStatus   Int
	ErrorCode    []byte
	ErrorMessage []byte
	Region       []byte
	// RegionSource says where Region came from: event, record, host or
	// config.
	RegionSource  string
	AccountID     []byte
	CorrelationID []byte

	Bucket Bucket
	Object Object
	// Principal is who made the request; HasPrincipal says the input
	// named one (an anonymous requester is a principal too).
	Principal    Principal
	HasPrincipal bool
	// PrincipalGen, when not 0, is the same for records whose Principal is
	// the same parse of the same requester (the access-log parser's memo),
	// so an encoder may reuse the principal's encoding.
	PrincipalGen uint64
	Client       Client
	Request      Request
	// CloudTrail holds what only CloudTrail records carry; nil otherwise.
	CloudTrail *CloudTrail
	// Alerts are the detections that fired.
	Alerts AlertSet
	Extra  Extra
	// Raw is the input the record came from (written only with
	// Include_Raw).
	Raw []byte

	// Strings says how the encoders must write the record's strings: set
	// by the parser from what it saw of the whole input (plain text that
	// needs no escaping, text that may hide a secret, text that may need
	// decoding to show one).
	Strings redact.Mode
}

// Reset empties r for the next record, keeping the capacity of its slices.
func (r *Record) Reset(src Source, raw []byte) {
	fields, members := r.Extra.Fields[:0], r.Extra.Members[:0]
	*r = Record{Source: src, Raw: raw}
	r.Extra.Fields, r.Extra.Members = fields, members
}

// Bucket is the bucket the request was made to.
type Bucket struct {
	Name  []byte
	Owner []byte
}

// Object is the object the request named.
type Object struct {
	Key []byte
	// KeyEncoded says Key is URL-encoded, as access logs write keys.
	KeyEncoded bool
	VersionID  []byte
	Size       Int
}

// Client is where the request came from.
type Client struct {
	IP        []byte
	UserAgent []byte
	// InvokedBy is the AWS service that called on the requester's behalf.
	InvokedBy []byte
}

// Request is the HTTP request.
type Request struct {
	ID       []byte
	HostID   []byte
	Method   []byte
	URI      []byte
	Protocol []byte
	// Host is the Host header without its port.
	Host             []byte
	Referrer         []byte
	BytesSent        Int
	TotalTimeMS      Int
	TurnaroundMS     Int
	SignatureVersion []byte
	AuthType         []byte
	TLSVersion       []byte
	CipherSuite      []byte
	AccessPointARN   []byte
	ACLRequired      Bool
	// SourceRegion is the region the request came from (access-log field
	// 27), never the bucket's region.
	SourceRegion  []byte
	VPCEndpointID []byte
}

// CloudTrail holds the CloudTrail-only parts, JSON subtrees kept parsed
// so encoders copy them (with redaction).
type CloudTrail struct {
	EventID, EventVersion, EventType, EventCategory []byte
	ManagementEvent                                 Bool
	RecipientAccountID, SharedEventID               []byte
	RequestParameters, ResponseElements             *jsondom.Value
	AdditionalEventData, Resources, TLSDetails      *jsondom.Value
	SessionCredentialFromConsole                    *jsondom.Value
	// AWSRegion is awsRegion as logged, kept for extra when it is not a
	// region name.
	AWSRegion *jsondom.Value
	// Extra holds the record's keys this version does not map, in order;
	// UserIdentityExtra the unmapped keys of userIdentity.
	Extra             []Member
	UserIdentityExtra []Member
}

// Reset empties c, keeping the capacity of its slices.
func (c *CloudTrail) Reset() {
	extra, uiExtra := c.Extra[:0], c.UserIdentityExtra[:0]
	*c = CloudTrail{Extra: extra, UserIdentityExtra: uiExtra}
}

// Member is a key of the input kept under extra, with its parsed value.
type Member struct {
	Key   []byte
	Value *jsondom.Value
}

// Extra is what the record carries beyond the contract's fields.
type Extra struct {
	// Fields are access-log fields past the known ones, numbered from
	// FirstField; an empty one is absent.
	Fields     [][]byte
	FirstField int
	// Members are the unmapped keys of a JSON input (CloudWatch access-log
	// objects; CloudTrail's are in CloudTrail.Extra).
	Members []Member
}
