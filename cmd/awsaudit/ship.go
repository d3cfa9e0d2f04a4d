package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/pipeline"
)

const shipUsage = `Usage: awsaudit ship --brokers HOST:PORT[,...] [flags] [FILE...]
       awsaudit ship --brokers HOST:PORT[,...] --sqs QUEUE_URL [flags]

Reads S3 server access-log lines and CloudTrail records from FILEs (stdin
when none is given or for "-"; .gz is read transparently; a file that is one
pretty-printed JSON document counts as one record), normalizes them through
the same pipeline as the Fluent Bit plugin and writes them to Kafka:
normalized records to their topic, rejected ones to the dead-letter topic.

Settings are the plugin's properties (see conf/KEYS.md), read in this order,
later ones winning: --config FILE (lines "Key Value" or "Key=Value"; blank
lines, "#" comments and "[SECTION]" headers are skipped), each --set
Key=Value, then the --brokers, --topic, --dlq-topic and --source flags.

A batch the broker does not acknowledge is sent again with backoff, up to
--retries times; duplicates are possible, loss is not.

With --sqs it reads the objects that S3 event notifications on that queue
announce instead of FILEs (the awsaudit_s3 input's properties, see
conf/KEYS_S3_INPUT.md, come from --config and --set too; credentials from
the standard AWS chain) and runs until interrupted, or with
--exit-when-empty until the queue has nothing left. A message is deleted
only after Kafka acknowledged every record of its objects; a batch Kafka
does not take leaves its message to be delivered again.

Prints a summary to stderr. Exit status: 0 every record was delivered
(normalized or dead-lettered), 1 usage, configuration or I/O error, or
records that could not be delivered.

Flags:
`

// Retry policy for batches the pipeline asks to retry.
const (
	shipBackoffMin = 200 * time.Millisecond
	shipBackoffMax = 5 * time.Second
)

// shipSettings is a repeatable --set Key=Value flag.
type shipSettings []string

func (s *shipSettings) String() string { return strings.Join(*s, ",") }

func (s *shipSettings) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("%q is not Key=Value", v)
	}
	*s = append(*s, v)
	return nil
}

func runShip(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("ship", shipUsage, stderr)
	brokers := fs.String("brokers", "", "comma-separated Kafka `bootstrap brokers` (property Brokers)")
	topic := fs.String("topic", "", "`topic` for normalized records (property Topic)")
	dlq := fs.String("dlq-topic", "", "dead-letter `topic`, \"off\" to drop rejected records (property DLQ_Topic)")
	source := fs.String("source", "", "input source: auto, s3_access or cloudtrail (property Source)")
	configFile := fs.String("config", "", "`file` of plugin properties")
	var sets shipSettings
	fs.Var(&sets, "set", "plugin property `Key=Value` (repeatable)")
	batch := fs.Int("batch", 500, "records per Kafka write")
	retries := fs.Int("retries", 8, "times a batch is sent again when Kafka does not acknowledge it")
	tag := fs.String("tag", "awsaudit.ship", "`tag` recorded in dead letters")
	verbose := fs.Bool("v", false, "also log debug messages (every Kafka error)")
	queue := fs.String("sqs", "", "read the objects announced on this SQS `queue URL` (property Queue_URL)")
	region := fs.String("region", "", "AWS `region` of the queue and buckets (property Region)")
	endpoint := fs.String("endpoint-url", "", "SQS and S3 `endpoint` instead of AWS's (property Endpoint_URL)")
	exitWhenEmpty := fs.Bool("exit-when-empty", false, "with --sqs: stop once the queue is empty and every record is delivered")
	if code, done := parseFlags(fs, args, stdout); done {
		return code
	}
	if *batch < 1 || *retries < 0 {
		fmt.Fprintln(stderr, "awsaudit ship: --batch must be at least 1 and --retries at least 0")
		return exitUsage
	}

	props := map[string]string{}
	if *configFile != "" {
		if err := readShipConfig(*configFile, props); err != nil {
			fmt.Fprintf(stderr, "awsaudit ship: --config: %v\n", err)
			return exitUsage
		}
	}
	for _, kv := range sets {
		k, v, _ := strings.Cut(kv, "=")
		props[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	for key, v := range map[string]string{"Brokers": *brokers, "Topic": *topic, "DLQ_Topic": *dlq, "Source": *source,
		"Queue_URL": *queue, "Region": *region, "Endpoint_URL": *endpoint} {
		if v != "" {
			setShipProp(props, key, v)
		}
	}
	cfg, err := conf.Parse(conf.FromMap(props)) // its errors never show the password
	if err != nil {
		fmt.Fprintf(stderr, "awsaudit ship: configuration:\n%v\n", err)
		return exitUsage
	}
	var inCfg conf.S3Input
	if *queue != "" {
		if inCfg, err = conf.ParseS3Input(conf.FromMap(props)); err != nil {
			fmt.Fprintf(stderr, "awsaudit ship: SQS input configuration:\n%v\n", err)
			return exitUsage
		}
		if fs.NArg() > 0 {
			fmt.Fprintln(stderr, "awsaudit ship: --sqs reads the queue's objects; give no FILE")
			return exitUsage
		}
	}

	log := shipLogger(stderr, *verbose)
	p, err := pipeline.New(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "awsaudit ship: %v\n", err)
		return exitUsage
	}
	s := &shipper{p: p, tag: *tag, batchSize: *batch, retries: *retries, stderr: stderr, sleep: time.Sleep,
		linesOnly: cfg.Source == normalize.SourceS3Access}

	status := exitOK
	files := fs.Args()
	if len(files) == 0 && *queue == "" {
		files = []string{"-"}
	}
	if *queue != "" {
		if err := s.runSQS(inCfg, log, *exitWhenEmpty); err != nil {
			fmt.Fprintf(stderr, "awsaudit ship: %v\n", err)
			status = exitUsage
		}
	}
	for _, name := range files {
		if err := s.file(name, stdin); err != nil {
			fmt.Fprintf(stderr, "awsaudit ship: %v\n", err)
			status = exitUsage
			if errors.Is(err, errUndelivered) {
				break // Kafka is not taking writes: do not read on
			}
		}
	}
	if err := s.flush(); err != nil {
		fmt.Fprintf(stderr, "awsaudit ship: %v\n", err)
		status = exitUsage
	}
	if err := p.Close(); err != nil {
		fmt.Fprintf(stderr, "awsaudit ship: %v\n", err)
		status = exitUsage
	}
	st := p.Stats()
	fmt.Fprintf(stderr, "awsaudit ship: records=%d out=%d dead_lettered=%d dropped=%d undelivered=%d retries=%d\n",
		s.records, st.Out(), st.DeadLettered, st.Dropped, s.undelivered, st.FlushesRetry)
	if s.undelivered > 0 {
		status = exitUsage
	}
	return status
}

// setShipProp sets key, replacing any spelling of it in another case that
// came from --config or --set, so the flag wins.
func setShipProp(props map[string]string, key, v string) {
	for k := range props {
		if strings.EqualFold(k, key) {
			delete(props, k)
		}
	}
	props[key] = v
}

// readShipConfig reads "Key Value" or "Key=Value" lines.
func readShipConfig(name string, props map[string]string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		// The key ends at the first blank or "="; "Key = Value" works too.
		end := strings.IndexAny(line, " \t=")
		if end <= 0 {
			return fmt.Errorf("%s:%d: want \"Key Value\" or \"Key=Value\"", name, i+1)
		}
		v := strings.TrimSpace(line[end:])
		if strings.HasPrefix(v, "=") {
			v = strings.TrimSpace(v[1:])
		}
		setShipProp(props, line[:end], v)
	}
	return nil
}

