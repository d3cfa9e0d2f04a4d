// Package flblog holds the Go side of the plugins' logging that does not
// touch C: cutting messages to Fluent Bit's log buffer and the stderr
// fallback used when Fluent Bit's logger is unavailable (before init, after
// exit, or on versions whose flb_api ends before log_print). Both plugins
// (plugin and plugin/in_s3) use it; each keeps its own cgo call into
// log_print.
package flblog

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/awsaudit/awsaudit/normalize/redact"
	"github.com/awsaudit/awsaudit/pipeline"
)

// MaxMsg keeps each piece under Fluent Bit's 4 KiB log buffer (header
// included), which would otherwise cut long messages such as panic stacks.
const MaxMsg = 3500

// Split cuts msg into pieces of at most max bytes, at line breaks when it
// can.
func Split(msg string, max int) []string {
	var out []string
	for len(msg) > max {
		cut := strings.LastIndexByte(msg[:max], '\n')
		if cut <= 0 {
			cut = max
		}
		out = append(out, msg[:cut])
		msg = strings.TrimPrefix(msg[cut:], "\n")
	}
	return append(out, msg)
}

var levelNames = map[pipeline.Level]string{
	pipeline.LevelError: "error",
	pipeline.LevelWarn:  "warn",
	pipeline.LevelInfo:  "info",
	pipeline.LevelDebug: "debug",
}

// stderrLevel is the threshold of the stderr fallback (Fluent Bit's
// Log_Level is not visible to plugins): AWSAUDIT_LOG_LEVEL, default info.
var stderrLevel = sync.OnceValue(func() pipeline.Level {
	for lv, name := range levelNames {
		if strings.EqualFold(os.Getenv("AWSAUDIT_LOG_LEVEL"), name) {
			return lv
		}
	}
	return pipeline.LevelInfo
})

// Stderr writes one line shaped like Fluent Bit's own, prefix being what
// Fluent Bit puts in brackets ("output:awsaudit:awsaudit.0"):
// [2026/11/23 10:00:00.000] [ info] [output:awsaudit:awsaudit.0] msg
func Stderr(level pipeline.Level, prefix, msg string) {
	if level > stderrLevel() {
		return
	}
	msg = Redact(msg)
	name, ok := levelNames[level]
	if !ok {
		name = "trace"
	}
	line := fmt.Sprintf("[%s] [%5s] [%s] %s\n", time.Now().Format("2006/01/02 15:04:05.000"), name, prefix, msg)
	// One write per line so concurrent callers do not interleave.
	os.Stderr.WriteString(line)
}

// Redact masks secrets in a message before it reaches a log: the
// pipeline's messages are masked already, but a panic's value may quote
// input, and nothing logged may carry a credential.
func Redact(msg string) string {
	return string(redact.Append(nil, []byte(msg)))
}
