package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/normalize"
	"github.com/awsaudit/awsaudit/normalize/detect"
	"github.com/awsaudit/awsaudit/normalize/redact"
	"github.com/awsaudit/awsaudit/normalize/schema"
)

const normalizeUsage = `Usage: awsaudit normalize [flags] [FILE...]

Reads S3 server access-log lines and CloudTrail records (one per line, a
delivered {"Records":[...]} file, an EventBridge event or a CloudWatch Logs
subscription message) from FILEs, or stdin when none is given; .gz files are
read transparently. Writes one unified record per line to stdout.

A file may also hold pretty-printed JSON documents one after another.
CloudTrail digest files are skipped with a note on stderr; at the end, the
count of skipped digest files and of access-log operations this version
does not know (normalized without "action") goes to stderr when not zero.

Each rejected input goes to stderr as one JSON line
  {"error": "...", "line": N, "file": "...", "input": "<redacted, truncated>"}
and the good ones are still written.

Exit status: 0 all inputs normalized, 2 some rejected, 1 usage or I/O error.

Flags:
`

// maxErrorInput bounds how much of a rejected input is echoed to stderr.
const maxErrorInput = 512

func runNormalize(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("normalize", normalizeUsage, stderr)
	source := fs.String("source", "auto", "input source: auto, s3_access or cloudtrail")
	defaultRegion := fs.String("default-region", "", "region when neither the record nor its host names one")
	redact := fs.Bool("redact", true, "mask presigned-URL signatures, credentials and session tokens")
	includeRaw := fs.Bool("include-raw", false, "add the original input as \"raw\" (redacted)")
	rulesFile := fs.String("rules", "default", "detections, as the plugin's Rules_File: \"default\" (the built-in rules, as the plugin without Rules_File), \"off\", or a rules YAML file")
	format := fs.String("format", "unified", "output format: unified or ocsf (OCSF API Activity)")
	if code, done := parseFlags(fs, args, stdout); done {
		return code
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
	if opts.Format, err = normalize.ParseFormat(*format); err != nil {
		fmt.Fprintf(stderr, "awsaudit normalize: --format: %v\n", err)
		return exitUsage
	}
	rulesValue := *rulesFile
	if rulesValue == "default" {
		rulesValue = "" // Rules_File unset
	}
	rc, err := conf.RulesFor(rulesValue)
	if err != nil {
		fmt.Fprintf(stderr, "awsaudit normalize: --rules: %v\n", err)
		return exitUsage
	}
	if opts.Rules, err = detect.New(rc); err != nil {
		fmt.Fprintf(stderr, "awsaudit normalize: --rules: %v\n", err)
		return exitUsage
	}

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
	if st := r.n.Stats(); st != (normalize.Stats{}) {
		// Not errors, but worth knowing: an operation this version does
		// not map, or digest files in the input.
		fmt.Fprintf(stderr, "awsaudit normalize: %s\n", st)
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
	r.fileName = name
	if name == "-" {
		r.fileName = "<stdin>"
	}
	return readInputs(name, stdin, r.src == normalize.SourceS3Access, func(input []byte, line int) error {
		r.line = line
		r.input(input)
		return nil
	})
}

func (r *normalizeRun) input(in []byte) {
	digests := r.n.Stats().DigestFiles
	r.n.Normalize(in, r.src, nil, r.emit)
	if r.n.Stats().DigestFiles > digests {
		fmt.Fprintf(r.stderr, "awsaudit normalize: %s: line %d: skipped a CloudTrail digest file (it signs log files and holds no API calls)\n",
			r.fileName, r.line)
	}
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
		input = redact.Append(nil, input)
	}
	if len(input) > maxErrorInput {
		input = append(input[:maxErrorInput:maxErrorInput], "..."...)
	}
	enc := json.NewEncoder(r.stderr)
	enc.SetEscapeHTML(false)
	reason := o.Err.Error()
	if r.redact {
		// A reason may quote the field it could not read.
		reason = string(redact.Append(nil, []byte(reason)))
	}
	enc.Encode(rejectLine{reason, r.line, r.fileName, strings.ToValidUTF8(string(input), "\uFFFD")})
}

// rejectLine is what a rejected input looks like on stderr.
type rejectLine struct {
	Error string `json:"error"`
	Line  int    `json:"line"`
	File  string `json:"file"`
	Input string `json:"input"`
}

func runSchema(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: awsaudit schema")
		return exitUsage
	}
	stdout.Write(schema.JSON)
	return exitOK
}
