package s3sqs

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func gz(t testing.TB, parts ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, p := range parts { // several members, as concatenated .gz files
		zw := gzip.NewWriter(&b)
		if _, err := zw.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// split runs decompress and splitRecords and copies the records out.
func split(t testing.TB, content []byte, maxRecord int) ([]string, bool, error) {
	t.Helper()
	r, gzipped, err := decompress(bytes.NewReader(content))
	if err != nil {
		return nil, gzipped, err
	}
	var out []string
	err = splitRecords(r, maxRecord, func(rec []byte) error {
		out = append(out, string(rec))
		return nil
	})
	return out, gzipped, err
}

func TestSplitRecords(t *testing.T) {
	long := strings.Repeat("x", 3*readBufSize) // longer than every buffer
	ev1 := `{"eventVersion":"1.09","eventName":"GetObject","requestParameters":{"bucketName":"b","key":"k"}}`
	ev2 := `{"eventVersion":"1.09","eventName":"PutObject","eventSource":"s3.amazonaws.com"}`
	tests := []struct {
		name    string
		content []byte
		want    []string
		gzipped bool
	}{
		{"access log lines", []byte("line one\nline two\n"), []string{"line one", "line two"}, false},
		{"crlf, blanks, no final newline", []byte("a\r\n\r\n  \nb\r\nc"), []string{"a", "b", "c"}, false},
		{"line longer than the buffers", []byte("short\n" + long + "\nend"), []string{"short", long, "end"}, false},
		{"empty object", nil, nil, false},
		{"only blanks", []byte("\n\n \n"), nil, false},
		{"gzip", gz(t, "l1\nl2\n"), []string{"l1", "l2"}, true},
		{"gzip members", gz(t, "l1\n", "l2\n", "l3"), []string{"l1", "l2", "l3"}, true},
		{"empty gzip", gz(t, ""), nil, true},
		{"CloudTrail file", []byte(`{"Records":[` + ev1 + `,` + ev2 + `]}`), []string{ev1, ev2}, false},
		{"CloudTrail file gzip", gz(t, `{"Records":[`+ev1+`,`+ev2+`]}`), []string{ev1, ev2}, true},
		{"CloudTrail file pretty", []byte("\n {\n  \"Records\" : [\n   " + ev1 + " ,\n   " + ev2 + "\n  ]\n }\n"), []string{ev1, ev2}, false},
		{"CloudTrail file other keys", []byte(`{"Records":[` + ev1 + `],"digest":{"x":[1,2]},"n":1}`), []string{ev1}, false},
		{"CloudTrail file no records", []byte(`{"Records":[]}`), nil, false},
		{"JSON lines", []byte(ev1 + "\n" + ev2 + "\n"), []string{ev1, ev2}, false},
		{"JSON document, Records not first", []byte(`{"n":1,"Records":[` + ev1 + `]}`), []string{`{"n":1,"Records":[` + ev1 + `]}`}, false},
		{"pretty JSON document", []byte("{\n  \"detail-type\": \"AWS API Call via CloudTrail\",\n  \"detail\": {}\n}\n"), []string{"{\n  \"detail-type\": \"AWS API Call via CloudTrail\",\n  \"detail\": {}\n}"}, false},
		{".gz name, plain content", []byte("plain\n"), []string{"plain"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, gzipped, err := split(t, tt.content, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if gzipped != tt.gzipped {
				t.Errorf("gzip detected %v, want %v", gzipped, tt.gzipped)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %d records %.200q\nwant %d %.200q", len(got), got, len(tt.want), tt.want)
			}
		})
	}
}

func TestSplitRecordsErrors(t *testing.T) {
	tests := []struct {
		name    string
		content []byte
		max     int
		tooBig  bool
		contain string
	}{
		{"line too long", []byte("ok\n" + strings.Repeat("y", 5000) + "\n"), 4096, true, "line 2 is longer than 4096 bytes"},
		{"long line without newline", []byte(strings.Repeat("y", 3*readBufSize)), readBufSize, true, "line 1"},
		{"CloudTrail record too long", []byte(`{"Records":[{"a":"` + strings.Repeat("z", 5000) + `"}]}`), 4096, true, "CloudTrail record"},
		{"huge CloudTrail record is not buffered", []byte(`{"Records":[{"a":"` + strings.Repeat("z", 4*readBufSize) + `"}]}`), 1024, true, "longer than 1024 bytes"},
		{"truncated CloudTrail file", []byte(`{"Records":[{"a":1},{"b":`), 1 << 20, false, "CloudTrail record"},
		{"Records not an array", []byte(`{"Records":[1]`), 1 << 20, false, "CloudTrail file"},
		{"garbage after JSON", []byte(`{"a":1} nonsense`), 1 << 20, false, "JSON value"},
		{"corrupt gzip", append(gz(t, "data\n")[:12], 0xff, 0xff, 0xff, 0xff), 1 << 20, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := split(t, tt.content, tt.max)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrRecordTooLarge) != tt.tooBig || !strings.Contains(err.Error(), tt.contain) {
				t.Errorf("error %q: want ErrRecordTooLarge=%v containing %q", err, tt.tooBig, tt.contain)
			}
		})
	}
}

// TestSplitDeliveredCloudTrailFile splits the published CloudTrail file
// into exactly its Records elements.
func TestSplitDeliveredCloudTrailFile(t *testing.T) {
	b := sample(t, filepath.Join("cloudtrail_envelopes", "s3_delivered_log_file_Records.json"))
	var doc struct{ Records []json.RawMessage }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	got, _, err := split(t, gz(t, string(b)), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(doc.Records) || len(got) == 0 {
		t.Fatalf("%d records, want %d", len(got), len(doc.Records))
	}
	for i := range got {
		if got[i] != string(doc.Records[i]) {
			t.Errorf("record %d differs:\n%s\n%s", i, got[i], doc.Records[i])
		}
	}
}

func TestIsDigest(t *testing.T) {
	for key, want := range map[string]bool{
		"AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/03/01/123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20240301T120000Z.json.gz": true,
		"AWSLogs/o-abc/123456789012/CloudTrail-Digest/eu-west-1/2024/03/01/x.json.gz":                                                                   true,
		"AWSLogs/123456789012/CloudTrail/us-east-1/2024/03/01/123456789012_CloudTrail_us-east-1_20240301T1200Z_abc.json.gz":                             false,
		"access/2024-03-01-12-00-00-1A2B3C4D5E6F7A8B":                                                                                                   false,
	} {
		if IsDigest(key) != want {
			t.Errorf("IsDigest(%q) = %v", key, !want)
		}
	}
}

// TestSplitStreamsWithBoundedMemory streams a 16 MiB CloudTrail file and
// 16 MiB of access-log lines, generated as they are read, and checks the
// heap never holds more than a small fraction of them.
func TestSplitStreamsWithBoundedMemory(t *testing.T) {
	const size = 16 << 20
	for _, kind := range []string{"cloudtrail", "lines"} {
		t.Run(kind, func(t *testing.T) {
			peak := watchHeap(t)
			var n atomic.Int64
			err := splitRecords(generated(kind, size), 1<<20, func(rec []byte) error {
				n.Add(1)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			p := peak()
			t.Logf("%s: %d records from %d MiB, peak heap %.1f MiB", kind, n.Load(), size>>20, float64(p)/(1<<20))
			if p > 8<<20 {
				t.Errorf("peak heap %d MiB while streaming %d MiB: the object is being held", p>>20, size>>20)
			}
		})
	}
}

// generated returns about size bytes of a CloudTrail file or of lines,
// produced as they are read.
func generated(kind string, size int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		var err error
		write := func(s string) {
			if err == nil {
				_, err = io.WriteString(pw, s)
			}
		}
		if kind == "cloudtrail" {
			write(`{"Records":[`)
		}
		for i, n := 0, 0; n < size && err == nil; i++ {
			var rec string
			if kind == "cloudtrail" {
				rec = fmt.Sprintf(`{"eventVersion":"1.09","eventTime":"2024-03-01T12:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","requestID":"REQ%012d","requestParameters":{"bucketName":"b","key":"k/%d"}}`, i, i)
				if i > 0 {
					rec = "," + rec
				}
			} else {
				rec = fmt.Sprintf("owner bucket [01/Mar/2024:12:00:00 +0000] 192.0.2.1 - REQ%012d REST.GET.OBJECT k/%d \"GET /k HTTP/1.1\" 200 - 1 1 1 1 \"-\" \"ua\" -\n", i, i)
			}
			write(rec)
			n += len(rec)
		}
		if kind == "cloudtrail" {
			write("]}")
		}
		pw.CloseWithError(err)
	}()
	return pr
}

// watchHeap samples HeapAlloc until the returned function is called,
// which returns the peak. The GC runs eagerly meanwhile (GOGC 10), so the
// peak is close to the live heap rather than to the pacer's headroom.
func watchHeap(t testing.TB) func() uint64 {
	old := debug.SetGCPercent(10)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	var once sync.Once
	done := func() uint64 {
		once.Do(func() { close(stop); wg.Wait() })
		return peak.Load()
	}
	t.Cleanup(func() { done() })
	return done
}

// sample reads a published sample (they live beside the repository).
func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "samples", name))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("sample %s not found (the shared samples live next to the repository)", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzSplitRecords(f *testing.F) {
	f.Add([]byte("a\nb\r\n"), false)
	f.Add([]byte(`{"Records":[{"a":1},{"b":[2]}]}`), false)
	f.Add([]byte(`{"a":1}{"b":2}`), true)
	f.Add([]byte("l1\nl2\n"), true)
	f.Fuzz(func(t *testing.T, content []byte, compress bool) {
		if compress {
			content = gz(t, string(content))
		}
		recs, _, err := split(t, content, 4096)
		for _, r := range recs {
			if len(r) > 4096 {
				t.Fatalf("record of %d bytes passed a 4096 limit", len(r))
			}
			if strings.TrimSpace(r) == "" {
				t.Fatal("blank record")
			}
		}
		_ = err
	})
}
