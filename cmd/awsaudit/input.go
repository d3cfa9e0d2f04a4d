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
)

// maxLine bounds one input line or document (a CloudTrail file can be large).
const maxLine = 64 << 20

// parseFlags parses a command's flags the same way for every command:
// --help prints the usage to stdout and succeeds, a bad flag is a usage
// error. done is true when the command must return code now.
// newFlags is a command's flag set: errors and usage (usage, then the
// flags) to stderr, or to stdout when help is asked for (see parseFlags).
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return exitOK, false
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return exitOK, true
	default:
		return exitUsage, true
	}
}

// readInputs opens name ("-" is stdin; gzip is detected by its magic
// bytes, not the file name) and calls fn for every input in it with the
// line it starts on: the whole stream when it is one JSON document (a
// delivered CloudTrail file, an EventBridge event) unless linesOnly, else
// every non-blank line. fn's input is only valid during the call.
func readInputs(name string, stdin io.Reader, linesOnly bool, fn func(input []byte, line int) error) error {
	display := name
	var in io.Reader = stdin
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
	if err := eachInput(br, linesOnly, fn); err != nil {
		return fmt.Errorf("%s: %w", display, err)
	}
	return nil
}

// eachInput is readInputs for an open stream.
func eachInput(br *bufio.Reader, linesOnly bool, fn func(input []byte, line int) error) error {
	if !linesOnly && firstNonSpace(br) == '{' {
		all, err := io.ReadAll(io.LimitReader(br, maxLine+1))
		if err != nil {
			return err
		}
		if len(all) <= maxLine && json.Valid(all) {
			line := 1 + bytes.Count(all[:len(all)-len(bytes.TrimLeft(all, " \t\r\n"))], []byte{'\n'})
			return fn(bytes.TrimSpace(all), line)
		}
		if len(all) <= maxLine {
			// Pretty-printed documents one after another (jq's output, or
			// records saved one by one): each is an input.
			if docs, lines, ok := jsonStream(all); ok {
				for i, doc := range docs {
					if err := fn(doc, lines[i]); err != nil {
						return err
					}
				}
				return nil
			}
		}
		// Not one document: JSON lines (or garbage), read line by line.
		br = bufio.NewReader(io.MultiReader(bytes.NewReader(all), br))
	}
	var long []byte
	for line := 1; ; line++ {
		chunk, err := br.ReadSlice('\n')
		text := chunk
		if errors.Is(err, bufio.ErrBufferFull) || len(long) > 0 {
			long = append(long, chunk...)
			if len(long) > maxLine {
				return fmt.Errorf("line %d is longer than %d bytes", line, maxLine)
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				line--
				continue
			}
			text = long
		}
		if text = bytes.TrimRight(text, "\r\n"); len(bytes.TrimSpace(text)) > 0 {
			if ferr := fn(text, line); ferr != nil {
				return ferr
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

// jsonStream splits b into the JSON objects it holds one after another,
// with the line each starts on; ok is false unless all of b is objects
// and white space, so anything else is read line by line as before.
func jsonStream(b []byte) (docs [][]byte, lines []int, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	line, counted := 1, 0
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			return docs, lines, len(docs) > 0
		} else if err != nil || len(raw) == 0 || raw[0] != '{' {
			return nil, nil, false
		}
		end := int(dec.InputOffset())
		start := end - len(raw)
		line += bytes.Count(b[counted:start], []byte{'\n'})
		docs, lines = append(docs, b[start:end]), append(lines, line)
		line += bytes.Count(b[start:end], []byte{'\n'})
		counted = end
	}
}
