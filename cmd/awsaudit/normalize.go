package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/awsaudit/awsaudit/normalize"
	"github.com/valyala/fastjson"
)

const normalizeUsage = `Usage: awsaudit normalize [flags] [FILE...]

Reads S3 server access-log lines and CloudTrail records (one per line, a
delivered {"Records":[...]} file, an EventBridge event or a CloudWatch Logs
subscription message) from FILEs, or stdin when none is given; .gz files are
read transparently. Writes one unified record per line to stdout.

Each rejected input goes to stderr as one JSON line
  {"error": "...", "line": N, "file": "...", "input": "<redacted, truncated>"}
and the good ones are still written.

Exit status: 0 all inputs normalized, 2 some rejected, 1 usage or I/O error.

Flags:
`

// maxErrorInput bounds how much of a rejected input is echoed to stderr.
const maxErrorInput = 512

// maxLine bounds one input line (a CloudTrail record can be large).
const maxLine = 64 << 20

func runNormalize(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("normalize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	source := fs.String("source", "auto", "input source: auto, s3_access or cloudtrail")
	defaultRegion := fs.String("default-region", "", "region when neither the record nor its host names one")
	redact := fs.Bool("redact", true, "mask presigned-URL signatures, credentials and session tokens")
	includeRaw := fs.Bool("include-raw", false, "add the original input as \"raw\" (redacted)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), normalizeUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return exitOK
		}
		return exitUsage
	}
	src, err := normalize.ParseSource(*source)
	if err != nil {
		fmt.Fprintf(stderr, "awsaudit normalize: --source: %v\n", err)
		return exitUsage
	}
	opts := normalize.DefaultOptions()
	opts.DefaultRegion = *defaultRegion
	opts.Redact = *redact
	opts.IncludeRaw = *includeRaw
	opts.KeyPath = ""

	out := bufio.NewWriterSize(stdout, 64<<10)
	r := &normalizeRun{n: normalize.New(opts), src: src, out: out, stderr: stderr, redact: *redact}
	files := fs.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	status := exitOK
	for _, name := range files {
		if err := r.file(name, stdin); err != nil {
			fmt.Fprintf(stderr, "awsaudit normalize: %v\n", err)
			status = exitUsage
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(stderr, "awsaudit normalize: writing output: %v\n", err)
		return exitUsage
	}
	if status == exitOK && r.rejected > 0 {
		status = exitRejected
	}
	return status
}

type normalizeRun struct {
	n        *normalize.Normalizer
	src      normalize.Source
	out      *bufio.Writer
	stderr   io.Writer
	redact   bool
	rejected int
	fileName string
	line     int
}

func (r *normalizeRun) file(name string, stdin io.Reader) error {
	var in io.Reader = stdin
	display := name
	if name == "-" {
		display = "<stdin>"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	br := bufio.NewReaderSize(in, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", display, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 256<<10)
	}
	r.fileName = display
	if err := r.read(br); err != nil {
		return fmt.Errorf("%s: %w", display, err)
	}
	return nil
}

// read feeds the stream to the normalizer. A stream that opens with '{' may
// be one pretty-printed JSON document (a delivered CloudTrail file, an
// EventBridge event) or JSON lines: the whole document is tried first.
func (r *normalizeRun) read(br *bufio.Reader) error {
	if first := firstNonSpace(br); first == '{' && r.src != normalize.SourceS3Access {
		all, err := io.ReadAll(io.LimitReader(br, maxLine+1))
		if err != nil {
			return err
		}
		if len(all) <= maxLine && fastjson.ValidateBytes(all) == nil {
			r.line = 1 + bytes.Count(leadingSpace(all), []byte{'\n'})
			r.input(bytes.TrimSpace(all))
			return nil
		}
		return r.lines(bufio.NewReader(io.MultiReader(bytes.NewReader(all), br)))
	}
	return r.lines(br)
}

func (r *normalizeRun) lines(br *bufio.Reader) error {
	r.line = 0
	var long []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line := chunk
		if errors.Is(err, bufio.ErrBufferFull) || len(long) > 0 {
			long = append(long, chunk...)
			if len(long) > maxLine {
				return fmt.Errorf("line %d is longer than %d bytes", r.line+1, maxLine)
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			line = long
		}
		if len(line) > 0 {
			r.line++
			if len(bytes.TrimSpace(line)) > 0 {
				r.input(line)
			}
		}
		long = long[:0]
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (r *normalizeRun) input(in []byte) {
	r.n.Normalize(in, r.src, nil, r.emit)
}

func (r *normalizeRun) emit(o *normalize.Output) {
	if o.Err == nil {
		r.out.Write(o.JSON)
		r.out.WriteByte('\n')
		return
	}
	r.rejected++
	input := bytes.TrimRight(o.Input, "\r\n")
	if r.redact {
		input = normalize.AppendRedacted(nil, input)
	}
	if len(input) > maxErrorInput {
		input = append(input[:maxErrorInput:maxErrorInput], "..."...)
	}
	enc := json.NewEncoder(r.stderr)
	enc.SetEscapeHTML(false)
	enc.Encode(rejectLine{o.Err.Error(), r.line, r.fileName, strings.ToValidUTF8(string(input), "\uFFFD")})
}

// rejectLine is what a rejected input looks like on stderr.
type rejectLine struct {
	Error string `json:"error"`
	Line  int    `json:"line"`
	File  string `json:"file"`
	Input string `json:"input"`
}

func firstNonSpace(br *bufio.Reader) byte {
	for n := 1; ; n++ {
		b, err := br.Peek(n)
		if len(b) < n {
			return 0
		}
		c := b[n-1]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c
		}
		if err != nil || n >= br.Size() {
			return 0
		}
	}
}

func leadingSpace(b []byte) []byte {
	return b[:len(b)-len(bytes.TrimLeft(b, " \t\r\n"))]
}

func runSchema(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: awsaudit schema")
		return exitUsage
	}
	stdout.Write(normalize.SchemaJSON)
	return exitOK
}
