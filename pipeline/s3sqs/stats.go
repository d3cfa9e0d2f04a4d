package s3sqs

import (
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/awsaudit/awsaudit/pipeline"
)

// Failure kinds, the keys of Stats.Failures.
const (
	FailNotification = "notification"     // body is not an S3 notification
	FailS3Get        = "s3_get"           // GetObject refused (missing, denied, throttled)
	FailS3Read       = "s3_read"          // the object's stream broke or is corrupt (gzip, JSON)
	FailTooLarge     = "record_too_large" // a record longer than Max_Record_Size
	FailConsumer     = "consumer"         // the consumer could not hand records on
	FailReceive      = "sqs_receive"      // ReceiveMessage failed
	FailDelete       = "sqs_delete"       // DeleteMessage failed (the message comes back)
	FailVisibility   = "sqs_visibility"   // ChangeMessageVisibility failed
)

var failureKinds = [...]string{
	FailNotification, FailS3Get, FailS3Read, FailTooLarge, FailConsumer,
	FailReceive, FailDelete, FailVisibility,
}

// Stats is a snapshot of a source's counters since New.
type Stats struct {
	MessagesReceived int64
	MessagesDeleted  int64 // every record handed on (or nothing to read)
	MessagesFailed   int64 // left for redelivery / the redrive policy
	MessagesReleased int64 // made visible again at shutdown, unfinished
	TestEvents       int64 // s3:TestEvent messages, deleted
	EventsIgnored    int64 // S3 events that create no object (deletes, ...)
	ObjectsRead      int64 // objects read to the end
	ObjectsFiltered  int64 // skipped by Key_Prefix / Key_Pattern
	DigestsSkipped   int64 // CloudTrail digest files skipped
	BytesRead        int64 // bytes received from S3 (compressed as stored)
	RecordsEmitted   int64 // records handed to the consumer
	Extensions       int64 // visibility timeouts extended
	// Failures counts problems by kind (Fail* constants).
	Failures map[string]int64
}

// String formats the counters for a log line.
func (s Stats) String() string {
	line := pipeline.FormatCounters(
		pipeline.Counter{Name: "messages_received", N: s.MessagesReceived},
		pipeline.Counter{Name: "messages_deleted", N: s.MessagesDeleted},
		pipeline.Counter{Name: "messages_failed", N: s.MessagesFailed},
		pipeline.Counter{Name: "messages_released", N: s.MessagesReleased},
		pipeline.Counter{Name: "test_events", N: s.TestEvents},
		pipeline.Counter{Name: "events_ignored", N: s.EventsIgnored},
		pipeline.Counter{Name: "objects_read", N: s.ObjectsRead},
		pipeline.Counter{Name: "objects_filtered", N: s.ObjectsFiltered},
		pipeline.Counter{Name: "digests_skipped", N: s.DigestsSkipped},
		pipeline.Counter{Name: "bytes_read", N: s.BytesRead},
		pipeline.Counter{Name: "records_emitted", N: s.RecordsEmitted},
		pipeline.Counter{Name: "visibility_extended", N: s.Extensions},
	)
	var b strings.Builder
	b.WriteString(line)
	for _, k := range failureKinds {
		b.WriteString(" failures{" + k + "}=" + strconv.FormatInt(s.Failures[k], 10))
	}
	return b.String()
}

type counters struct {
	received, deleted, failed, released atomic.Int64
	testEvents, ignored                 atomic.Int64
	objects, filtered, digests          atomic.Int64
	bytes, records, extensions          atomic.Int64
	failures                            [len(failureKinds)]atomic.Int64
}

func (c *counters) fail(kind string) {
	for i, k := range failureKinds {
		if k == kind {
			c.failures[i].Add(1)
			return
		}
	}
}

func (c *counters) snapshot() Stats {
	s := Stats{
		MessagesReceived: c.received.Load(),
		MessagesDeleted:  c.deleted.Load(),
		MessagesFailed:   c.failed.Load(),
		MessagesReleased: c.released.Load(),
		TestEvents:       c.testEvents.Load(),
		EventsIgnored:    c.ignored.Load(),
		ObjectsRead:      c.objects.Load(),
		ObjectsFiltered:  c.filtered.Load(),
		DigestsSkipped:   c.digests.Load(),
		BytesRead:        c.bytes.Load(),
		RecordsEmitted:   c.records.Load(),
		Extensions:       c.extensions.Load(),
		Failures:         make(map[string]int64, len(failureKinds)),
	}
	for i, k := range failureKinds {
		s.Failures[k] = c.failures[i].Load()
	}
	return s
}
