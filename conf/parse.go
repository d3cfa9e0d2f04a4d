package conf

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/normalize/detect"
	"github.com/awsaudit/awsaudit/normalize/schema"
)

// KeyError is one problem with one property. Parse returns every KeyError it
// found joined with errors.Join; errors.As finds the first one.
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return e.Key + ": " + e.Err.Error() }
func (e *KeyError) Unwrap() error { return e.Err }

// FromMap returns a property getter over m whose key lookup ignores case, as
// Fluent Bit's does, so the CLI and the plugin read configuration alike.
func FromMap(m map[string]string) func(string) string {
	// Sorted so that keys differing only in case resolve the same way on
	// every run; an exact-case match still wins.
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	folded := make(map[string]string, len(m))
	for _, k := range names {
		lk := strings.ToLower(strings.TrimSpace(k))
		if _, dup := folded[lk]; !dup {
			folded[lk] = m[k]
		}
	}
	return func(key string) string {
		if v, ok := m[key]; ok {
			return v
		}
		return folded[strings.ToLower(key)]
	}
}

// Parse reads every property through get (an unset property reads as ""),
// applies defaults and validates. On failure it returns the zero Config and
// all problems joined, so a user fixes every mistake in one round.
func Parse(get func(key string) string) (Config, error) {
	p := &parser{get: get}
	c := Default()

	// Read the password first so every later message can be scrubbed of it.
	c.SASLPassword = p.get(keySASLPassword)

	c.Brokers = p.brokers(keyBrokers)

	c.Topic = p.topic(keyTopic, c.Topic)
	c.TopicS3Access = p.topic(keyTopicS3Access, "")
	c.TopicCloudTrail = p.topic(keyTopicCloudTrail, "")
	if v := p.str(keyDLQTopic); v != "" {
		if isOff(v) {
			c.DLQTopic = ""
		} else {
			c.DLQTopic = p.topic(keyDLQTopic, c.DLQTopic)
		}
	}
	c.TopicAlerts = p.topic(keyTopicAlerts, "")
	if c.TopicAlerts != "" {
		// Alerts are copies; in a record topic every alert would arrive twice.
		for _, t := range []string{c.Topic, c.TopicS3Access, c.TopicCloudTrail} {
			if t == c.TopicAlerts {
				p.fail(keyTopicAlerts, "%q is also a record topic; alerts need a topic of their own", c.TopicAlerts)
				break
			}
		}
	}
	if c.DLQTopic != "" {
		// Failed input mixed into the normalized stream would poison it.
		for _, t := range []string{c.Topic, c.TopicS3Access, c.TopicCloudTrail, c.TopicAlerts} {
			if t == c.DLQTopic {
				p.fail(keyDLQTopic, "%q is also a record topic; dead letters need a topic of their own", c.DLQTopic)
				break
			}
		}
	}

	c.Source = oneOf(p, keySource, c.Source, normalize.ParseSource, "auto, s3_access, cloudtrail")

	if v := p.str(keyLogKey); v != "" {
		if keys := splitList(v); len(keys) > 0 {
			c.LogKeys = keys
		}
	}

	if v := p.str(keyDefaultRegion); v != "" {
		r := strings.ToLower(v)
		if !regionRE.MatchString(r) {
			p.fail(keyDefaultRegion, "%q does not look like a region code such as us-east-1, us-gov-west-1 or cn-north-1", v)
		}
		c.DefaultRegion = r
	}
	c.RegionKey = p.str(keyRegionKey)

	c.Redact = p.boolean(keyRedact, c.Redact)
	c.IncludeRaw = p.boolean(keyIncludeRaw, c.IncludeRaw)

	if v := p.str(keyMessageKey); v != "" {
		switch {
		case strings.EqualFold(v, "none") || strings.EqualFold(v, "off"):
			c.MessageKey = ""
		case slices.Contains(strings.Split(v, "."), ""):
			p.fail(keyMessageKey, "%q has an empty path segment (want a dotted path such as bucket.name)", v)
		default:
			if ok, nearest := schema.CheckFieldPath(v); !ok {
				p.fail(keyMessageKey, "%q is not a field of the normalized record (did you mean %s? none sends no key)", v, nearest)
			}
			c.MessageKey = v
		}
	}

	c.Compression = oneOf(p, keyCompression, c.Compression, spellings[Codec]{
		"none": CodecNone, "gzip": CodecGzip, "snappy": CodecSnappy, "lz4": CodecLz4, "zstd": CodecZstd,
	}.parse, "none, gzip, snappy, lz4, zstd")
	c.RequiredAcks = oneOf(p, keyRequiredAcks, c.RequiredAcks, spellings[Acks]{
		"all": AcksAll, "-1": AcksAll, "one": AcksOne, "1": AcksOne, "none": AcksNone, "0": AcksNone,
	}.parse, "all, one, none (or -1, 1, 0)")

	c.BatchSize = p.integer(keyBatchSize, c.BatchSize, 1, 1000000)
	c.BatchBytes = p.integer(keyBatchBytes, c.BatchBytes, 1, 104857600)
	// kafka-go treats a zero timeout as "use my default", which would
	// silently differ from what the user asked for, so both must be > 0.
	if p.str(keyBatchTimeout) != "" {
		p.fail(keyBatchTimeout, "is not a setting: each flush sends its chunk at once (split by %s and %s) and waits for the acknowledgements, so nothing waits for a batch to fill; remove it", keyBatchSize, keyBatchBytes)
	}
	c.WriteTimeout = p.duration(keyWriteTimeout, c.WriteTimeout, false)
	c.MetricsInterval = p.duration(keyMetricsInterval, c.MetricsInterval, true)

	if v := p.str(keyClientID); v != "" {
		c.ClientID = v
	}

	c.OutputFormat = oneOf(p, keyFormat, c.OutputFormat, normalize.ParseFormat, "unified, ocsf")
	p.rules(&c)

	p.tls(&c)
	p.sasl(&c)

	for _, k := range legacyTLSKeys {
		if p.str(k.old) != "" {
			p.fail(k.old, "Fluent Bit keeps tls and tls.* properties for its own connections and never passes them to this plugin; use %s", k.now)
		}
	}

	if err := p.err(c.SASLPassword); err != nil {
		return Config{}, err
	}
	return c, nil
}

