package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/awsaudit/awsaudit/test/awsfake"
)

const benchBucket = "bench-logs"

// benchTB gives the AWS fakes what they need of a test.
type benchTB struct {
	dir      string
	n        int
	cleanups []func()
}

func (b *benchTB) Helper()           {}
func (b *benchTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }
func (b *benchTB) Cleanup(f func())  { b.cleanups = append(b.cleanups, f) }
func (b *benchTB) TempDir() string {
	b.n++
	d := filepath.Join(b.dir, "tmp"+strconv.Itoa(b.n))
	if err := os.MkdirAll(d, 0o755); err != nil {
		panic(err)
	}
	return d
}

func (b *benchTB) close() {
	for i := len(b.cleanups) - 1; i >= 0; i-- {
		b.cleanups[i]()
	}
}

// runS3 compares the same file two ways into the same broker: its lines
// loaded by flbhost and flushed by the output (what tail would hand the
// output), and its objects announced on SQS, read from S3 by the input
// plugin and flushed by the output. The AWS fakes run in this process,
// like the broker outside the measured one.
func runS3(ctx context.Context, cfg config, dir, input string, size int64, addr string, stopBroker func() (map[string]int64, error)) error {
	tb := &benchTB{dir: dir}
	defer tb.close()
	cloud := awsfake.New(tb)
	queue := cloud.SQS.CreateQueue("bench", awsfake.QueueOptions{})
	cloud.S3.CreateBucket(tb, benchBucket)
	keys, err := putObjects(tb, cloud.S3, input, cfg)
	if err != nil {
		return err
	}
	notify := func() {
		for _, k := range keys {
			cloud.SQS.Send(queue, fmt.Sprintf(`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":%q},"object":{"key":%q}}}]}`, benchBucket, k))
		}
	}
	// One collect returns about what one chunk of the lines path holds.
	perEvent := size/int64(cfg.records) + 80
	chunkMax := max(64<<10, perEvent*int64(cfg.perChunk))
	env := awsfake.EnvList(tb.TempDir())
	inputArgs := func(extra ...string) []string {
		args := []string{"-p", cfg.so, "-i", outputSpec(cfg, addr), "-w", strconv.Itoa(cfg.workers), "--retry-max", "0", "-q",
			"--input", cfg.inputSO, "--input-interval-ms", "0", "--input-max-events", strconv.Itoa(cfg.records),
			"--input-property", "Queue_URL=" + queue, "--input-property", "Endpoint_URL=" + cloud.URL,
			"--input-property", "Wait_Time=1", "--input-property", "Metrics_Interval=off",
			"--input-property", "Chunk_Max_Size=" + strconv.FormatInt(chunkMax, 10)}
		return append(args, extra...)
	}

	lines, err := runLines(ctx, cfg, linesArgs(cfg, addr, input))
	if err != nil {
		return err
	}
	notify()
	var out, errb bytes.Buffer
	s3res, err := measureEnv(ctx, env, cfg.host, inputArgs(), &out, &errb)
	if err != nil || !strings.Contains(out.String(), "input_summary") || strings.Contains(summaryLine(out.String()), "retry=1") {
		return fmt.Errorf("flbhost --input: %v\nstdout:\n%s\nstderr:\n%s", err, tail(out.String(), 20), tail(errb.String(), 20))
	}
	if left := cloud.SQS.Messages(queue); len(left) != 0 {
		return fmt.Errorf("%d messages left on the queue after the input run", len(left))
	}
	notify()
	out.Reset()
	errb.Reset()
	bare, err := measureEnv(ctx, env, cfg.host, inputArgs("--no-flush"), &out, &errb)
	if err != nil {
		return fmt.Errorf("flbhost --input --no-flush: %v\nstderr:\n%s", err, tail(errb.String(), 20))
	}

	counts, err := stopBroker()
	if err != nil {
		return err
	}
	if want := 2 * int64(cfg.records); counts[topic] != want || counts[dlq] != 0 {
		return fmt.Errorf("the broker holds %d records in %s and %d in %s, want %d and 0", counts[topic], topic, counts[dlq], dlq, want)
	}

	n := float64(cfg.records)
	us := func(r result) float64 { return r.cpu.Seconds() * 1e6 / n }
	form := "plain"
	if cfg.gzip {
		form = "gzip"
	}
	fmt.Printf("\n%d records (%.1f MB) as %d %s object(s); one collect returns at most %d bytes (about %d events, as the lines' chunks)\n",
		cfg.records, float64(size)/1e6, len(keys), form, chunkMax, cfg.perChunk)
	fmt.Println("CPU = user+sys of flbhost only; the broker (its own process) and the AWS fakes (in this driver) are not counted.")
	fmt.Println()
	fmt.Println("| path | CPU s | wall s | records/s | CPU µs/record | peak RSS MB |")
	fmt.Println("|---|---|---|---|---|---|")
	row := func(name string, r result) {
		fmt.Printf("| %s | %.2f | %.2f | %.0f | %.2f | %d |\n", name, r.cpu.Seconds(), r.wall.Seconds(), n/r.wall.Seconds(), us(r), r.maxRSS>>20)
	}
	row("lines → output (flbhost -l)", lines)
	row("SQS + S3 → input → output", s3res)
	row("SQS + S3 → input alone (--no-flush)", bare)
	fmt.Printf("\nCPU per record, input path / lines path: %.2fx (budget 1.30x)\n", s3res.cpu.Seconds()/lines.cpu.Seconds())
	return nil
}

// putObjects cuts the file into cfg.objects objects of whole lines.
func putObjects(tb *benchTB, s3 *awsfake.S3, input string, cfg config) ([]string, error) {
	f, err := os.Open(input)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	per := (cfg.records + cfg.objects - 1) / cfg.objects
	var keys []string
	for i := 0; ; i++ {
		path := filepath.Join(tb.TempDir(), "object")
		o, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		var w io.Writer = o
		var zw *gzip.Writer
		if cfg.gzip {
			zw = gzip.NewWriter(o)
			w = zw
		}
		n := 0
		for ; n < per; n++ {
			line, err := br.ReadBytes('\n')
			if len(line) > 0 {
				if _, werr := w.Write(line); werr != nil {
					return nil, werr
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
		}
		if zw != nil {
			if err := zw.Close(); err != nil {
				return nil, err
			}
		}
		if err := o.Close(); err != nil {
			return nil, err
		}
		if n == 0 {
			return keys, nil
		}
		key := fmt.Sprintf("s3-access/2024-05-01-00-%02d-%02d-%016X", i/60, i%60, i)
		s3.PutFile(tb, benchBucket, key, path)
		keys = append(keys, key)
	}
}
