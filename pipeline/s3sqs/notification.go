package s3sqs

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Object is one object a notification announces.
type Object struct {
	Bucket string
	Key    string // decoded (S3 notifications URL-encode it)
	Size   int64  // as notified; 0 when unknown
	// Region of the bucket when the notification names it.
	Region string
}

// Notification is what an SQS message body says.
type Notification struct {
	// Objects created (ObjectCreated:* events, EventBridge "Object
	// Created"); may be empty when the message only announced other events.
	Objects []Object
	// Ignored counts events that are S3's but announce no new object
	// (ObjectRemoved:*, "Object Deleted", ...): nothing to read.
	Ignored int
	// TestEvent is set for the s3:TestEvent S3 sends when notifications
	// are configured; Bucket names the bucket.
	TestEvent bool
	Bucket    string
	// Via says how the message came: "s3", "sns", "eventbridge".
	Via string
}

// ErrNotS3 marks a message that is not an S3 event notification in any
// shape this input knows.
var ErrNotS3 = errors.New("not an S3 event notification")

// ParseNotification reads an SQS message body in each shape AWS delivers
// S3 events:
//
//   - S3 → SQS, and S3 → SNS → SQS with raw message delivery:
//     {"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put",
//     "awsRegion":..,"s3":{"bucket":{"name":..},"object":{"key":..,"size":..}}}]}
//     (the key URL-encoded, spaces as '+');
//   - S3 → SNS → SQS: {"Type":"Notification","Message":"<the above as a
//     JSON string>",...};
//   - S3 → EventBridge → SQS: {"source":"aws.s3","detail-type":"Object
//     Created","region":..,"detail":{"bucket":{"name":..},"object":{"key":..}}}
//     (the key as is);
//   - the s3:TestEvent, {"Service":"Amazon S3","Event":"s3:TestEvent",...},
//     directly or inside the SNS envelope.
//
// Anything else is an error wrapping ErrNotS3.
func ParseNotification(body []byte) (Notification, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Notification{}, fmt.Errorf("%w: body is not a JSON object: %w", ErrNotS3, err)
	}
	switch {
	case env.Type == "Notification" && env.Message != nil:
		var inner envelope
		if err := json.Unmarshal([]byte(*env.Message), &inner); err != nil {
			return Notification{}, fmt.Errorf("%w: SNS message is not JSON: %w", ErrNotS3, err)
		}
		n, err := inner.notification()
		if err == nil && n.Via == "s3" {
			n.Via = "sns"
		}
		return n, err
	case env.Type != "":
		// SubscriptionConfirmation, UnsubscribeConfirmation: SNS's own.
		return Notification{}, fmt.Errorf("%w: SNS %s message", ErrNotS3, env.Type)
	}
	return env.notification()
}

// envelope has the fields of every shape; only one set is ever filled.
type envelope struct {
	// SNS
	Type    string  `json:"Type"`
	Message *string `json:"Message"`
	// S3 event
	Records *[]s3Record `json:"Records"`
	// s3:TestEvent
	Service string `json:"Service"`
	Event   string `json:"Event"`
	Bucket  string `json:"Bucket"`
	// EventBridge
	Source     string          `json:"source"`
	DetailType string          `json:"detail-type"`
	Region     string          `json:"region"`
	Detail     json.RawMessage `json:"detail"`
}

type s3Record struct {
	EventSource string      `json:"eventSource"`
	EventName   string      `json:"eventName"`
	AWSRegion   string      `json:"awsRegion"`
	S3          s3Reference `json:"s3"`
}

// s3Reference names a bucket and an object: the "s3" of an S3 event, the
// "detail" of an EventBridge one.
type s3Reference struct {
	Bucket struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key  string `json:"key"`
		Size int64  `json:"size"`
	} `json:"object"`
}

func (e *envelope) notification() (Notification, error) {
	switch {
	case e.Event == "s3:TestEvent":
		return Notification{TestEvent: true, Bucket: e.Bucket, Via: "s3"}, nil
	case e.Records != nil:
		return s3Records(*e.Records)
	case e.Source == "aws.s3" && e.Detail != nil:
		return e.eventBridge()
	}
	return Notification{}, fmt.Errorf("%w: no Records, no s3:TestEvent, no aws.s3 EventBridge event", ErrNotS3)
}

func s3Records(recs []s3Record) (Notification, error) {
	if len(recs) == 0 {
		return Notification{}, fmt.Errorf("%w: Records is empty", ErrNotS3)
	}
	n := Notification{Via: "s3"}
	for i, r := range recs {
		if r.EventSource != "aws:s3" {
			return Notification{}, fmt.Errorf("%w: record %d has eventSource %q", ErrNotS3, i, r.EventSource)
		}
		if !strings.HasPrefix(r.EventName, "ObjectCreated:") {
			n.Ignored++
			continue
		}
		if r.S3.Bucket.Name == "" || r.S3.Object.Key == "" {
			return Notification{}, fmt.Errorf("%w: record %d (%s) names no bucket or key", ErrNotS3, i, r.EventName)
		}
		// S3 form-encodes keys: "a b+c" arrives as "a+b%2Bc".
		key, err := url.QueryUnescape(r.S3.Object.Key)
		if err != nil {
			return Notification{}, fmt.Errorf("%w: record %d: key %q is not URL-encoded: %w", ErrNotS3, i, r.S3.Object.Key, err)
		}
		n.Objects = append(n.Objects, Object{Bucket: r.S3.Bucket.Name, Key: key, Size: r.S3.Object.Size, Region: r.AWSRegion})
	}
	return n, nil
}

func (e *envelope) eventBridge() (Notification, error) {
	n := Notification{Via: "eventbridge"}
	if e.DetailType != "Object Created" {
		n.Ignored = 1
		return n, nil
	}
	var d s3Reference
	if err := json.Unmarshal(e.Detail, &d); err != nil {
		return Notification{}, fmt.Errorf("%w: EventBridge detail: %w", ErrNotS3, err)
	}
	if d.Bucket.Name == "" || d.Object.Key == "" {
		return Notification{}, fmt.Errorf("%w: EventBridge Object Created names no bucket or key", ErrNotS3)
	}
	n.Objects = []Object{{Bucket: d.Bucket.Name, Key: d.Object.Key, Size: d.Object.Size, Region: e.Region}}
	return n, nil
}
