package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/awsaudit/awsaudit/pipeline/kafkaread"
	"github.com/twmb/franz-go/pkg/kgo"
)

const consumeUsage = `Usage: awsaudit consume --brokers HOST:PORT[,...] --topic TOPIC [--max N] [--timeout 5s] [--headers]

Prints the messages of TOPIC from the beginning, one value per line, and
exits after --max messages or when no message arrived for --timeout (or on
Ctrl-C). It joins no consumer group and commits nothing. With --headers each
line is
  key=KEY<TAB>HEADER=VALUE ...<TAB>VALUE
(a missing key prints as key=-; values with spaces or control characters
are Go-quoted). A count goes to stderr.

Exit status: 0 done, 1 usage error or the brokers cannot be reached.

Flags:
`

func runConsume(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("consume", consumeUsage, stderr)
	brokers := fs.String("brokers", "", "comma-separated bootstrap `brokers` (host:port)")
	topic := fs.String("topic", "", "`topic` to read")
	maxN := fs.Int("max", 0, "exit after this many messages (0: no limit)")
	timeout := fs.Duration("timeout", 5*time.Second, "exit when no message arrived for this long")
	headers := fs.Bool("headers", false, "also print each message's key and headers")
	if code, done := parseFlags(fs, args, stdout); done {
		return code
	}
	seeds := splitBrokers(*brokers)
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "awsaudit consume: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	case len(seeds) == 0:
		fmt.Fprintln(stderr, "awsaudit consume: --brokers is required")
		return exitUsage
	case *topic == "":
		fmt.Fprintln(stderr, "awsaudit consume: --topic is required")
		return exitUsage
	case *maxN < 0:
		fmt.Fprintln(stderr, "awsaudit consume: --max must not be negative")
		return exitUsage
	case *timeout <= 0:
		fmt.Fprintln(stderr, "awsaudit consume: --timeout must be positive")
		return exitUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cl, err := kgo.NewClient(
		kgo.SeedBrokers(seeds...),
		kgo.ClientID("awsaudit-consume"),
		kgo.ConsumeTopics(*topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(max(min(*timeout, 500*time.Millisecond), 10*time.Millisecond)),
	)
	if err != nil {
		fmt.Fprintf(stderr, "awsaudit consume: %v\n", err)
		return exitUsage
	}
	defer cl.Close()
	pctx, cancel := context.WithTimeout(ctx, max(*timeout, 5*time.Second))
	err = cl.Ping(pctx)
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "awsaudit consume: cannot reach %s: %v\n", strings.Join(seeds, ","), err)
		return exitUsage
	}

	out := bufio.NewWriterSize(stdout, 64<<10)
	defer out.Flush()
	n := 0
	seenErr := map[string]bool{}
	for *maxN == 0 || n < *maxN {
		pctx, cancel := context.WithTimeout(ctx, *timeout)
		want := -1
		if *maxN > 0 {
			want = *maxN - n
		}
		fetches := cl.PollRecords(pctx, want)
		expired := pctx.Err() != nil
		cancel()
		for _, fe := range fetches.Errors() {
			if errors.Is(fe.Err, context.DeadlineExceeded) || errors.Is(fe.Err, context.Canceled) {
				continue
			}
			if msg := fe.Err.Error(); !seenErr[msg] {
				seenErr[msg] = true
				fmt.Fprintf(stderr, "awsaudit consume: %s[%d]: %v\n", fe.Topic, fe.Partition, fe.Err)
			}
		}
		got := 0
		fetches.EachRecord(func(r *kgo.Record) {
			if *maxN > 0 && n >= *maxN {
				return
			}
			writeMessage(out, r, *headers)
			n++
			got++
		})
		if err := out.Flush(); err != nil {
			fmt.Fprintf(stderr, "awsaudit consume: writing output: %v\n", err)
			return exitUsage
		}
		if ctx.Err() != nil || (got == 0 && expired) {
			break
		}
	}
	noun := "messages"
	if n == 1 {
		noun = "message"
	}
	fmt.Fprintf(stderr, "awsaudit consume: %d %s from %s\n", n, noun, *topic)
	return exitOK
}

// writeMessage prints one message: its value, or with headers
// "key=K<TAB>h=v ...<TAB>value".
func writeMessage(w *bufio.Writer, r *kgo.Record, headers bool) {
	if headers {
		w.WriteString("key=")
		if r.Key == nil {
			w.WriteByte('-')
		} else {
			w.WriteString(quoteIfNeeded(string(r.Key)))
		}
		w.WriteByte('\t')
		for i, h := range r.Headers {
			if i > 0 {
				w.WriteByte(' ')
			}
			w.WriteString(quoteIfNeeded(h.Key))
			w.WriteByte('=')
			w.WriteString(quoteIfNeeded(string(h.Value)))
		}
		w.WriteByte('\t')
	}
	w.Write(r.Value)
	w.WriteByte('\n')
}

// quoteIfNeeded Go-quotes s when it is empty or holds a space, a quote, an
// '=' or a character that is not printable, so a line stays one line and
// splits unambiguously.
func quoteIfNeeded(s string) string {
	if s == "" {
		return `""`
	}
	for _, c := range s {
		if c == ' ' || c == '"' || c == '=' || c == '\\' || !unicode.IsPrint(c) {
			return strconv.Quote(s)
		}
	}
	return s
}

func splitBrokers(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// readTopic reads every message of topic up to the end offsets it finds
// first, ordered by partition then offset: what the demo prints.
func readTopic(ctx context.Context, brokers []string, topic string) ([]*kgo.Record, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ClientID("awsaudit-demo"),
		kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	return kafkaread.ReadTopic(ctx, cl, topic)
}
