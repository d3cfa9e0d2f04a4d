package test

// Helpers of the end-to-end tests (e2e_*_test.go): the real plugin .so,
// driven by flbhost, writes to an in-process kfake broker, and the topics
// are read back with kcat, a librdkafka client independent of both the
// plugin's kafka-go and the test's franz-go.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// e2eSamples is /work/shared/samples seen from this package's directory.
const e2eSamples = "../../shared/samples"

// e2eHostTimeout bounds one flbhost run (heavy tests raise it).
var e2eHostTimeout = 90 * time.Second

// e2eSample returns the path of a shared sample and its lines; the test is
// skipped when the samples are not there (a checkout without ../shared).
func e2eSample(t *testing.T, name string) (path string, lines []string) {
	t.Helper()
	path = filepath.Join(e2eSamples, name)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("sample %s not found (the shared samples live next to the repository): %v", path, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimRight(l, "\r")
		if l != "" {
			lines = append(lines, l)
		}
	}
	return path, lines
}

// e2eAccessLine is a realistic S3 server access-log line (26 fields) with
// the request ID id and bucket bucket; every fourth line is a presigned
// GET whose signature is secret.
func e2eAccessLine(i int, bucket, id, secret string) string {
	owner := "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
	ts := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	key := fmt.Sprintf("logs/2024/03/01/part-%05d.json.gz", i)
	requester := fmt.Sprintf("arn:aws:sts::123456789012:assumed-role/Ingest/worker-%d", i%7)
	uri := "/" + key
	auth := "AuthHeader"
	if i%4 == 0 {
		uri += "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240301%2Fus-east-1%2Fs3%2Faws4_request" +
			"&X-Amz-Date=20240301T120000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=" + secret
		auth = "QueryString"
	}
	return fmt.Sprintf(`%s %s [%s] 192.0.2.%d %s %s REST.GET.OBJECT %s "GET %s HTTP/1.1" 200 - %d %d %d %d "-" "aws-sdk-go-v2/1.25.0" - %s SigV4 ECDHE-RSA-AES128-GCM-SHA256 %s %s.s3.us-east-1.amazonaws.com TLSv1.2 - -`,
		owner, bucket, ts.Format("02/Jan/2006:15:04:05 -0700"), i%250+1, requester, id, key, uri,
		1000+i, 1000+i, 10+i%90, 5+i%20,
		"aGVsbG8taG9zdC1pZC0"+strconv.Itoa(i)+"=", auth, bucket)
}

// e2eLinesFile writes lines to a file for flbhost -l.
func e2eLinesFile(t *testing.T, lines []string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lines.log")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// parseHostLine splits one flbhost stdout line ("kind key=value ..."). A
// quoted value runs to its closing quote; description= and desc= are last
// on their line and run to its end (they may hold quotes and spaces).
func parseHostLine(s string) hostLine {
	kind, rest, _ := strings.Cut(s, " ")
	l := hostLine{Kind: kind, Fields: map[string]string{}}
	for rest = strings.TrimLeft(rest, " "); rest != ""; rest = strings.TrimLeft(rest, " ") {
		k, v, _ := strings.Cut(rest, "=")
		rest = ""
		switch {
		case (k == "description" || k == "desc") && strings.HasPrefix(v, `"`):
			v = strings.TrimSuffix(v[1:], `"`)
		case strings.HasPrefix(v, `"`):
			end := strings.IndexByte(v[1:], '"')
			if end < 0 {
				end = len(v) - 1
			}
			v, rest = v[1:1+end], v[min(len(v), end+2):]
		default:
			v, rest, _ = strings.Cut(v, " ")
		}
		l.Fields[k] = v
	}
	return l
}

// e2eRunHost runs flbhost with the built plugin like runHost, but calls
// onLine (when not nil) for every stdout line as it is printed, so a test
// can react to the host's progress (flbhost's stdout is line-buffered).
func e2eRunHost(t *testing.T, onLine func(hostLine), args ...string) *hostRun {
	t.Helper()
	so, host := build(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eHostTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, host, append([]string{"-p", so}, args...)...)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting flbhost: %v", err)
	}
	r := &hostRun{}
	var stdout strings.Builder
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		stdout.WriteString(sc.Text() + "\n")
		l := parseHostLine(sc.Text())
		r.Lines = append(r.Lines, l)
		if onLine != nil {
			onLine(l)
		}
	}
	err = cmd.Wait()
	r.Stdout, r.Stderr = stdout.String(), stderr.String()
	if m := r.Find("memory"); len(m) == 1 {
		if kb, err := strconv.ParseInt(m[0].Fields["vmhwm_kb"], 10, 64); err == nil && kb > 0 {
			r.MaxRSS = kb << 10
		}
	}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("flbhost %q did not finish within %v\nstdout:\n%s\nstderr:\n%s", args, e2eHostTimeout, r.Stdout, r.Stderr)
	case err == nil:
	case errors.As(err, &exit) && exit.Exited():
		r.Code = exit.ExitCode()
	default:
		t.Fatalf("flbhost %q: %v\nstdout:\n%s\nstderr:\n%s", args, err, r.Stdout, r.Stderr)
	}
	t.Logf("flbhost ran %v, exit %d", time.Since(start).Round(time.Millisecond), r.Code)
	return r
}

