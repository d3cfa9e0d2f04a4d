package test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/test/kafkatest"
)

// artifacts are built once per test binary into a temporary directory, so
// tests never race with a developer's build/.
var artifacts struct {
	once     sync.Once
	dir      string
	so, host string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if artifacts.dir != "" {
		os.RemoveAll(artifacts.dir)
	}
	os.Exit(code)
}

// build returns the plugin .so and the host, built with `make build host`.
func build(t *testing.T) (so, host string) {
	t.Helper()
	artifacts.once.Do(func() {
		for _, tool := range []string{"make", "cc"} {
			if _, err := exec.LookPath(tool); err != nil {
				artifacts.err = fmt.Errorf("%s not found in PATH: the plugin tests need make and a C compiler (apt-get install build-essential): %v", tool, err)
				return
			}
		}
		root, err := filepath.Abs("..")
		if err != nil {
			artifacts.err = err
			return
		}
		if artifacts.dir, err = os.MkdirTemp("", "awsaudit-host-"); err != nil {
			artifacts.err = err
			return
		}
		cmd := exec.Command("make", "-C", root, "BUILD="+artifacts.dir, "build", "host")
		if out, err := cmd.CombinedOutput(); err != nil {
			artifacts.err = fmt.Errorf("make build host: %v\n%s", err, out)
			return
		}
		artifacts.so = filepath.Join(artifacts.dir, "out_awsaudit.so")
		artifacts.host = filepath.Join(artifacts.dir, "flbhost")
	})
	if artifacts.err != nil {
		t.Fatal(artifacts.err)
	}
	return artifacts.so, artifacts.host
}

// hostLine is one stdout line of flbhost: "kind key=value ...".
type hostLine struct {
	Kind   string
	Fields map[string]string
}

type hostRun struct {
	Stdout, Stderr string
	Code           int // the host's exit status (0 all FLB_OK, 1 some not, 2 usage/load, 3 init)
	Lines          []hostLine
	MaxRSS         int64 // the host's peak resident set (bytes, its "memory" line; set by e2eRunHost)
}

// Find returns the lines of one kind (register, symbols, init, attempt,
// flush, exit, summary).
func (r *hostRun) Find(kind string) []hostLine {
	var out []hostLine
	for _, l := range r.Lines {
		if l.Kind == kind {
			out = append(out, l)
		}
	}
	return out
}

// runHost runs flbhost with the built plugin; args follow -p PLUGIN.
func runHost(t *testing.T, args ...string) *hostRun {
	t.Helper()
	so, host := build(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, host, append([]string{"-p", so}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := &hostRun{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.Exited():
		r.Code = exit.ExitCode()
	default:
		t.Fatalf("flbhost %q: %v\nstdout:\n%s\nstderr:\n%s", args, err, r.Stdout, r.Stderr)
	}
	r.Lines = parseHostLines(r.Stdout)
	return r
}

// parseHostLines splits flbhost's stdout into lines of key=value fields
// (parseHostLine).
func parseHostLines(stdout string) []hostLine {
	var lines []hostLine
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, parseHostLine(sc.Text()))
	}
	return lines
}

var inputBuild struct {
	once sync.Once
	so   string
	err  error
}

// buildInput returns in_awsaudit_s3.so, built once with make build-input
// next to the output plugin.
func buildInput(t *testing.T) string {
	t.Helper()
	build(t)
	inputBuild.once.Do(func() {
		root, err := filepath.Abs("..")
		if err != nil {
			inputBuild.err = err
			return
		}
		cmd := exec.Command("make", "-C", root, "BUILD="+artifacts.dir, "build-input")
		if out, err := cmd.CombinedOutput(); err != nil {
			inputBuild.err = fmt.Errorf("make build-input: %v\n%s", err, out)
			return
		}
		inputBuild.so = filepath.Join(artifacts.dir, "in_awsaudit_s3.so")
	})
	if inputBuild.err != nil {
		t.Fatal(inputBuild.err)
	}
	return inputBuild.so
}