// regionRE matches partition-prefixed region codes: us-east-1,
// us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1.
var regionRE = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`)

// topicRE is Kafka's legal topic name alphabet and length.
var topicRE = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,249}$`)

type parser struct {
	get  func(string) string
	errs []error
}

func (p *parser) str(key string) string { return strings.TrimSpace(p.get(key)) }

func (p *parser) fail(key, format string, args ...any) {
	p.errs = append(p.errs, &KeyError{Key: key, Err: fmt.Errorf(format, args...)})
}

func (p *parser) failErr(key string, err error) {
	p.errs = append(p.errs, &KeyError{Key: key, Err: err})
}

// err joins the problems, replacing the password wherever it shows up (a
// user who pastes it into the wrong key must not see it echoed in logs).
func (p *parser) err(password string) error {
	if len(p.errs) == 0 {
		return nil
	}
	if password != "" {
		for i, e := range p.errs {
			ke := e.(*KeyError)
			if strings.Contains(ke.Err.Error(), password) {
				p.errs[i] = &KeyError{Key: ke.Key, Err: errors.New(strings.ReplaceAll(ke.Err.Error(), password, mask))}
			}
		}
	}
	return errors.Join(p.errs...)
}

func (p *parser) brokers(key string) []string {
	v := p.str(key)
	list := splitList(v)
	if len(list) == 0 {
		p.fail(key, "is required (comma-separated host:port list)")
		return nil
	}
	for _, b := range list {
		if err := checkBroker(b); err != nil {
			p.failErr(key, err)
		}
	}
	return list
}

func checkBroker(b string) error {
	if strings.Contains(b, "://") {
		return fmt.Errorf("%q: drop the scheme, brokers are plain host:port", b)
	}
	host, port, err := net.SplitHostPort(b)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) && ae.Err == "missing port in address" {
			return fmt.Errorf("%q has no port (want host:port, e.g. %s:9092)", b, b)
		}
		return fmt.Errorf("%q is not host:port: %w", b, err)
	}
	if host == "" {
		return fmt.Errorf("%q has no host", b)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 1 to 65535", b, port)
	}
	return nil
}

