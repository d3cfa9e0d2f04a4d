package conf

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Property names of the S3 + SQS input (in_awsaudit_s3 and awsaudit ship
// --sqs). ParseS3Input reads exactly these and S3InputKeys documents
// exactly these; a test keeps the two sets equal.
const (
	keyQueueURL          = "Queue_URL"
	keyRegion            = "Region"
	keyEndpointURL       = "Endpoint_URL"
	keyVisibilityTimeout = "Visibility_Timeout"
	keyWaitTime          = "Wait_Time"
	keyMaxMessages       = "Max_Messages"
	keyKeyPrefix         = "Key_Prefix"
	keyKeyPattern        = "Key_Pattern"
	keyWorkers           = "Workers"
	keyChunkMaxSize      = "Chunk_Max_Size"
	keyMaxRecordSize     = "Max_Record_Size"
	keyInMetricsInterval = "Metrics_Interval"
)

// SQS limits (ReceiveMessage, ChangeMessageVisibility).
const (
	maxVisibility  = 12 * time.Hour
	maxWaitTime    = 20 * time.Second
	maxSQSMessages = 10
)

// S3Input is one [INPUT] section of the awsaudit_s3 input (or the CLI's
// ship --sqs). ParseS3Input fills it, applies defaults and validates.
type S3Input struct {
	QueueURL string
	// Region of the queue and, unless a notification names another, of
	// the buckets; "" leaves it to the AWS chain (AWS_REGION, profile).
	Region string
	// EndpointURL replaces the AWS endpoints of SQS and S3 (an
	// S3-compatible store, a test server); S3 is then addressed
	// path-style (http://host/bucket/key).
	EndpointURL       string
	VisibilityTimeout time.Duration // whole seconds
	WaitTime          time.Duration // whole seconds, long poll
	MaxMessages       int           // per ReceiveMessage
	Workers           int           // messages processed at once
	KeyPrefix         string
	// KeyPattern is Key_Pattern compiled; nil when unset.
	KeyPattern *regexp.Regexp
	// ChunkMaxSize bounds the bytes of events handed over at once (one
	// Fluent Bit collection) and the records read ahead of the consumer.
	ChunkMaxSize int
	// MaxRecordSize bounds one line or JSON record of an object.
	MaxRecordSize   int
	MetricsInterval time.Duration // 0 disables periodic counter logs
}

// DefaultS3Input returns the configuration a user gets without setting any
// key. It has no QueueURL, so it does not validate on its own.
func DefaultS3Input() S3Input {
	return S3Input{
		VisibilityTimeout: 300 * time.Second,
		WaitTime:          20 * time.Second,
		MaxMessages:       10,
		Workers:           4,
		ChunkMaxSize:      4 << 20,
		MaxRecordSize:     16 << 20,
		MetricsInterval:   60 * time.Second,
	}
}

// S3InputKeys returns every property ParseS3Input reads, in documentation
// order. Name, default and description live here only.
func S3InputKeys() []KeyDoc {
	return []KeyDoc{
		{Name: keyQueueURL, Required: true, Description: "URL of the SQS queue that receives the bucket's event notifications, e.g. `https://sqs.us-east-1.amazonaws.com/123456789012/audit-logs`. S3 → SQS, S3 → SNS → SQS (raw or enveloped) and S3 → EventBridge → SQS (`Object Created`) notifications are all understood."},
		doc(keyRegion, "", "AWS region of the queue and the buckets, e.g. `us-east-1`; unset takes it from the Queue_URL host (`sqs.REGION.amazonaws.com`), then from the AWS chain (`AWS_REGION`, the shared profile). A notification that names its bucket's region is read from that region."),
		doc(keyEndpointURL, "", "Endpoint for SQS and S3 instead of AWS's, for S3-compatible stores and tests, e.g. `http://127.0.0.1:9000`. S3 is then addressed path-style."),
		doc(keyVisibilityTimeout, "300s", "How long a received message stays hidden from other consumers; extended while its objects are still being read or handed on. Whole seconds, 1s to 12h. A failed message is hidden for this times 2^(receive count - 1) (at most 12h) before it comes back."),
		doc(keyWaitTime, "20s", "Long-poll wait of one ReceiveMessage call, whole seconds from 0 to 20."),
		doc(keyMaxMessages, "10", "Most messages one ReceiveMessage call returns (1-10); never more than there are free workers."),
		doc(keyWorkers, "4", "Messages processed at once (1-256), each streaming its objects from S3."),
		doc(keyKeyPrefix, "", "Read only objects whose key starts with this; others are skipped, counted, and their notification deleted."),
		doc(keyKeyPattern, "", "Read only objects whose key matches this regular expression (Go RE2 syntax, unanchored); others are skipped, counted, and their notification deleted. CloudTrail digest files (`*-Digest*`) are always skipped."),
		doc(keyChunkMaxSize, "4M", "Most bytes of events handed to Fluent Bit at once, which also bounds what is read ahead. Fluent Bit collects from a Go input once a second, so this caps one instance's throughput: 4M is about 6,000 access-log lines or 2,500 CloudTrail events a second; raise it, or run more instances, for more. Sizes take a K, M or G suffix (powers of 1024); 64K to 256M."),
		doc(keyMaxRecordSize, "16M", "Longest line or JSON record in an object, 1K to 256M; an object with a longer one fails and its message is left for the queue's redrive policy."),
		doc(keyInMetricsInterval, "60s", "How often counters are logged; `0` or `off` disables the periodic log."),
	}
}

// ParseS3Input reads every input property through get (an unset property
// reads as ""), applies defaults and validates. On failure it returns the
// zero S3Input and all problems joined.
func ParseS3Input(get func(key string) string) (S3Input, error) {
	p := &parser{get: get}
	c := DefaultS3Input()

	c.QueueURL = p.str(keyQueueURL)
	if c.QueueURL == "" {
		p.fail(keyQueueURL, "is required (the SQS queue URL, https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)")
	} else if err := checkEndpoint(c.QueueURL, true); err != nil {
		p.failErr(keyQueueURL, err)
	}
	if v := p.str(keyEndpointURL); v != "" {
		if err := checkEndpoint(v, false); err != nil {
			p.failErr(keyEndpointURL, err)
		}
		c.EndpointURL = strings.TrimRight(v, "/")
	}
	if v := p.str(keyRegion); v != "" {
		r := strings.ToLower(v)
		if !regionRE.MatchString(r) {
			p.fail(keyRegion, "%q does not look like a region code such as us-east-1, us-gov-west-1 or cn-north-1", v)
		}
		c.Region = r
	} else {
		c.Region = regionFromQueueURL(c.QueueURL)
	}

	c.VisibilityTimeout = p.seconds(keyVisibilityTimeout, c.VisibilityTimeout, time.Second, maxVisibility)
	c.WaitTime = p.seconds(keyWaitTime, c.WaitTime, 0, maxWaitTime)
	c.MaxMessages = p.integer(keyMaxMessages, c.MaxMessages, 1, maxSQSMessages)
	c.Workers = p.integer(keyWorkers, c.Workers, 1, 256)

	c.KeyPrefix = p.str(keyKeyPrefix)
	if v := p.str(keyKeyPattern); v != "" {
		re, err := regexp.Compile(v)
		if err != nil {
			p.failErr(keyKeyPattern, fmt.Errorf("%q is not a regular expression: %w", v, err))
		}
		c.KeyPattern = re
	}

	c.ChunkMaxSize = p.size(keyChunkMaxSize, c.ChunkMaxSize, 64<<10, 256<<20)
	c.MaxRecordSize = p.size(keyMaxRecordSize, c.MaxRecordSize, 1<<10, 256<<20)
	c.MetricsInterval = p.duration(keyInMetricsInterval, c.MetricsInterval, true)

	if err := p.err(""); err != nil {
		return S3Input{}, err
	}
	return c, nil
}

// checkEndpoint accepts an absolute http(s) URL with a host; a queue URL
// also needs its path (/ACCOUNT/NAME).
func checkEndpoint(v string, queue bool) error {
	u, err := url.Parse(v)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the value is already in our message
		}
		return fmt.Errorf("%q is not a URL: %w", redactURL(v), err)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("%q: want an http:// or https:// URL", redactURL(v))
	case u.Host == "":
		return fmt.Errorf("%q has no host", redactURL(v))
	case u.User != nil:
		return fmt.Errorf("%q carries credentials; use the AWS credential chain instead", redactURL(v))
	case queue && strings.Trim(u.Path, "/") == "":
		return fmt.Errorf("%q has no queue path (want https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)", v)
	}
	return nil
}

