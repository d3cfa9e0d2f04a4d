package main

import (
	"runtime/debug"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/awsaudit/awsaudit/pipeline"
	"github.com/awsaudit/awsaudit/plugin/internal/registry"
	"github.com/fluent/fluent-bit-go/output"
)

// instance is one [OUTPUT] section of the plugin.
type instance struct {
	id  int
	log *flbLogger
	p   *pipeline.Pipeline // safe for concurrent flushes (Workers N)
	m   *metrics           // nil when Fluent Bit has no cmetrics for it
	// initThread is the OS thread that ran init, Fluent Bit's engine
	// thread; threadChecked is set by the first flush (checkFlushThread).
	initThread    int64
	threadChecked atomic.Bool
}

// instances are found by the int id stored as Fluent Bit's context.
var instances registry.Set[*instance]

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
	in, _ := instances.Load(id)
	return in
}

// only returns the single live instance, or nil when there are none or
// several (the legacy callbacks cannot tell them apart).
func only() *instance {
	in, _ := instances.Only()
	return in
}

// releaseAfterBytes is the chunk size from which a flush gives the memory
// it grew back to the system at once (see the package doc).
const releaseAfterBytes = 16 << 20

func (in *instance) flush(data []byte, tag string) int {
	start := time.Now()
	st := in.p.Flush(data, tag)
	in.m.observe(time.Since(start))
	in.m.tick(in.p)
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
	err := in.p.Close()
	in.m.final(in.p.Stats())
	return err
}