// summary returns the counts of flbhost's summary line.
func (r *hostRun) summary(t *testing.T) (ok, retry, failed int) {
	t.Helper()
	s := r.Find("summary")
	if len(s) != 1 {
		t.Fatalf("want one summary line, got %d\nstdout:\n%s\nstderr:\n%s", len(s), r.Stdout, r.Stderr)
	}
	num := func(k string) int {
		n, err := strconv.Atoi(s[0].Fields[k])
		if err != nil {
			t.Fatalf("summary %s=%q: %v", k, s[0].Fields[k], err)
		}
		return n
	}
	return num("ok"), num("retry"), num("error")
}

// requireAllOK checks that every instance started, that each of the
// chunks flushes of every instance ended FLB_OK at the first try, that they
// carried events events in all, and that the host exited 0.
func (r *hostRun) requireAllOK(t *testing.T, instances, chunks, events int) {
	t.Helper()
	dump := fmt.Sprintf("\nstdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	inits := r.Find("init")
	if len(inits) != instances {
		t.Fatalf("%d init lines, want %d%s", len(inits), instances, dump)
	}
	for _, l := range inits {
		if l.Fields["rc"] != "1" {
			t.Fatalf("instance %s failed to initialize (rc=%s)%s", l.Fields["instance"], l.Fields["rc"], dump)
		}
	}
	perInst := map[string]int{}
	evPerInst := map[string]int{}
	for _, l := range r.Find("flush") {
		if l.Fields["rc"] != "1" || l.Fields["tries"] != "1" {
			t.Errorf("flush %v: want rc=1 (FLB_OK) at tries=1", l.Fields)
		}
		perInst[l.Fields["instance"]]++
		n, _ := strconv.Atoi(l.Fields["events"])
		evPerInst[l.Fields["instance"]] += n
	}
	for i := range instances {
		id := strconv.Itoa(i)
		if perInst[id] != chunks || evPerInst[id] != events {
			t.Errorf("instance %s flushed %d chunks of %d events, want %d chunks of %d", id, perInst[id], evPerInst[id], chunks, events)
		}
	}
	if ok, retry, failed := r.summary(t); ok != instances*chunks || retry != 0 || failed != 0 {
		t.Errorf("summary ok=%d retry=%d error=%d, want ok=%d retry=0 error=0", ok, retry, failed, instances*chunks)
	}
	if r.Code != 0 {
		t.Errorf("flbhost exit status %d, want 0", r.Code)
	}
	if t.Failed() {
		t.FailNow()
	}
	for _, l := range r.Find("exit") {
		if l.Fields["rc"] != "1" {
			t.Errorf("exit of instance %s returned rc=%s, want 1 (FLB_OK)", l.Fields["instance"], l.Fields["rc"])
		}
	}
}

// kcatMsg is one message as kcat -J prints it.
type kcatMsg struct {
	Topic     string   `json:"topic"`
	Partition int32    `json:"partition"`
	Offset    int64    `json:"offset"`
	Headers   []string `json:"headers"` // name, value, name, value...
	Key       *string  `json:"key"`
	Payload   *string  `json:"payload"`
}

// Header returns the last value of header name.
func (m kcatMsg) Header(name string) (string, bool) {
	v, ok := "", false
	for i := 0; i+1 < len(m.Headers); i += 2 {
		if m.Headers[i] == name {
			v, ok = m.Headers[i+1], true
		}
	}
	return v, ok
}

// Value is the payload ("" for a null one).
func (m kcatMsg) Value() string {
	if m.Payload == nil {
		return ""
	}
	return *m.Payload
}

var kcatCheck struct {
	once sync.Once
	path string
	err  error
}

// kcatBin returns kcat's path; the test fails (not skips) without it.
func kcatBin(t *testing.T) string {
	t.Helper()
	kcatCheck.once.Do(func() {
		kcatCheck.path, kcatCheck.err = exec.LookPath("kcat")
	})
	if kcatCheck.err != nil {
		t.Fatalf("kcat is not installed (%v): the end-to-end tests read Kafka topics back with kcat, "+
			"an independent librdkafka client. Install it: apt-get install -y kcat (CI's .ci/run does)", kcatCheck.err)
	}
	return kcatCheck.path
}

// kcatConsume reads every message of topic from the beginning to the end
// of each partition with kcat -C -e -J.
func kcatConsume(t *testing.T, broker, topic string) []kcatMsg {
	t.Helper()
	bin := kcatBin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-b", broker, "-C", "-t", topic, "-o", "beginning", "-e", "-J", "-q")
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat -C -t %s: %v (ctx: %v)\nstderr:\n%s", topic, err, ctx.Err(), stderr.String())
	}
	var msgs []kcatMsg
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var m kcatMsg
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("kcat -J line %q: %v", sc.Text(), err)
		}
		msgs = append(msgs, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return msgs
}

