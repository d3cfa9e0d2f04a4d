package awsfake

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
)

// S3 is an in-process S3-compatible service (gofakes3, path style) whose
// objects are files under Dir, streamed from disk: a large
// object costs the test process no memory. Faults can break a GET
// mid-stream or refuse it.
type S3 struct {
	// Dir holds the buckets, one directory each, objects as files.
	Dir     string
	backend *s3afero.MultiBucketBackend
	handler http.Handler

	mu     sync.Mutex
	breaks map[string][]int64 // "bucket/key" -> byte counts after which a GET is cut
	gets   map[string]int
}

func newS3(tb TB) *S3 {
	tb.Helper()
	root := tb.TempDir()
	fs, err := s3afero.FsPath(root, 0)
	if err != nil {
		tb.Fatal(err)
	}
	backend, err := s3afero.MultiBucket(fs)
	if err != nil {
		tb.Fatal(err)
	}
	f := &S3{Dir: filepath.Join(root, "buckets"), backend: backend, breaks: map[string][]int64{}, gets: map[string]int{}}
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	f.handler = f.faults(faker.Server())
	return f
}

// CreateBucket makes a bucket.
func (f *S3) CreateBucket(tb TB, name string) {
	tb.Helper()
	if err := f.backend.CreateBucket(name); err != nil {
		tb.Fatal(err)
	}
}

// Put stores an object through the backend.
func (f *S3) Put(tb TB, bucket, key string, data []byte) {
	tb.Helper()
	if _, err := f.backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil); err != nil {
		tb.Fatal(err)
	}
}

// PutFile stores a file as an object, streaming it (large objects), and
// removes the file.
func (f *S3) PutFile(tb TB, bucket, key, path string) {
	tb.Helper()
	file, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer os.Remove(path)
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := f.backend.PutObject(bucket, key, map[string]string{}, file, st.Size(), nil); err != nil {
		tb.Fatal(err)
	}
}

// BreakAfter cuts the next GETs of an object, one per count, after that
// many body bytes (the client sees the connection drop).
func (f *S3) BreakAfter(bucket, key string, counts ...int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.breaks[bucket+"/"+key] = append(f.breaks[bucket+"/"+key], counts...)
}

// Gets returns how often an object was requested.
func (f *S3) Gets(bucket, key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets[bucket+"/"+key]
}

func (f *S3) faults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		obj := strings.TrimPrefix(r.URL.Path, "/")
		f.mu.Lock()
		f.gets[obj]++
		cut := int64(-1)
		if b := f.breaks[obj]; len(b) > 0 {
			cut, f.breaks[obj] = b[0], b[1:]
		}
		f.mu.Unlock()
		if cut >= 0 {
			w = &cutWriter{ResponseWriter: w, left: cut}
		}
		next.ServeHTTP(w, r)
	})
}

// cutWriter aborts the response after left body bytes.
type cutWriter struct {
	http.ResponseWriter
	left int64
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		n, _ := c.ResponseWriter.Write(p[:c.left])
		if fl, ok := c.ResponseWriter.(http.Flusher); ok {
			fl.Flush()
		}
		c.left = 0
		_ = n
		panic(http.ErrAbortHandler) // drops the connection mid-body
	}
	c.left -= int64(len(p))
	return c.ResponseWriter.Write(p)
}

var _ io.Writer = (*cutWriter)(nil)
