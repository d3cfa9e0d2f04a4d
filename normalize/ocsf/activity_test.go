package ocsf

import (
	"testing"

	"github.com/awsaudit/awsaudit/normalize/record"
)

// TestOCSFActivity covers the activity_id mapping.
func TestOCSFActivity(t *testing.T) {
	cases := []struct {
		u    record.Record
		want int
	}{
		{record.Record{Action: "GetObject", ReadOnly: record.BoolTrue}, ocsfActivityRead},
		{record.Record{Action: "PutObject", ReadOnly: record.BoolFalse}, ocsfActivityCreate},
		{record.Record{Action: "CopyObject", ReadOnly: record.BoolFalse}, ocsfActivityCreate},
		{record.Record{Action: "CompleteMultipartUpload", ReadOnly: record.BoolFalse}, ocsfActivityCreate},
		{record.Record{Action: "DeleteObjects", ReadOnly: record.BoolFalse}, ocsfActivityDelete},
		{record.Record{Action: "AbortMultipartUpload", ReadOnly: record.BoolFalse}, ocsfActivityDelete},
		{record.Record{Action: "PutBucketPolicy", ReadOnly: record.BoolFalse}, ocsfActivityUpdate},
		{record.Record{Action: "RestoreObject", ReadOnly: record.BoolFalse}, ocsfActivityUpdate},
		{record.Record{EventName: []byte("StopLogging"), ReadOnly: record.BoolFalse}, ocsfActivityUpdate},
		{record.Record{EventName: []byte("ConsoleLogin"), ReadOnly: record.BoolFalse}, ocsfActivityOther},
		{record.Record{EventName: []byte("ListBuckets")}, ocsfActivityRead},
		{record.Record{EventName: []byte("Putter"), ReadOnly: record.BoolFalse}, ocsfActivityOther},
		{record.Record{Operation: []byte("S3.EXPIRE.OBJECT"), ReadOnly: record.BoolFalse}, ocsfActivityOther},
		{record.Record{}, ocsfActivityUnknown},
	}
	for _, c := range cases {
		if got := ocsfActivity(&c.u); got != c.want {
			t.Errorf("%q/%q read_only=%d: activity %d, want %d", c.u.Action, c.u.EventName, c.u.ReadOnly, got, c.want)
		}
	}
}