// linesFile writes a text file of lines for flbhost -l.
func linesFile(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "input.log")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHostRegistersPlugin(t *testing.T) {
	// No instance can start without Brokers, so this checks registration
	// alone and needs no Kafka.
	r := runHost(t, "-i", "Topic=aws.audit.normalized")
	reg := r.Find("register")
	if len(reg) != 1 {
		t.Fatalf("want one register line, got %d\nstdout:\n%s\nstderr:\n%s", len(reg), r.Stdout, r.Stderr)
	}
	f := reg[0].Fields
	if f["name"] != "awsaudit" || f["type"] != "2" || f["proxy"] != "11" || f["description"] == "" {
		t.Errorf("register line = %v; want name=awsaudit type=2 (output) proxy=11 (Go) and a description", f)
	}
	sym := r.Find("symbols")
	if len(sym) != 1 {
		t.Fatalf("no symbols line\nstdout:\n%s", r.Stdout)
	}
	for _, s := range []string{"init", "flush_ctx", "flush", "exit_ctx", "exit", "unregister"} {
		if sym[0].Fields[s] != "1" {
			t.Errorf("plugin does not export the %s callback: %v", s, sym[0].Fields)
		}
	}
}

func TestHostInitFailsWithoutBrokers(t *testing.T) {
	const password = "s3cr3t-P4ssw0rd"
	in := linesFile(t, `{"eventVersion":"1.08"}`)
	r := runHost(t,
		"-i", "Topic=aws.audit.normalized,SASL_Mechanism=PLAIN,SASL_Username=u",
		"-o", "SASL_Password="+password,
		"-t", "cloudtrail", "-l", in)
	if r.Code != 3 {
		t.Errorf("exit status %d, want 3 (init failed)", r.Code)
	}
	inits := r.Find("init")
	if len(inits) != 1 || inits[0].Fields["rc"] != "0" {
		t.Errorf("init lines %v, want one with rc=0 (FLB_ERROR)", inits)
	}
	if n := len(r.Find("flush")); n != 0 {
		t.Errorf("%d chunks flushed after a failed init", n)
	}
	if n := len(r.Find("exit")); n != 0 {
		t.Errorf("exit called %d times for an instance that never started", n)
	}
	// The plugin reports the problem through Fluent Bit's logger, as an
	// error of this instance, naming the missing key.
	var found bool
	for _, line := range strings.Split(r.Stderr, "\n") {
		if strings.Contains(line, "[error] [output:awsaudit:awsaudit.0]") &&
			strings.Contains(strings.ToLower(line), "brokers") {
			found = true
		}
	}
	if !found {
		t.Errorf("no error line naming Brokers from the plugin\nstderr:\n%s", r.Stderr)
	}
	if strings.Contains(r.Stdout+r.Stderr, password) {
		t.Errorf("the SASL password appears in the output\nstderr:\n%s", r.Stderr)
	}
}

// Without Workers Fluent Bit flushes a Go output on its engine thread, the
// one that ran init; the plugin notices at the first flush and says how to
// fix it, once per instance. With workers (flbhost -w N, like Fluent Bit's
// Workers N) flushes run on other threads and nothing is said.
func TestHostEngineThreadWarning(t *testing.T) {
	c := kafkatest.New(t, 1, "e2e.s3", "e2e.dlq")
	var lines []string
	for i := range 20 {
		lines = append(lines, e2eAccessLine(i, "b", fmt.Sprintf("THREAD%04d", i), "feedface"))
	}
	in := linesFile(t, lines...)
	const warning = "[ warn] [output:awsaudit:awsaudit.%d] flushes run on Fluent Bit's engine thread"
	for _, workers := range []int{0, 1, 3} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			spec := "Brokers=" + c.Brokers()[0] + ",Topic=e2e.s3,DLQ_Topic=e2e.dlq"
			r := runHost(t, "-i", spec, "-i", spec, "-w", strconv.Itoa(workers), "-l", in, "-n", "5")
			r.requireAllOK(t, 2, 4, 20)

			// The host does what Fluent Bit does with these workers.
			initThread := r.Find("init")[0].Fields["thread"]
			for _, l := range r.Find("init") {
				if l.Fields["thread"] != initThread {
					t.Errorf("init %v ran on another thread than instance 0's (%s)", l.Fields, initThread)
				}
			}
			for _, l := range r.Find("attempt") {
				if onInit := l.Fields["thread"] == initThread; onInit != (workers == 0) {
					t.Errorf("attempt %v: on the init thread %s = %v, want %v with %d workers", l.Fields, initThread, onInit, workers == 0, workers)
				}
			}

			for id := range 2 {
				got := strings.Count(r.Stderr, fmt.Sprintf(warning, id))
				want := 0
				if workers == 0 {
					want = 1
				}
				if got != want {
					t.Errorf("instance %d: %d engine-thread warnings, want %d\nstderr:\n%s", id, got, want, r.Stderr)
				}
			}
			if workers == 0 && !strings.Contains(r.Stderr, "set Workers 1 or more") {
				t.Errorf("the warning does not name the fix\nstderr:\n%s", r.Stderr)
			}
		})
	}
}