// redactURL drops the user information of a URL that failed to validate:
// an error message must not echo a password someone put there.
func redactURL(v string) string {
	if u, err := url.Parse(v); err == nil && u.User != nil {
		u.User = url.User("*****")
		return u.String()
	}
	if i := strings.Index(v, "@"); i >= 0 {
		if j := strings.Index(v, "://"); j >= 0 && j < i {
			return v[:j+3] + "*****" + v[i:]
		}
	}
	return v
}

// queueHostRE matches sqs.REGION.amazonaws.com(.cn) and the legacy
// REGION.queue.amazonaws.com.
var queueHostRE = regexp.MustCompile(`^(?:sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?|([a-z0-9-]+)\.queue\.amazonaws\.com)$`)

// regionFromQueueURL returns the region an AWS queue URL names, or "".
func regionFromQueueURL(q string) string {
	u, err := url.Parse(q)
	if err != nil {
		return ""
	}
	m := queueHostRE.FindStringSubmatch(strings.ToLower(u.Hostname()))
	if m == nil {
		return ""
	}
	if m[1] != "" {
		return m[1]
	}
	return m[2]
}

// seconds reads a duration that SQS takes in whole seconds, within lo-hi.
func (p *parser) seconds(key string, def, lo, hi time.Duration) time.Duration {
	v := p.str(key)
	if v == "" {
		return def
	}
	d, err := parseDuration(v)
	if err != nil {
		p.failErr(key, fmt.Errorf("%q is not a duration (use Go syntax such as 30s or 5m, or a bare number of seconds): %w", v, err))
		return def
	}
	switch {
	case d%time.Second != 0:
		p.fail(key, "%q is not a whole number of seconds (SQS counts in seconds)", v)
		return def
	case d < lo || d > hi:
		p.fail(key, "%q is out of range %v-%v", v, lo, hi)
		return def
	}
	return d
}

