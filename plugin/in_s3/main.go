package main

import "C"

import (
	"fmt"
	"runtime/debug"
	"strings"
	"unsafe"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/pipeline"
	"github.com/awsaudit/awsaudit/pipeline/s3sqs"
	"github.com/awsaudit/awsaudit/plugin/internal/configmap"
)

const (
	pluginName = "awsaudit_s3"
	pluginDesc = "Read S3 server access logs and CloudTrail files announced on SQS"
)

// Return codes of fluent-bit-go's flb_plugin.h.
const (
	flbError = 0
	flbOK    = 1
)

// c-shared needs a main package; Fluent Bit never calls main.
func main() {}

// logPanic reports a recovered panic with its stack; it must not panic.
func logPanic(l *inLogger, where string, r any) {
	defer func() { _ = recover() }()
	l.Log(pipeline.LevelError, strings.TrimRight(fmt.Sprintf("panic in %s: %v\n%s", where, r, debug.Stack()), "\n"))
}

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) (rc C.int) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(nil, "FLBPluginRegister", r)
			rc = -1
		}
	}()
	register(def, pluginName, pluginDesc)
	configMapNote = configmap.Register(def, conf.S3InputKeys())
	return 0
}

// configMapNote is why Fluent Bit does not check this plugin's property
// names (nil when it does); init logs it.
var configMapNote error

// FLBPluginUnregister frees what FLBPluginRegister allocated.
//
//export FLBPluginUnregister
func FLBPluginUnregister(def unsafe.Pointer) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(nil, "FLBPluginUnregister", r)
		}
	}()
	if def != nil {
		unregister(def)
	}
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) (rc C.int) {
	id := instances.NextID()
	l := newLogger(plugin, id)
	defer func() {
		if r := recover(); r != nil {
			logPanic(l, "FLBPluginInit", r)
			rc = flbError
		}
	}()
	if pluginAPI(plugin) == nil {
		l.Log(pipeline.LevelError, "Fluent Bit passed no plugin API; cannot read the configuration")
		return flbError
	}
	cfg, err := conf.ParseS3Input(func(key string) string { return configKey(plugin, key) })
	if err != nil {
		l.Log(pipeline.LevelError, "invalid configuration: "+strings.ReplaceAll(err.Error(), "\n", "; "))
		return flbError
	}
	src, err := s3sqs.New(cfg, l.Log)
	if err != nil {
		l.Log(pipeline.LevelError, "cannot start: "+err.Error())
		return flbError
	}
	if !setContext(plugin, id) {
		// Fluent Bit < 4.1 calls FLBPluginInputCallback without a context.
		l.Log(pipeline.LevelInfo, "this Fluent Bit passes inputs no context: one awsaudit_s3 instance per process")
	}
	instances.Store(id, &instance{id: id, log: l, src: src, max: cfg.ChunkMaxSize})
	if configMapNote != nil {
		l.Log(pipeline.LevelInfo, "property names are not checked by Fluent Bit: "+configMapNote.Error())
	}
	return flbOK
}

// FLBPluginInputCallbackCtx is what Fluent Bit (4.1+) calls once a second
// on the input's own thread: it returns the records read so far, at most
// Chunk_Max_Size of events, as a C buffer Fluent Bit copies with
// flb_input_log_append and then hands to the cleanup callback.
//
//export FLBPluginInputCallbackCtx
func FLBPluginInputCallbackCtx(ctx unsafe.Pointer, data *unsafe.Pointer, size *C.size_t) (rc C.int) {
	return collectFor(lookup(ctx), "FLBPluginInputCallbackCtx", data, size)
}

// FLBPluginInputCallback serves Fluent Bit versions without the context
// variant; it is unambiguous with one instance.
//
//export FLBPluginInputCallback
func FLBPluginInputCallback(data *unsafe.Pointer, size *C.size_t) (rc C.int) {
	return collectFor(only(), "FLBPluginInputCallback", data, size)
}

func collectFor(in *instance, where string, data *unsafe.Pointer, size *C.size_t) (rc C.int) {
	*data, *size = nil, 0 // Fluent Bit takes nothing when the size is 0
	var l *inLogger
	if in != nil {
		l = in.log
	}
	defer func() {
		if r := recover(); r != nil {
			logPanic(l, where, r)
			rc = flbError
		}
	}()
	if in == nil {
		return flbError
	}
	p, n := in.collect()
	*data, *size = p, C.size_t(n)
	return flbOK
}

// FLBPluginInputCleanupCallbackCtx runs after Fluent Bit copied the
// buffer: its records are handed on, so their batches are Done.
//
//export FLBPluginInputCleanupCallbackCtx
func FLBPluginInputCleanupCallbackCtx(ctx, data unsafe.Pointer) C.int {
	return FLBPluginInputCleanupCallback(data)
}

//export FLBPluginInputCleanupCallback
func FLBPluginInputCleanupCallback(data unsafe.Pointer) (rc C.int) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(nil, "FLBPluginInputCleanupCallback", r)
			rc = flbError
		}
	}()
	release(data)
	return flbOK
}

// FLBPluginExit is called once per input instance at shutdown (the Go
// proxy has no exit-with-context for inputs); the first call closes every
// instance, later ones find nothing left.
//
//export FLBPluginExit
func FLBPluginExit() (rc C.int) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(nil, "FLBPluginExit", r)
			rc = flbError
		}
	}()
	closeAll()
	return flbOK
}