// topic validates a topic name; def is returned when the key is unset.
func (p *parser) topic(key, def string) string {
	v := p.str(key)
	if v == "" {
		return def
	}
	if v == "." || v == ".." || !topicRE.MatchString(v) {
		p.fail(key, "%q is not a valid Kafka topic name (1-249 characters of a-z A-Z 0-9 . _ -, not \".\" or \"..\")", v)
	}
	return v
}

// parseBool accepts the spellings Fluent Bit's flb_utils_bool accepts.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(s) {
	case "on", "true", "yes", "1":
		return true, true
	case "off", "false", "no", "0":
		return false, true
	}
	return false, false
}

// isOff reports the spellings that switch an optional feature off.
func isOff(s string) bool {
	switch strings.ToLower(s) {
	case "off", "false", "none", "no":
		return true
	}
	return false
}

func (p *parser) boolean(key string, def bool) bool {
	b, _ := parsed(p, key, def, parseBool, "a boolean (use on/off, true/false, yes/no or 1/0)")
	return b
}

// parsed reads key with parse and returns the value and its spelling: def
// and "" when the key is unset, or when parse refuses it (recorded as a
// problem: "... is not " + what).
func parsed[T any](p *parser, key string, def T, parse func(string) (T, bool), what string) (T, string) {
	v := p.str(key)
	if v == "" {
		return def, ""
	}
	x, ok := parse(v)
	if !ok {
		p.fail(key, "%q is not %s", v, what)
		return def, ""
	}
	return x, v
}

// oneOf reads a key whose value is one of a few spellings, with parse;
// want lists them for the error.
func oneOf[T any](p *parser, key string, def T, parse func(string) (T, error), want string) T {
	v := p.str(key)
	if v == "" {
		return def
	}
	t, err := parse(v)
	if err != nil {
		p.fail(key, "%q is not one of %s", v, want)
		return def
	}
	return t
}

// spellings are the values of a setting by their spelling in lower case.
type spellings[T any] map[string]T

func (m spellings[T]) parse(s string) (T, error) {
	t, ok := m[strings.ToLower(s)]
	if !ok {
		return t, errors.New("unknown")
	}
	return t, nil
}

func (p *parser) integer(key string, def, lo, hi int) int {
	v := p.str(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) {
			err = ne.Err // the value is already in our message
		}
		p.failErr(key, fmt.Errorf("%q is not an integer: %w", v, err))
		return def
	}
	if n < lo || n > hi {
		p.fail(key, "%d is out of range %d-%d", n, lo, hi)
		return def
	}
	return n
}

// duration reads Go duration syntax or, as Fluent Bit does for its own
// intervals, a bare (possibly fractional) number of seconds. With allowOff,
// 0 and the "off" spellings mean disabled (0); otherwise it must be > 0.
func (p *parser) duration(key string, def time.Duration, allowOff bool) time.Duration {
	v := p.str(key)
	if v == "" {
		return def
	}
	if allowOff && isOff(v) {
		return 0
	}
	d, err := parseDuration(v)
	if err != nil {
		p.failErr(key, fmt.Errorf("%q is not a duration (use Go syntax such as 250ms or 10s, or a bare number of seconds): %w", v, err))
		return def
	}
	switch {
	case d < 0:
		p.fail(key, "%q must not be negative", v)
		return def
	case d == 0 && !allowOff:
		p.fail(key, "%q must be greater than zero", v)
		return def
	}
	return d
}

var errDurationRange = errors.New("out of range")

func parseDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		secs := f * float64(time.Second)
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(secs) >= math.MaxInt64 {
			return 0, errDurationRange
		}
		return time.Duration(secs), nil
	}
	return time.ParseDuration(s)
}

