package s3sqs

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// resumeAttempts is how often a broken object stream is picked up again
// (a ranged GetObject from where it broke) before the object fails.
const resumeAttempts = 3

// errMessageFailed stops reading a message that already failed.
var errMessageFailed = errors.New("message already failed")

// objectError carries the failure kind of an object.
type objectError struct {
	kind string
	err  error
}

func (e *objectError) Error() string { return e.err.Error() }
func (e *objectError) Unwrap() error { return e.err }

// readObject streams one object into batches of m.
func (s *Source) readObject(m *message, obj Object) error {
	st := &objectStream{s: s, obj: obj}
	if err := st.open(); err != nil {
		return &objectError{FailS3Get, fmt.Errorf("GetObject: %w", err)}
	}
	defer st.close()
	content, _, err := decompress(st)
	if err != nil {
		return &objectError{FailS3Read, err}
	}
	if c, ok := content.(io.Closer); ok {
		defer c.Close()
	}
	b := s.newBatch(m, obj)
	err = splitRecords(content, s.cfg.MaxRecordSize, func(rec []byte) error {
		if b.Len() > 0 && b.size+len(rec)+len(b.head)+len(b.tail)+5 > s.batchBytes {
			if err := s.push(m, b); err != nil {
				return err
			}
			b = s.newBatch(m, obj)
		}
		b.add(rec)
		return nil
	})
	if err == nil && b.Len() > 0 {
		err = s.push(m, b)
	}
	switch {
	case err == nil, errors.Is(err, errQueueClosed), errors.Is(err, errMessageFailed):
		return err
	case errors.Is(err, ErrRecordTooLarge):
		return &objectError{FailTooLarge, err}
	case st.getErr != nil:
		return &objectError{FailS3Get, fmt.Errorf("GetObject (resuming at byte %d): %w", st.off, st.getErr)}
	}
	return &objectError{FailS3Read, err}
}

func (s *Source) newBatch(m *message, obj Object) *Batch {
	return newBatch(m, obj.Bucket, obj.Key, time.Now(), s.batchBytes)
}

// push queues b (blocking while the queue is full), unless m failed.
func (s *Source) push(m *message, b *Batch) error {
	if m.failed() {
		return errMessageFailed
	}
	n := b.Len() // once queued, the batch is the consumer's (Done recycles it)
	m.batchOut()
	if err := s.q.put(b); err != nil {
		m.mu.Lock()
		m.pending--
		m.mu.Unlock()
		return err
	}
	s.c.records.Add(int64(n))
	return nil
}

// objectStream is an object's body that picks up where it broke: a read
// error mid-stream reopens the object with a Range from the offset reached
// (If-Match its ETag, so a replaced object is not spliced), a few times.
type objectStream struct {
	s       *Source
	obj     Object
	body    io.ReadCloser
	etag    *string
	off     int64
	resumed int
	err     error // sticky once the stream is given up
	getErr  error // a reopen failed
}

func (o *objectStream) open() error {
	in := &s3.GetObjectInput{Bucket: &o.obj.Bucket, Key: &o.obj.Key}
	if o.off > 0 {
		in.Range = aws.String(fmt.Sprintf("bytes=%d-", o.off))
		in.IfMatch = o.etag
	}
	out, err := o.s.s3.GetObject(o.s.ctx, in, o.s.regionFor(o.obj))
	if err != nil {
		return err
	}
	if o.etag == nil {
		o.etag = out.ETag
	}
	o.body = out.Body
	return nil
}

func (o *objectStream) Read(p []byte) (int, error) {
	for {
		if o.body == nil {
			return 0, o.err
		}
		n, err := o.body.Read(p)
		o.off += int64(n)
		o.s.c.bytes.Add(int64(n))
		if err == nil || errors.Is(err, io.EOF) {
			return n, err
		}
		if n > 0 {
			return n, nil // the error comes again on the next read
		}
		o.close()
		if o.resumed >= resumeAttempts || o.s.ctx.Err() != nil {
			o.err = err
			return 0, err
		}
		o.resumed++
		if rerr := o.open(); rerr != nil {
			o.getErr, o.err = rerr, rerr
			return 0, rerr
		}
	}
}

func (o *objectStream) close() {
	if o.body != nil {
		o.body.Close()
		o.body = nil
	}
}

// regionFor sends the request to the bucket's region when the
// notification named one (a queue may hear of buckets in other regions);
// a custom endpoint keeps the configured region.
func (s *Source) regionFor(obj Object) func(*s3.Options) {
	return func(o *s3.Options) {
		if obj.Region != "" && s.cfg.EndpointURL == "" {
			o.Region = obj.Region
		}
	}
}