// The plugin registers its keys (conf.Keys) as Fluent Bit's config map:
// -h lists them with their defaults, and Fluent Bit refuses a key the map
// does not name before it starts the instance.
func TestHostConfigMap(t *testing.T) {
	r := runHost(t, "--print-config-map", "--no-flush", "-i", "Brokers=127.0.0.1:1")
	checkConfigMap(t, r, "output", conf.Keys())
}

func TestHostInputConfigMap(t *testing.T) {
	r := runHost(t, "-i", "Brokers=127.0.0.1:1", "--print-config-map", "--input", buildInput(t),
		"--input-property", "Nonexistent_Key=1")
	out := r.Stdout + r.Stderr
	checkConfigMap(t, r, "input", conf.S3InputKeys())
	if r.Code != 3 || !strings.Contains(out, "[error] [config] awsaudit_s3: unknown configuration property 'Nonexistent_Key'. The following properties are allowed: Queue_URL") {
		t.Errorf("no unknown-property error for the input\n%s", out)
	}
}

func checkConfigMap(t *testing.T, r *hostRun, kind string, keys []conf.KeyDoc) {
	t.Helper()
	lines := r.Find(kind + "_config_map")
	if len(lines) != len(keys) {
		t.Fatalf("%d %s config map entries, want %d (one per key)\n%s", len(lines), kind, len(keys), r.Stdout)
	}
	for i, k := range keys {
		f := lines[i].Fields
		want := k.Default
		if k.Required {
			want = ""
		}
		if f["name"] != k.Name || f["default"] != want {
			t.Errorf("entry %d = name %q default %q, want %q %q", i, f["name"], f["default"], k.Name, want)
		}
		if f["desc"] == "" || strings.Contains(f["desc"], "`") {
			t.Errorf("%s: description %q, want the key's documentation without markdown", k.Name, f["desc"])
		}
		if k.Required && !strings.HasPrefix(f["desc"], "Required.") {
			t.Errorf("%s is required but its description does not say so: %q", k.Name, f["desc"])
		}
	}
}

func TestHostRefusesUnknownKey(t *testing.T) {
	for _, key := range []string{"Topics", "Message_Key_Field", "rdkafka.compression.codec"} {
		r := runHost(t, "-i", "Brokers=127.0.0.1:1,"+key+"=x")
		if r.Code != 3 {
			t.Errorf("%s: exit status %d, want 3 (start-up refused)", key, r.Code)
		}
		if len(r.Find("init")) != 0 {
			t.Errorf("%s: the instance was initialized despite an unknown key", key)
		}
		want := "[error] [config] awsaudit: unknown configuration property '" + key + "'. The following properties are allowed: Brokers, Topic,"
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("%s: stderr lacks %q\n%s", key, want, r.Stderr)
		}
	}
	// Core properties (Match, Workers, Retry_Limit, ...) are Fluent Bit's,
	// never checked against the plugin's map.
	r := runHost(t, "-i", "Brokers=127.0.0.1:1,Match=*,Workers=2,Retry_Limit=no_limits,Alias=x", "--no-flush")
	if strings.Contains(r.Stderr, "unknown configuration property") {
		t.Errorf("a core property was refused\n%s", r.Stderr)
	}
}

