package ocsf

import (
	"bytes"

	"github.com/awsaudit/awsaudit/normalize/enrich"
	"github.com/awsaudit/awsaudit/normalize/internal/text"
	"github.com/awsaudit/awsaudit/normalize/record"
)

// Version is the OCSF schema version written (metadata.version);
// normalize/testdata/ocsf holds that version's JSON Schema of the API
// Activity class, which every test output is validated against.
const Version = "1.3.0"

// OCSF API Activity constants.
const (
	ocsfCategoryUID = 6
	ocsfClassUID    = 6003
	ocsfAccountAWS  = 10        // account.type_id "AWS Account"
	ocsfUnknown     = "unknown" // stands in for a required value the source lacks
)

// OCSF activity_id values of API Activity.
const (
	ocsfActivityUnknown = 0
	ocsfActivityCreate  = 1
	ocsfActivityRead    = 2
	ocsfActivityUpdate  = 3
	ocsfActivityDelete  = 4
	ocsfActivityOther   = 99
)

// ocsfActivityCaption is the caption OCSF gives an activity_id.
func ocsfActivityCaption(activity int) string {
	switch activity {
	case ocsfActivityCreate:
		return "Create"
	case ocsfActivityRead:
		return "Read"
	case ocsfActivityUpdate:
		return "Update"
	case ocsfActivityDelete:
		return "Delete"
	case ocsfActivityOther:
		return "Other"
	}
	return "Unknown"
}

// Verb prefixes of write actions, by OCSF activity. A prefix must be
// followed by an upper-case letter or end the name.
var (
	ocsfCreateVerbs = []string{"Create", "Copy", "Upload", "Complete"}
	ocsfDeleteVerbs = []string{"Delete", "Abort", "Remove"}
	ocsfUpdateVerbs = []string{
		"Put", "Update", "Set", "Modify", "Stop", "Start", "Enable", "Disable", "Attach", "Detach",
		"Add", "Associate", "Disassociate", "Tag", "Untag", "Restore", "Replace", "Reset", "Change",
	}
)

// ocsfActivity maps the record onto API Activity's activity_id: reads are
// Read; writes by the verb of their action (PutObject creates); writes
// with an unknown verb or without an action (lifecycle) are Other.
func ocsfActivity(u *record.Record) int {
	if u.ReadOnly == record.BoolTrue {
		return ocsfActivityRead
	}
	if u.Action != "" {
		return ocsfWriteActivity(u.Action)
	}
	action := text.Present(u.EventName)
	if len(action) == 0 {
		if u.ReadOnly == record.BoolFalse || len(text.Present(u.Operation)) > 0 {
			return ocsfActivityOther
		}
		return ocsfActivityUnknown
	}
	if u.ReadOnly == record.BoolUnset && enrich.ActionReadOnly(action) {
		return ocsfActivityRead
	}
	return ocsfWriteActivity(action)
}

func ocsfWriteActivity[S ~string | ~[]byte](action S) int {
	if string(action) == "PutObject" {
		return ocsfActivityCreate
	}
	for _, group := range [...]struct {
		verbs    []string
		activity int
	}{{ocsfCreateVerbs, ocsfActivityCreate}, {ocsfDeleteVerbs, ocsfActivityDelete}, {ocsfUpdateVerbs, ocsfActivityUpdate}} {
		for _, v := range group.verbs {
			if hasVerb(action, v) {
				return group.activity
			}
		}
	}
	return ocsfActivityOther
}

// hasVerb reports whether name starts with the word verb.
func hasVerb[S ~string | ~[]byte](name S, verb string) bool {
	if len(name) < len(verb) || string(name[:len(verb)]) != verb {
		return false
	}
	return len(name) == len(verb) || ('A' <= name[len(verb)] && name[len(verb)] <= 'Z')
}

// partitions are the ARN partitions other than aws, by the prefix of
// their regions' names (us-isob- before us-iso-, which it starts with).
var partitions = [...]struct{ prefix, name string }{
	{"cn-", "aws-cn"}, {"us-gov-", "aws-us-gov"}, {"us-isob-", "aws-iso-b"}, {"us-iso-", "aws-iso"},
	{"eu-isoe-", "aws-iso-e"}, {"us-isof-", "aws-iso-f"}, {"eusc-", "aws-eusc"},
}

// partitionOf returns the ARN partition of a region (aws-cn for cn-*,
// aws-us-gov for us-gov-*, ...), else the principal's, else aws.
func partitionOf(region, principalPartition []byte) string {
	for _, p := range partitions {
		if bytes.HasPrefix(region, []byte(p.prefix)) {
			return p.name
		}
	}
	if len(region) == 0 {
		for _, p := range partitions {
			if string(principalPartition) == p.name {
				return p.name
			}
		}
	}
	return "aws"
}
