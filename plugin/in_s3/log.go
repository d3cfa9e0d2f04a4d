package main

import (
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"github.com/awsaudit/awsaudit/pipeline"
	"github.com/awsaudit/awsaudit/plugin/internal/flblog"
)

// inLogger is one instance's pipeline.Logger, through Fluent Bit's
// log_print while the api is valid, else to stderr. It keeps the api and
// i_ins values, not the plugin struct, which Fluent Bit reuses for every
// instance.
type inLogger struct {
	api      unsafe.Pointer
	ins      unsafe.Pointer
	label    string      // awsaudit_s3.N
	detached atomic.Bool // set at exit: Fluent Bit frees the api after it
}

func newLogger(plugin unsafe.Pointer, id int) *inLogger {
	l := &inLogger{label: fmt.Sprintf("%s.%d", pluginName, id)}
	// AWSAUDIT_LOG=stderr: the escape hatch the output plugin has too.
	if os.Getenv("AWSAUDIT_LOG") != "stderr" {
		if l.api = pluginAPI(plugin); l.api != nil {
			l.ins = instancePointer(plugin)
		}
	}
	return l
}

// Log implements pipeline.Logger; it is safe for concurrent use.
func (l *inLogger) Log(level pipeline.Level, msg string) {
	if l != nil && l.api != nil && !l.detached.Load() {
		switch logCheck(l.api, l.ins, int(level)) {
		case 0:
			return
		case 1:
			for _, piece := range flblog.Split(flblog.Redact(msg), flblog.MaxMsg) {
				logPrint(l.api, int(level), l.label, piece)
			}
			return
		}
	}
	label := pluginName
	if l != nil {
		label = l.label
	}
	flblog.Stderr(level, "input:"+pluginName+":"+label, msg)
}