// e2eRecord is the part of a unified record the tests check.
type e2eRecord struct {
	SchemaVersion *int   `json:"schema_version"`
	Source        string `json:"source"`
	Bucket        *struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Request *struct {
		ID  string `json:"id"`
		URI string `json:"uri"`
	} `json:"request"`
	CloudTrail *struct {
		EventID string `json:"event_id"`
	} `json:"cloudtrail"`
}

// requireUnified checks that every message is a unified record of source
// src (value, source and schema_version headers, key = bucket.name when
// keyed) and returns the decoded records.
func requireUnified(t *testing.T, msgs []kcatMsg, src string, keyed bool) []e2eRecord {
	t.Helper()
	recs := make([]e2eRecord, len(msgs))
	for i, m := range msgs {
		where := fmt.Sprintf("%s[%d]@%d", m.Topic, m.Partition, m.Offset)
		if m.Payload == nil {
			t.Fatalf("%s: null value", where)
		}
		r := &recs[i]
		if err := json.Unmarshal([]byte(*m.Payload), r); err != nil {
			t.Fatalf("%s: value is not JSON: %v\n%s", where, err, *m.Payload)
		}
		if r.SchemaVersion == nil || *r.SchemaVersion != 1 || r.Source != src {
			t.Errorf("%s: schema_version/source not 1/%s: %s", where, src, *m.Payload)
		}
		if h, _ := m.Header("source"); h != src {
			t.Errorf("%s: header source=%q, want %q (headers %q)", where, h, src, m.Headers)
		}
		if h, _ := m.Header("schema_version"); h != "1" {
			t.Errorf("%s: header schema_version=%q, want 1 (headers %q)", where, h, m.Headers)
		}
		var wantKey *string
		if keyed && r.Bucket != nil && r.Bucket.Name != "" {
			wantKey = &r.Bucket.Name
		}
		switch {
		case wantKey == nil && m.Key != nil:
			t.Errorf("%s: key %q, want none (bucket %v)", where, *m.Key, r.Bucket)
		case wantKey != nil && (m.Key == nil || *m.Key != *wantKey):
			t.Errorf("%s: key %v, want bucket.name %q", where, m.Key, *wantKey)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return recs
}

// requestIDs returns the request.id of every record.
func requestIDs(recs []e2eRecord) []string {
	var ids []string
	for _, r := range recs {
		if r.Request != nil {
			ids = append(ids, r.Request.ID)
		}
	}
	return ids
}

// accessLogRequestID is the Request ID field of an access-log line (the
// 6th field, the bracketed time counting as one).
func accessLogRequestID(line string) string {
	f := strings.Fields(line)
	if len(f) < 7 {
		return ""
	}
	return f[6]
}

// sameMultiset reports what is missing from got and what is extra
// (duplicates count), as short descriptions for a failure message.
func sameMultiset(want, got []string) (missing, extra []string) {
	count := map[string]int{}
	for _, w := range want {
		count[w]++
	}
	for _, g := range got {
		count[g]--
	}
	for k, n := range count {
		for ; n > 0; n-- {
			missing = append(missing, k)
		}
		for ; n < 0; n++ {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	return missing, extra
}

// duplicates returns the values that occur more than once, with counts.
func duplicates(vals []string) map[string]int {
	count := map[string]int{}
	for _, v := range vals {
		count[v]++
	}
	for k, n := range count {
		if n < 2 {
			delete(count, k)
		}
	}
	return count
}

var cliBuild struct {
	once sync.Once
	path string
	err  error
}

// cliNormalize runs `awsaudit normalize` (built once, next to the plugin)
// over a file and returns its output lines.
func cliNormalize(t *testing.T, path string) []string {
	t.Helper()
	build(t) // creates artifacts.dir, removed by TestMain
	cliBuild.once.Do(func() {
		root, err := filepath.Abs("..")
		if err != nil {
			cliBuild.err = err
			return
		}
		cliBuild.path = filepath.Join(artifacts.dir, "awsaudit")
		cmd := exec.Command("go", "build", "-o", cliBuild.path, "./cmd/awsaudit")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			cliBuild.err = fmt.Errorf("go build ./cmd/awsaudit: %v\n%s", err, out)
		}
	})
	if cliBuild.err != nil {
		t.Fatal(cliBuild.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	// The plugin evaluates the built-in rules unless told otherwise; the
	// CLI does so with --rules default, so both write the same records.
	cmd := exec.CommandContext(ctx, cliBuild.path, "normalize", "--rules", "default", path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("awsaudit normalize %s: %v\nstderr:\n%s", path, err, stderr.String())
	}
	return strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
}

func payloads(msgs []kcatMsg) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Value()
	}
	return out
}
