package s3sqs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// readBufSize is the buffer of each stage of an object's stream.
const readBufSize = 256 << 10

// ErrRecordTooLarge is returned for a line or JSON record longer than the
// configured Max_Record_Size.
var ErrRecordTooLarge = errors.New("record too large")

// IsDigest reports a CloudTrail digest file (AWSLogs/.../CloudTrail-Digest/
// ..._CloudTrail-Digest_....json.gz): signed hashes of the log files, not
// events.
func IsDigest(key string) bool {
	return strings.Contains(key, "-Digest")
}

// decompress returns the object's content: gunzipped when it starts with
// gzip's magic bytes (whatever its name; a .gz key without them is read as
// it is), as stored otherwise. Concatenated gzip members are read through.
func decompress(r io.Reader) (io.Reader, bool, error) {
	br := bufio.NewReaderSize(r, readBufSize)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, false, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, true, fmt.Errorf("gzip: %w", err)
	}
	return zr, true, nil
}

// recordsDocRE recognizes a CloudTrail log file: an object whose first key
// is Records and whose value is an array.
var recordsDocRE = regexp.MustCompile(`^\s*\{\s*"Records"\s*:\s*\[`)

// splitRecords calls emit for every record of an object's (decompressed)
// content, never holding more than one record and a read buffer:
//
//   - a CloudTrail log file ({"Records":[...]}) gives one record per
//     element of Records, each as its JSON text, read with the JSON
//     tokenizer; other top-level keys are skipped;
//   - other JSON (content starting with '{': JSON lines, a pretty-printed
//     document) gives one record per top-level value;
//   - anything else gives one record per non-blank line, without its line
//     break (S3 server access logs).
//
// emit's slice is only valid during the call. A record longer than
// maxRecord fails with ErrRecordTooLarge.
func splitRecords(r io.Reader, maxRecord int, emit func([]byte) error) error {
	br := bufio.NewReaderSize(r, readBufSize)
	head, err := peekNonSpace(br, 64)
	if err != nil {
		return err
	}
	if len(head) > 0 && head[0] == '{' {
		return splitJSON(br, maxRecord, recordsDocRE.Match(head), emit)
	}
	return splitLines(br, maxRecord, emit)
}

// peekNonSpace returns up to n bytes from the first non-blank byte on,
// without consuming anything but the leading white space.
func peekNonSpace(br *bufio.Reader, n int) ([]byte, error) {
	for {
		b, err := br.Peek(1)
		if len(b) == 0 {
			if errors.Is(err, io.EOF) {
				return nil, nil
			}
			return nil, err
		}
		if c := b[0]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			break
		}
		if _, err := br.Discard(1); err != nil {
			return nil, err
		}
	}
	b, err := br.Peek(n)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	return b, nil
}

func splitLines(br *bufio.Reader, maxRecord int, emit func([]byte) error) error {
	var long []byte
	for line := 1; ; {
		chunk, err := br.ReadSlice('\n')
		text := chunk
		// bufio returns its sentinels unwrapped; == keeps this loop cheap.
		if err == bufio.ErrBufferFull || len(long) > 0 { //nolint:errorlint
			if len(long)+len(chunk) > maxRecord+2 { // + "\r\n"
				return fmt.Errorf("%w: line %d is longer than %d bytes", ErrRecordTooLarge, line, maxRecord)
			}
			long = append(long, chunk...)
			if err == bufio.ErrBufferFull { //nolint:errorlint
				continue
			}
			text = long
		}
		text = trimEOL(text)
		if len(text) > maxRecord {
			return fmt.Errorf("%w: line %d is longer than %d bytes", ErrRecordTooLarge, line, maxRecord)
		}
		if !blank(text) {
			if eerr := emit(text); eerr != nil {
				return eerr
			}
		}
		long = long[:0]
		line++
		if err == io.EOF { //nolint:errorlint
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// trimEOL drops a trailing "\n" or "\r\n" (and stray "\r"s before it).
func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// blank reports a line of nothing but white space.
func blank(b []byte) bool {
	if len(b) > 0 && b[0] > ' ' {
		return false // the usual case, decided by the first byte
	}
	return len(bytes.TrimSpace(b)) == 0
}

// boundedReader fails a read that would let the JSON decoder buffer more
// than limit bytes past the start of the value it is decoding: the decoder
// itself has no bound.
type boundedReader struct {
	r     io.Reader
	read  int64 // bytes handed to the decoder
	mark  int64 // decoder offset where the current value starts
	limit int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.read-b.mark > b.limit {
		return 0, ErrRecordTooLarge
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

func splitJSON(br *bufio.Reader, maxRecord int, trail bool, emit func([]byte) error) error {
	lim := &boundedReader{r: br, limit: int64(maxRecord) + readBufSize}
	dec := json.NewDecoder(lim)
	var raw json.RawMessage
	value := func(what string) error {
		lim.mark = dec.InputOffset()
		raw = raw[:0]
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, ErrRecordTooLarge) {
				return fmt.Errorf("%w: %s at offset %d is longer than %d bytes", ErrRecordTooLarge, what, lim.mark, maxRecord)
			}
			return fmt.Errorf("%s at offset %d: %w", what, lim.mark, err)
		}
		if len(raw) > maxRecord {
			return fmt.Errorf("%w: %s at offset %d is %d bytes, more than %d", ErrRecordTooLarge, what, lim.mark, len(raw), maxRecord)
		}
		return nil
	}
	if !trail {
		for dec.More() {
			if err := value("JSON value"); err != nil {
				return err
			}
			if err := emit(raw); err != nil {
				return err
			}
		}
		return trailing(dec)
	}
	// {"Records":[ e, e, ... ] (, "other": ...)* }
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		lim.mark = dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("CloudTrail file: %w", err)
		}
		if key, _ := tok.(string); key != "Records" {
			if err := value(fmt.Sprintf("value of %q", tok)); err != nil {
				return err
			}
			continue
		}
		if err := expectDelim(dec, '['); err != nil {
			return err
		}
		for dec.More() {
			if err := value("CloudTrail record"); err != nil {
				return err
			}
			if err := emit(raw); err != nil {
				return err
			}
		}
		if err := expectDelim(dec, ']'); err != nil {
			return err
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return err
	}
	return trailing(dec)
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("CloudTrail file: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("CloudTrail file: want %q at offset %d, got %v", want, dec.InputOffset(), tok)
	}
	return nil
}

// trailing accepts only white space after the last value.
func trailing(dec *json.Decoder) error {
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("unexpected data")
		}
		return fmt.Errorf("after the JSON content at offset %d: %w", dec.InputOffset(), err)
	}
	return nil
}