// size reads a byte count: a number with an optional K, M or G suffix
// (powers of 1024, as Fluent Bit reads sizes).
func (p *parser) size(key string, def, lo, hi int) int {
	n, v := parsed(p, key, int64(def), parseSize, "a size (a number of bytes with an optional K, M or G suffix, e.g. 512K or 4M)")
	if v == "" {
		return def
	}
	if n < int64(lo) || n > int64(hi) {
		p.fail(key, "%q is out of range %s-%s", v, formatSize(lo), formatSize(hi))
		return def
	}
	return int(n)
}

func parseSize(v string) (int64, bool) {
	s := strings.ToUpper(strings.TrimSpace(v))
	s = strings.TrimSuffix(s, "B")
	mult := int64(1)
	if s != "" {
		switch s[len(s)-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		}
		if mult > 1 {
			s = s[:len(s)-1]
		}
	}
	if s == "" || len(s) > 12 {
		return 0, false
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n * mult, true
}

func formatSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dM", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dK", n>>10)
	}
	return fmt.Sprint(n)
}

// S3InputMarkdownTable renders S3InputKeys as the content of
// conf/KEYS_S3_INPUT.md.
func S3InputMarkdownTable() string {
	return markdownTable("S3InputKeys()", "TestS3InputKeysMarkdown", "awsaudit_s3 input properties", S3InputKeys())
}
