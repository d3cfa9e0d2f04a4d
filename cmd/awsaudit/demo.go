package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/pipeline"
	"github.com/twmb/franz-go/pkg/kgo"
)

// demoInput is the demo's default input: hand-written S3 access-log lines
// and CloudTrail records (invented values) and one line that is neither.
//
//go:embed demodata/audit.log
var demoInput []byte

const demoInputName = "cmd/awsaudit/demodata/audit.log"

// Demo topics.
const (
	demoTopicS3  = "aws.audit.s3_access"
	demoTopicCT  = "aws.audit.cloudtrail"
	demoTopicDLQ = "aws.audit.dlq"
)

const demoUsage = `Usage: awsaudit demo [--show N] [FILE...]
       awsaudit demo --read BROKER [--settle D] [--show N]

Shows the whole path in a few seconds, with nothing installed but Go: starts
an in-memory Kafka broker (kfake) on 127.0.0.1 at a random port, runs the
Fluent Bit plugin's pipeline (the one "awsaudit ship" uses) over FILEs, or
over the embedded demo data (cmd/awsaudit/demodata/audit.log: S3 access-log
lines and CloudTrail records with invented values, secrets included, and
one garbage line) when none is given, with per-source topics
  aws.audit.s3_access, aws.audit.cloudtrail and the DLQ aws.audit.dlq,
then reads every topic back over the Kafka protocol and prints, for each,
the message count and the first messages as pretty JSON, then the
pipeline's counters. Nothing leaves the machine and nothing is kept.

"make demo" runs this command. When fluent-bit is on the PATH and the
plugin builds, "make demo" instead runs real Fluent Bit with
build/out_awsaudit.so (tail input of the same files, output awsaudit) and
"awsaudit broker" in the background (cmd/awsaudit/demodata/demo.sh), then
"awsaudit demo --read BROKER" to print the same topics the same way.

Exit status: 0 every record reached Kafka and was read back, 1 otherwise.

Flags:
`

