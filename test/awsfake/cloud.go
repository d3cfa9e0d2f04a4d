package awsfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
)

// Cloud is one endpoint on 127.0.0.1 serving both fakes, as a single
// Endpoint_URL does for S3-compatible stacks: requests whose X-Amz-Target
// names AmazonSQS go to SQS, everything else to S3. Queue URLs are
// URL/000000000000/NAME.
type Cloud struct {
	URL string
	SQS *SQS
	S3  *S3
}

// TB is what the fakes need of a test: testing.TB has it, and a program
// (a benchmark driver) can provide it too.
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
	TempDir() string
}

// New starts the endpoint; it stops when the test ends.
func New(tb TB) *Cloud {
	tb.Helper()
	c := &Cloud{S3: newS3(tb)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.") {
			c.SQS.serve(w, r)
			return
		}
		c.S3.handler.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	c.URL = srv.URL
	c.SQS = newSQS(srv.URL)
	return c
}