func (p *parser) tls(c *Config) {
	c.TLS = p.boolean(keyTLS, c.TLS)
	files := []struct {
		key string
		dst *string
	}{
		{keyTLSCAFile, &c.TLSCAFile},
		{keyTLSCertFile, &c.TLSCertFile},
		{keyTLSKeyFile, &c.TLSKeyFile},
	}
	for _, f := range files {
		*f.dst = p.str(f.key)
	}
	verifySet := p.str(keyTLSVerify) != ""
	c.TLSVerify = p.boolean(keyTLSVerify, c.TLSVerify)

	if !c.TLS {
		// Settings that would be silently ignored are a mistake the user
		// wants to hear about.
		for _, f := range files {
			if *f.dst != "" {
				p.fail(f.key, "is set but %s is off", keyTLS)
			}
		}
		if verifySet {
			p.fail(keyTLSVerify, "is set but %s is off", keyTLS)
		}
		return
	}

	readable := true
	for _, f := range files {
		if *f.dst == "" {
			continue
		}
		if err := checkReadable(*f.dst); err != nil {
			p.failErr(f.key, err)
			readable = false
		}
	}
	switch {
	case c.TLSCertFile != "" && c.TLSKeyFile == "":
		p.fail(keyTLSKeyFile, "is required with %s (a client certificate needs its key)", keyTLSCertFile)
		readable = false
	case c.TLSKeyFile != "" && c.TLSCertFile == "":
		p.fail(keyTLSCertFile, "is required with %s (a client key needs its certificate)", keyTLSKeyFile)
		readable = false
	}
	if !readable {
		return
	}
	// Load the material now: a bad PEM is better reported at start-up than
	// as a handshake failure on every retry.
	_, errs := c.buildTLS()
	p.errs = append(p.errs, errs...)
}

// checkReadable reports a path that cannot be opened or is a directory.
func checkReadable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in our message
		}
		return fmt.Errorf("cannot read %q: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cannot read %q: %w", path, err)
	}
	if st.IsDir() {
		return fmt.Errorf("%q is a directory, want a PEM file", path)
	}
	return nil
}

func (p *parser) sasl(c *Config) {
	mech := p.str(keySASLMechanism)
	c.SASLUsername = p.str(keySASLUsername)
	// The password is taken verbatim: spaces may be part of it.
	c.AWSRegion = p.str(keyAWSRegion)
	if c.AWSRegion != "" && !strings.EqualFold(mech, string(MechanismAWSMSKIAM)) {
		p.fail(keyAWSRegion, "is set but %s is not AWS_MSK_IAM", keySASLMechanism)
	}
	if mech == "" {
		if c.SASLUsername != "" {
			p.fail(keySASLUsername, "is set but %s is not", keySASLMechanism)
		}
		if c.SASLPassword != "" {
			p.fail(keySASLPassword, "is set but %s is not", keySASLMechanism)
		}
		return
	}
	switch up := Mechanism(strings.ToUpper(mech)); up {
	case MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512:
		c.SASLMechanism = up
	case MechanismAWSMSKIAM:
		c.SASLMechanism = up
		// The AWS credential chain signs: a user name or password here is
		// a configuration mistake, not a credential to use.
		if c.SASLUsername != "" {
			p.fail(keySASLUsername, "is not used with AWS_MSK_IAM (the AWS credential chain signs)")
		}
		if c.SASLPassword != "" {
			p.fail(keySASLPassword, "is not used with AWS_MSK_IAM (the AWS credential chain signs)")
		}
		return
	default:
		p.fail(keySASLMechanism, "%q is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, AWS_MSK_IAM", mech)
	}
	if c.SASLUsername == "" {
		p.fail(keySASLUsername, "is required with %s", keySASLMechanism)
	}
	if c.SASLPassword == "" {
		p.fail(keySASLPassword, "is required with %s", keySASLMechanism)
	}
}

// rules reads Rules_File: unset keeps the built-in rules, an off spelling
// disables every rule, anything else is a rules file, loaded now so a bad
// file fails the instance at start-up with every problem listed.
func (p *parser) rules(c *Config) {
	v := p.str(keyRulesFile)
	rules, err := RulesFor(v)
	if err != nil {
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range joined.Unwrap() {
				p.failErr(keyRulesFile, e)
			}
		} else {
			p.failErr(keyRulesFile, err)
		}
		return
	}
	if v != "" && !isOff(v) {
		c.RulesFile = v
	}
	c.Rules = rules
}

// RulesFor is the detections a Rules_File value selects: the built-in
// rules when it is empty, none when it is off (false, none, no), else the
// file's. The plugin and the CLI (--rules) share it, so the same input
// gives the same alerts in both.
func RulesFor(v string) (detect.Config, error) {
	switch {
	case v == "":
		return detect.DefaultConfig(), nil
	case isOff(v):
		return detect.Config{}, nil
	}
	return LoadRules(v)
}

// splitList splits a comma-separated value, trimming entries and dropping
// empty ones so that a trailing comma is harmless.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