// shipLogger writes the pipeline's messages to stderr, one per line.
func shipLogger(w io.Writer, verbose bool) pipeline.Logger {
	var mu sync.Mutex
	names := map[pipeline.Level]string{
		pipeline.LevelError: "error", pipeline.LevelWarn: "warn",
		pipeline.LevelInfo: "info", pipeline.LevelDebug: "debug",
	}
	return func(level pipeline.Level, msg string) {
		if level == pipeline.LevelDebug && !verbose {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "awsaudit ship: %s: %s\n", names[level], msg)
	}
}

var errUndelivered = errors.New("records not delivered")

type shipper struct {
	p         *pipeline.Pipeline
	tag       string
	batchSize int
	retries   int
	stderr    io.Writer // kept for callers that set it; messages go through the pipeline's Logger
	sleep     func(time.Duration)
	linesOnly bool // access logs: never take the stream for one JSON document

	pending     []pipeline.Record
	records     int
	undelivered int
}

func (s *shipper) file(name string, stdin io.Reader) error {
	return readInputs(name, stdin, s.linesOnly, s.addInput)
}

// read queues the records of an open stream (see eachInput).
func (s *shipper) read(br *bufio.Reader) error {
	return eachInput(br, s.linesOnly, s.addInput)
}

// addInput queues a copy of one input: fn's bytes are reused by the reader.
func (s *shipper) addInput(input []byte, _ int) error {
	return s.add(bytes.Clone(input))
}

// add queues one record (owned by the shipper) and flushes full batches.
func (s *shipper) add(line []byte) error {
	s.records++
	s.pending = append(s.pending, pipeline.Record{Time: time.Now(), Line: line})
	if len(s.pending) >= s.batchSize {
		return s.flush()
	}
	return nil
}

// flush writes the queued records (see deliver).
func (s *shipper) flush() error {
	if len(s.pending) == 0 {
		return nil
	}
	defer func() { s.pending = s.pending[:0] }()
	return s.deliver(s.pending)
}

// deliver writes recs, retrying with backoff while the pipeline asks for
// it; an error means they were not all acknowledged (counted undelivered).
func (s *shipper) deliver(recs []pipeline.Record) error {
	delay := shipBackoffMin
	for attempt := 0; ; attempt++ {
		switch s.p.FlushRecords(recs, s.tag) {
		case pipeline.StatusOK:
			return nil
		case pipeline.StatusError:
			s.undelivered += len(recs)
			return fmt.Errorf("%w: Kafka refused a batch of %d for good (see the error above)", errUndelivered, len(recs))
		}
		if attempt >= s.retries {
			s.undelivered += len(recs)
			return fmt.Errorf("%w: a batch of %d was not acknowledged after %d attempts", errUndelivered, len(recs), attempt+1)
		}
		s.sleep(delay)
		delay = min(2*delay, shipBackoffMax)
	}
}
