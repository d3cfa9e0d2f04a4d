package main

import (
	"sync"
	"unsafe"

	"github.com/awsaudit/awsaudit/pipeline/s3sqs"
	"github.com/awsaudit/awsaudit/plugin/internal/registry"
)

// instance is one [INPUT] section of the plugin.
type instance struct {
	id  int
	log *inLogger
	src *s3sqs.Source
	max int // Chunk_Max_Size

	// buf is C memory reused for every collect: Fluent Bit copies the
	// events and calls the cleanup callback before it collects again, so
	// one buffer serves (a fresh one each time would cost page faults).
	mu      sync.Mutex
	buf     unsafe.Pointer
	bufCap  int
	bufBusy bool
}

// handout is a buffer Fluent Bit holds until the cleanup callback.
type handout struct {
	in      *instance // nil: a buffer of its own, freed at cleanup
	batches []*s3sqs.Batch
}

var (
	// instances are found by the id stored as their remote_context.
	instances registry.Set[*instance]
	// handouts maps each buffer returned to Fluent Bit (C memory) to its
	// batches, until the cleanup callback says Fluent Bit took it.
	handouts sync.Map // uintptr -> handout
)

// lookup maps a remote_context to its instance; nil when unknown.
func lookup(ctx unsafe.Pointer) *instance {
	if ctx == nil {
		return nil
	}
	in, _ := instances.Load(contextID(ctx))
	return in
}

// only returns the single live instance, or nil when there are none or
// several.
func only() *instance {
	in, _ := instances.Only()
	return in
}

// collect encodes what the source has read into a C buffer, or returns
// nil, 0 when there is nothing yet.
func (in *instance) collect() (unsafe.Pointer, int) {
	batches := in.src.Take(in.max, 0)
	if len(batches) == 0 {
		return nil, 0
	}
	n := s3sqs.EventsSize(batches)
	p, owner := in.buffer(n)
	if p == nil {
		for _, b := range batches {
			b.Fail("out of memory for the events")
		}
		return nil, 0
	}
	buf := s3sqs.EncodeEvents(unsafe.Slice((*byte)(p), n)[:0], batches)
	if len(buf) != n || unsafe.Pointer(unsafe.SliceData(buf)) != p {
		panic("awsaudit_s3: events do not fit their computed size") // cannot happen; never hand on a half
	}
	handouts.Store(uintptr(p), handout{in: owner, batches: batches})
	return p, n
}

// buffer returns n bytes of C memory: the instance's reusable buffer
// (owner in) unless it is still out, else a buffer of its own (owner nil).
func (in *instance) buffer(n int) (p unsafe.Pointer, owner *instance) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.bufBusy {
		return cAlloc(n), nil
	}
	if in.bufCap < n {
		cFree(in.buf) // free(NULL) is fine
		in.bufCap = max(n, in.max+in.max/4)
		if in.buf = cAlloc(in.bufCap); in.buf == nil {
			in.bufCap = 0
			return nil, nil
		}
	}
	in.bufBusy = true
	return in.buf, in
}

// release marks the batches of a buffer Fluent Bit is done with handed
// on, and frees the buffer or gives it back to its instance.
func release(data unsafe.Pointer) {
	if data == nil {
		return
	}
	v, ok := handouts.LoadAndDelete(uintptr(data))
	if !ok {
		cFree(data) // not ours to track; Fluent Bit expects it freed
		return
	}
	h := v.(handout)
	if h.in == nil {
		cFree(data)
	} else {
		h.in.mu.Lock()
		h.in.bufBusy = false
		h.in.mu.Unlock()
	}
	for _, b := range h.batches {
		b.Done()
	}
}

// closeAll stops every instance: unfinished messages become visible again.
func closeAll() {
	instances.Range(func(id int, in *instance) bool {
		instances.Delete(id)
		in.src.Close()
		in.mu.Lock()
		if !in.bufBusy {
			cFree(in.buf)
			in.buf, in.bufCap = nil, 0
		}
		in.mu.Unlock()
		in.log.detached.Store(true)
		return true
	})
}