func runDemo(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("demo", demoUsage, stderr)
	show := fs.Int("show", 2, "messages to print per topic")
	read := fs.String("read", "", "only print the demo topics of this broker (host:port), filled by something else")
	settle := fs.Duration("settle", 0, "with --read: first wait until the topics have held messages and grown no more for this long (at most a minute)")
	if code, done := parseFlags(fs, args, stdout); done {
		return code
	}
	if *show < 0 {
		fmt.Fprintln(stderr, "awsaudit demo: --show must not be negative")
		return exitUsage
	}
	if *read != "" {
		if fs.NArg() > 0 {
			fmt.Fprintln(stderr, "awsaudit demo: --read takes no FILE")
			return exitUsage
		}
		if err := demoRead(*read, *show, *settle, stdout); err != nil {
			fmt.Fprintf(stderr, "awsaudit demo: %v\n", err)
			return exitUsage
		}
		return exitOK
	}
	if err := demo(fs.Args(), *show, stdin, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "awsaudit demo: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// demoRead prints the demo topics of a broker as demo does, once they
// hold messages and have not grown for settle.
func demoRead(broker string, show int, settle time.Duration, stdout io.Writer) error {
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute+30*time.Second)
	defer cancel()
	if settle > 0 {
		last, since, deadline := -1, time.Now(), time.Now().Add(time.Minute)
		for time.Now().Before(deadline) {
			total := 0
			for _, topic := range []string{demoTopicS3, demoTopicCT, demoTopicDLQ} {
				recs, err := readTopic(ctx, []string{broker}, topic)
				if err != nil {
					return err
				}
				total += len(recs)
			}
			if total != last {
				last, since = total, time.Now()
			} else if total > 0 && time.Since(since) >= settle {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	var n [3]int
	for i, topic := range []string{demoTopicS3, demoTopicCT, demoTopicDLQ} {
		recs, err := readTopic(ctx, []string{broker}, topic)
		if err != nil {
			return err
		}
		n[i] = len(recs)
		printTopic(out, topic, recs, show)
	}
	fmt.Fprintf(out, "\n%d records normalized, %d dead-lettered.\n", n[0]+n[1], n[2])
	return nil
}

func demo(files []string, show int, stdin io.Reader, stdout, stderr io.Writer) error {
	start := time.Now()
	out := bufio.NewWriter(stdout)
	defer out.Flush()

	cluster, err := startBroker("127.0.0.1", 0, 1, demoTopicS3, demoTopicCT, demoTopicDLQ)
	if err != nil {
		return err
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()

	cfg, err := conf.Parse(conf.FromMap(map[string]string{
		"Brokers":          strings.Join(brokers, ","),
		"Topic_S3_Access":  demoTopicS3,
		"Topic_CloudTrail": demoTopicCT,
		"DLQ_Topic":        demoTopicDLQ,
		"Metrics_Interval": "off",
		"Write_Timeout":    "10s",
	}))
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	p, err := pipeline.New(cfg, demoLogger(stderr))
	if err != nil {
		return err
	}
	defer p.Close()

	inputName := demoInputName + " (embedded)"
	if len(files) > 0 {
		inputName = strings.Join(files, " ")
	}
	fmt.Fprintf(out, "awsaudit demo\n")
	fmt.Fprintf(out, "  broker:   in-memory Kafka (kfake) on %s\n", strings.Join(brokers, ","))
	fmt.Fprintf(out, "  input:    %s\n", inputName)
	fmt.Fprintf(out, "  topics:   %s, %s; dead letters: %s\n\n", demoTopicS3, demoTopicCT, demoTopicDLQ)
	out.Flush()

	// The same reading, batching and retrying as "awsaudit ship".
	s := &shipper{p: p, tag: "demo", batchSize: 500, retries: 3, stderr: stderr, sleep: time.Sleep}
	if len(files) == 0 {
		if err := s.read(bufio.NewReader(bytes.NewReader(demoInput))); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	for _, name := range files {
		if err := s.file(name, stdin); err != nil {
			return err
		}
	}
	if err := s.flush(); err != nil {
		return err
	}
	if err := p.Close(); err != nil {
		return err
	}
	st := p.Stats()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var mismatch []string
	for _, topic := range []string{demoTopicS3, demoTopicCT, demoTopicDLQ} {
		recs, err := readTopic(ctx, brokers, topic)
		if err != nil {
			return err
		}
		want := st.RecordsOut[topic]
		if topic == demoTopicDLQ {
			want = st.DeadLettered
		}
		if int64(len(recs)) != want {
			mismatch = append(mismatch, fmt.Sprintf("%s: the pipeline counted %d, the topic holds %d", topic, want, len(recs)))
		}
		printTopic(out, topic, recs, show)
	}
	printCounters(out, st)
	fmt.Fprintf(out, "\n%d inputs read, %d records normalized, %d dead-lettered, in %.1fs.\n",
		s.records, st.Out(), st.DeadLettered, time.Since(start).Seconds())
	if len(files) == 0 {
		fmt.Fprintln(out, "Secrets in the input (presigned-URL signature, credential and security token;")
		fmt.Fprintln(out, "the AssumeRole sessionToken) reached Kafka as REDACTED.")
	}
	if len(mismatch) > 0 {
		return errors.New("read back does not match the counters: " + strings.Join(mismatch, "; "))
	}
	return nil
}

// printTopic prints a topic's count and its first show messages.
func printTopic(w io.Writer, topic string, recs []*kgo.Record, show int) {
	noun := "messages"
	if len(recs) == 1 {
		noun = "message"
	}
	fmt.Fprintf(w, "=== %s: %d %s", topic, len(recs), noun)
	if len(recs) > show && show > 0 {
		fmt.Fprintf(w, " (first %d shown)", show)
	}
	fmt.Fprintln(w)
	for i, r := range recs {
		if i == show {
			break
		}
		var hdr []string
		if r.Key != nil {
			hdr = append(hdr, "key="+quoteIfNeeded(string(r.Key)))
		}
		for _, h := range r.Headers {
			hdr = append(hdr, quoteIfNeeded(h.Key)+"="+quoteIfNeeded(string(h.Value)))
		}
		fmt.Fprintf(w, "--- offset %d  %s\n", r.Offset, strings.Join(hdr, "  "))
		var pretty bytes.Buffer
		if json.Indent(&pretty, r.Value, "", "  ") != nil {
			pretty.Reset()
			pretty.Write(r.Value)
		}
		pretty.WriteByte('\n')
		w.Write(pretty.Bytes())
	}
	fmt.Fprintln(w)
}

// printCounters prints the pipeline's counters, one per line.
func printCounters(w io.Writer, st pipeline.Stats) {
	fmt.Fprintln(w, "=== pipeline counters")
	type kv struct {
		k string
		v int64
	}
	rows := []kv{{"records_in", st.RecordsIn}}
	topics := make([]string, 0, len(st.RecordsOut))
	for t := range st.RecordsOut {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	for _, t := range topics {
		rows = append(rows, kv{"records_out{" + t + "}", st.RecordsOut[t]})
	}
	rows = append(rows,
		kv{"dead_lettered", st.DeadLettered},
		kv{"dropped", st.Dropped},
		kv{"flushes_ok", st.FlushesOK},
		kv{"flushes_retry", st.FlushesRetry},
		kv{"flushes_error", st.FlushesError},
		kv{"kafka_errors", st.KafkaErrors},
		kv{"bytes_out", st.BytesOut},
	)
	width := 0
	for _, r := range rows {
		width = max(width, len(r.k))
	}
	for _, r := range rows {
		fmt.Fprintf(w, "  %-*s %d\n", width, r.k, r.v)
	}
}

// demoLogger passes the pipeline's warnings and errors to stderr; its
// info messages (the final counters) are printed by the demo itself.
func demoLogger(w io.Writer) pipeline.Logger {
	var mu sync.Mutex
	return func(level pipeline.Level, msg string) {
		if level > pipeline.LevelWarn {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "awsaudit demo: %s\n", msg)
	}
}
