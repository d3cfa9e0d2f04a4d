package main

import (
	"runtime/debug"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/awsaudit/awsaudit/pipeline"
	"github.com/fluent/fluent-bit-go/output"
)

// instance is one [OUTPUT] section of the plugin.
type instance struct {
	id  int
	log *flbLogger
	p   *pipeline.Pipeline // safe for concurrent flushes (Workers N)
	// initThread is the OS thread that ran init, Fluent Bit's engine
	// thread; threadChecked is set by the first flush (checkFlushThread).
	initThread    int64
	threadChecked atomic.Bool
}

// The context Fluent Bit hands back is an int id looked up here: C must not
// keep Go pointers, and an id outlives nothing it should not.
var (
	instances sync.Map // int -> *instance
	nextID    atomic.Int64
)

// lookup maps the remote_context of FLBPluginFlushCtx/ExitCtx to its
// instance; nil when unknown (init failed or exit already ran).
func lookup(ctx unsafe.Pointer) *instance {
	if ctx == nil {
		return nil
	}
	id, ok := output.FLBPluginGetContext(ctx).(int)
	if !ok {
		return nil
	}
	v, ok := instances.Load(id)
	if !ok {
		return nil
	}
	return v.(*instance)
}

// only returns the single live instance, or nil when there are none or
// several (the legacy callbacks cannot tell them apart).
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

// releaseAfterBytes is the chunk size from which a flush gives the memory
// it grew back to the system at once (see the package doc).
const releaseAfterBytes = 16 << 20

func (in *instance) flush(data []byte, tag string) int {
	st := in.p.Flush(data, tag)
	if len(data) >= releaseAfterBytes {
		debug.FreeOSMemory()
	}
	switch st {
	case pipeline.StatusOK:
		return output.FLB_OK
	case pipeline.StatusRetry:
		return output.FLB_RETRY
	default:
		return output.FLB_ERROR
	}
}

// close shuts the pipeline down (it waits for flushes in flight, logs its
// final counters and is idempotent); later messages go to stderr because
// Fluent Bit frees its API after the exit callbacks.
func (in *instance) close() error {
	defer in.log.detached.Store(true)
	return in.p.Close()
}
