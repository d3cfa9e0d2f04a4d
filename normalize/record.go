package normalize

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