// The plugin publishes its counters in the instance's cmetrics context
// (Fluent Bit's /api/v2/metrics/prometheus), labelled with the instance
// name (the Alias) that its log lines carry too.
func TestHostMetrics(t *testing.T) {
	var lines []string
	for i := range 10 {
		lines = append(lines, e2eAccessLine(i, "metrics-bucket", fmt.Sprintf("METRICS%06d", i), "sig"))
	}
	lines = append(lines, "not an access log line", `{"neither":"cloudtrail"}`)
	c := kafkatest.New(t, 1, "m.records", "m.dlq")
	r := e2eRunHost(t, nil,
		"-i", "Brokers="+c.Brokers()[0]+",Topic=m.records,DLQ_Topic=m.dlq,Alias=audit_a",
		"-l", e2eLinesFile(t, lines), "-n", "4")
	if r.Code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	got := map[string]string{}
	for _, l := range r.Find("metric") {
		v := l.Fields["value"]
		if l.Fields["count"] != "" {
			v = l.Fields["count"]
		}
		got[l.Fields["name"]+"{"+l.Fields["labels"]+"}"] = v
	}
	for k, want := range map[string]string{
		"fluentbit_awsaudit_records_in_total{name=audit_a}":                        "12",
		"fluentbit_awsaudit_records_total{name=audit_a;source=s3_access}":          "10",
		"fluentbit_awsaudit_records_total{name=audit_a;source=cloudtrail}":         "0",
		"fluentbit_awsaudit_messages_total{name=audit_a;topic=m.records}":          "10",
		"fluentbit_awsaudit_dead_letters_total{name=audit_a;reason=unparsable}":    "2",
		"fluentbit_awsaudit_dead_letters_total{name=audit_a;reason=too_large}":     "0",
		"fluentbit_awsaudit_dropped_records_total{name=audit_a;reason=unparsable}": "0",
		"fluentbit_awsaudit_kafka_errors_total{name=audit_a}":                      "0",
		"fluentbit_awsaudit_flushes_total{name=audit_a;result=ok}":                 "3",
		"fluentbit_awsaudit_flushes_total{name=audit_a;result=retry}":              "0",
		"fluentbit_awsaudit_chunks_redelivered_total{name=audit_a}":                "0",
		"fluentbit_awsaudit_flush_seconds{name=audit_a}":                           "3",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %s", k, got[k], want)
		}
	}
	if b, _ := strconv.Atoi(got["fluentbit_awsaudit_bytes_total{name=audit_a}"]); b < 10*200 {
		t.Errorf("bytes_total = %d, want the bytes of 12 messages", b)
	}
	if !strings.Contains(r.Stderr, "[output:awsaudit:audit_a] started") {
		t.Errorf("log lines do not carry the alias\n%s", r.Stderr)
	}

	// An engine without cmetrics for the instance: the counters stay in
	// the log, and the plugin says so.
	r = e2eRunHost(t, nil, "--no-cmetrics", "-i", "Brokers="+c.Brokers()[0]+",Topic=m.records",
		"-l", e2eLinesFile(t, lines[:2]))
	if len(r.Find("metric")) != 0 || !strings.Contains(r.Stderr, "counters are in the log only") {
		t.Errorf("without cmetrics: %d metric lines\n%s", len(r.Find("metric")), r.Stderr)
	}
}

// TestHostMetricsWhileIdle: flushes that end within the update interval
// of one another still reach the counters once the plugin is idle, not
// only at exit (a scrape between flushes must not keep a stale snapshot).
func TestHostMetricsWhileIdle(t *testing.T) {
	var lines []string
	for i := range 40 {
		lines = append(lines, e2eAccessLine(i, "idle-bucket", fmt.Sprintf("IDLE%06d", i), "sig"))
	}
	c := kafkatest.New(t, 1, "m.idle")
	r := e2eRunHost(t, nil,
		"-i", "Brokers="+c.Brokers()[0]+",Topic=m.idle,Alias=idle",
		"-l", e2eLinesFile(t, lines), "-n", "5", "-w", "2", "--metrics-before-exit-ms", "700")
	if r.Code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	got := map[string]string{}
	for _, l := range r.Find("metric_before_exit") {
		got[l.Fields["name"]+"{"+l.Fields["labels"]+"}"] = l.Fields["value"]
	}
	for k, want := range map[string]string{
		"fluentbit_awsaudit_records_in_total{name=idle}":            "40",
		"fluentbit_awsaudit_messages_total{name=idle;topic=m.idle}": "40",
		"fluentbit_awsaudit_flushes_total{name=idle;result=ok}":     "8",
	} {
		if got[k] != want {
			t.Errorf("before exit, %s = %q, want %s", k, got[k], want)
		}
	}
}

// make install puts both plugins and a plugins file naming them in place.
func TestMakeInstall(t *testing.T) {
	build(t) // make and cc are there
	root, _ := filepath.Abs("..")
	dest := t.TempDir()
	cmd := exec.Command("make", "-C", root, "BUILD="+artifacts.dir, "install", "PREFIX=/opt/awsaudit", "DESTDIR="+dest)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	for _, so := range []string{"out_awsaudit.so", "in_awsaudit_s3.so"} {
		st, err := os.Stat(filepath.Join(dest, "opt/awsaudit/lib/fluent-bit", so))
		if err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("%s not installed as an executable file: %v", so, err)
		}
	}
	plugins, err := os.ReadFile(filepath.Join(dest, "opt/awsaudit/etc/fluent-bit/plugins-awsaudit.conf"))
	if err != nil {
		t.Fatal(err)
	}
	want := "[PLUGINS]\n    Path /opt/awsaudit/lib/fluent-bit/out_awsaudit.so\n    Path /opt/awsaudit/lib/fluent-bit/in_awsaudit_s3.so\n"
	if string(plugins) != want {
		t.Errorf("plugins file:\n%s\nwant (paths without DESTDIR):\n%s", plugins, want)
	}
}
