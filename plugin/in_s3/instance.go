package main

import (
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/awsaudit/awsaudit/pipeline/s3sqs"
)

// instance is one [INPUT] section of the plugin.
type instance struct {
	id  int
	log *inLogger
	src *s3sqs.Source
	max int // Chunk_Max_Size
}

var (
	instances sync.Map // int -> *instance
	nextID    atomic.Int64
	// handouts maps each buffer returned to Fluent Bit (C memory) to its
	// batches, until the cleanup callback says Fluent Bit took it.
	handouts sync.Map // uintptr -> []*s3sqs.Batch
)

// lookup maps a remote_context to its instance; nil when unknown.
func lookup(ctx unsafe.Pointer) *instance {
	if ctx == nil {
		return nil
	}
	v, ok := instances.Load(contextID(ctx))
	if !ok {
		return nil
	}
	return v.(*instance)
}

// only returns the single live instance, or nil when there are none or
// several.
func only() *instance {
	var found *instance
	n := 0
	instances.Range(func(_, v any) bool {
		found = v.(*instance)
		n++
		return n < 2
	})
	if n != 1 {
		return nil
	}
	return found
}

// collect encodes what the source has read into a C buffer, or returns
// nil, 0 when there is nothing yet.
func (in *instance) collect() (unsafe.Pointer, int) {
	batches := in.src.Take(in.max, 0)
	if len(batches) == 0 {
		return nil, 0
	}
	n := s3sqs.EventsSize(batches)
	p := cAlloc(n)
	if p == nil {
		for _, b := range batches {
			b.Fail("out of memory for the events")
		}
		return nil, 0
	}
	buf := s3sqs.EncodeEvents(unsafe.Slice((*byte)(p), n)[:0], batches, time.Now())
	if len(buf) != n || unsafe.Pointer(unsafe.SliceData(buf)) != p {
		panic("awsaudit_s3: events do not fit their computed size") // cannot happen; never hand on a half
	}
	handouts.Store(uintptr(p), batches)
	return p, n
}

// release frees a buffer Fluent Bit is done with and marks its batches
// handed on.
func release(data unsafe.Pointer) {
	if data == nil {
		return
	}
	v, ok := handouts.LoadAndDelete(uintptr(data))
	cFree(data)
	if ok {
		for _, b := range v.([]*s3sqs.Batch) {
			b.Done()
		}
	}
}

// closeAll stops every instance: unfinished messages become visible again.
func closeAll() {
	instances.Range(func(k, v any) bool {
		in := v.(*instance)
		instances.Delete(k)
		in.src.Close()
		in.log.detached.Store(true)
		return true
	})
}
