package main

import "C"

import (
	"fmt"
	"runtime/debug"
	"strings"
	"unsafe"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/pipeline"
	"github.com/awsaudit/awsaudit/plugin/internal/configmap"
	"github.com/fluent/fluent-bit-go/output"
)

const (
	pluginName = "awsaudit"
	pluginDesc = "Normalize S3 server access logs and CloudTrail events and write them to Kafka"
)

// c-shared needs a main package; Fluent Bit never calls main.
func main() {}

// logPanic reports a recovered panic with its stack. It must not panic
// itself: a second panic in a deferred function would reach C.
func logPanic(l *flbLogger, where string, r any) {
	defer func() { _ = recover() }()
	msg := strings.TrimRight(fmt.Sprintf("panic in %s: %v\n%s", where, r, debug.Stack()), "\n")
	if l == nil {
		stderrLog(pipeline.LevelError, pluginName, msg)
		return
	}
	l.Log(pipeline.LevelError, msg)
}

// configMapNote is why Fluent Bit does not check this plugin's property
// names (nil when it does); init logs it.
var configMapNote error

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) (rc int) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(nil, "FLBPluginRegister", r)
			rc = -1 // Fluent Bit treats -1 as a failed registration
		}
	}()
	if rc = output.FLBPluginRegister(def, pluginName, pluginDesc); rc != 0 {
		return rc
	}
	configMapNote = configmap.Register(def, conf.Keys())
	return 0
}

// FLBPluginUnregister frees the strings FLBPluginRegister allocated; Fluent
// Bit calls it when it unloads the plugin.
//
//export FLBPluginUnregister
func FLBPluginUnregister(def unsafe.Pointer) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(nil, "FLBPluginUnregister", r)
		}
	}()
	if def != nil {
		output.FLBPluginUnregister(def)
	}
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) (rc int) {
	id := instances.NextID()
	l := newLogger(plugin, id)
	defer func() {
		if r := recover(); r != nil {
			logPanic(l, "FLBPluginInit", r)
			rc = output.FLB_ERROR
		}
	}()
	if pluginAPI(plugin) == nil {
		// Without output_get_property there is no configuration to read.
		l.Log(pipeline.LevelError, "Fluent Bit passed no plugin API; cannot read the configuration")
		return output.FLB_ERROR
	}
	cfg, err := conf.Parse(func(key string) string {
		return output.FLBPluginConfigKey(plugin, key)
	})
	if err != nil {
		// conf errors name keys and values but never the SASL password.
		// errors.Join puts one problem per line; Fluent Bit's log wants one.
		l.Log(pipeline.LevelError, "invalid configuration: "+strings.ReplaceAll(err.Error(), "\n", "; "))
		return output.FLB_ERROR
	}
	p, err := pipeline.New(cfg, l.Log)
	if err != nil {
		l.Log(pipeline.LevelError, "cannot start: "+err.Error())
		return output.FLB_ERROR
	}
	m, merr := newMetrics(l, p.Stats())
	instances.Store(id, &instance{id: id, log: l, p: p, m: m, initThread: osThread()})
	output.FLBPluginSetContext(plugin, id)
	if merr != nil {
		l.Log(pipeline.LevelInfo, "counters are in the log only: "+merr.Error())
	}
	if configMapNote != nil {
		l.Log(pipeline.LevelInfo, "property names are not checked by Fluent Bit: "+configMapNote.Error())
	}
	l.Log(pipeline.LevelInfo, "started")
	return output.FLB_OK
}

// chunkBytes views Fluent Bit's chunk without copying. The view is valid
// only during the flush call; pipeline.Flush keeps nothing of it after it
// returns.
func chunkBytes(data unsafe.Pointer, length C.int) []byte {
	if data == nil || length <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(data), int(length))
}

func flushInstance(in *instance, where string, data unsafe.Pointer, length C.int, tag *C.char) (rc int) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(in.log, where, r)
			rc = output.FLB_RETRY // keep the chunk: a later try may succeed
		}
	}()
	in.checkFlushThread()
	return in.flush(chunkBytes(data, length), C.GoString(tag))
}

//export FLBPluginFlushCtx
func FLBPluginFlushCtx(ctx, data unsafe.Pointer, length C.int, tag *C.char) (rc int) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(nil, "FLBPluginFlushCtx", r)
			rc = output.FLB_RETRY
		}
	}()
	in := lookup(ctx)
	if in == nil {
		// Retrying cannot make an unknown context appear.
		stderrLog(pipeline.LevelError, pluginName, "flush for an unknown instance; dropping the chunk")
		return output.FLB_ERROR
	}
	return flushInstance(in, "FLBPluginFlushCtx", data, length, tag)
}

// FLBPluginFlush is the pre-context callback, used only by Fluent Bit
// versions without FLBPluginFlushCtx; it is unambiguous with one instance.
//
//export FLBPluginFlush
func FLBPluginFlush(data unsafe.Pointer, length C.int, tag *C.char) (rc int) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(nil, "FLBPluginFlush", r)
			rc = output.FLB_RETRY
		}
	}()
	in := only()
	if in == nil {
		stderrLog(pipeline.LevelError, pluginName, "FLBPluginFlush without a context needs exactly one instance; dropping the chunk")
		return output.FLB_ERROR
	}
	return flushInstance(in, "FLBPluginFlush", data, length, tag)
}

func exitInstance(in *instance) (rc int) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(in.log, "exit", r)
			rc = output.FLB_ERROR
		}
	}()
	instances.Delete(in.id)
	if err := in.close(); err != nil {
		in.log.Log(pipeline.LevelError, "close: "+err.Error())
		return output.FLB_ERROR
	}
	return output.FLB_OK
}

//export FLBPluginExitCtx
func FLBPluginExitCtx(ctx unsafe.Pointer) (rc int) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(nil, "FLBPluginExitCtx", r)
			rc = output.FLB_ERROR
		}
	}()
	in := lookup(ctx)
	if in == nil {
		return output.FLB_OK // init failed or exit already ran: nothing to close
	}
	return exitInstance(in)
}

// FLBPluginExit closes every instance (Fluent Bit calls it, once per
// instance, only when FLBPluginExitCtx is missing; closing is idempotent).
//
//export FLBPluginExit
func FLBPluginExit() (rc int) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(nil, "FLBPluginExit", r)
			rc = output.FLB_ERROR
		}
	}()
	rc = output.FLB_OK
	instances.Range(func(_ int, in *instance) bool {
		if exitInstance(in) != output.FLB_OK {
			rc = output.FLB_ERROR
		}
		return true
	})
	return rc
}
