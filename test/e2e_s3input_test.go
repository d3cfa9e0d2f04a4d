//go:build e2e

package test

// End-to-end tests of the S3 + SQS input: the real in_awsaudit_s3.so and
// out_awsaudit.so in flbhost (the input side of the Go proxy ABI), the
// fake SQS and S3 of test/awsfake on loopback, an in-process kfake broker,
// topics read back with kcat.

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/test/awsfake"
	"github.com/awsaudit/awsaudit/test/kafkatest"
)

const e2eBucket = "audit-log-bucket"

// s3World is a fake queue and bucket behind one endpoint; the AWS chain
// of this process (and of flbhost, which inherits it) points at it.
type s3World struct {
	cloud *awsfake.Cloud
	queue string
}

func newS3World(t *testing.T, qo awsfake.QueueOptions) *s3World {
	t.Helper()
	awsfake.Env(t)
	w := &s3World{cloud: awsfake.New(t)}
	w.queue = w.cloud.SQS.CreateQueue("audit-logs", qo)
	w.cloud.S3.CreateBucket(t, e2eBucket)
	return w
}

// inputArgs are flbhost's input options for the world plus props.
func (w *s3World) inputArgs(props ...string) []string {
	args := []string{"--input", "", "--input-interval-ms", "50", "--input-idle-ms", "3000"}
	// The first spelling of a key wins (as in Fluent Bit): props first.
	for _, kv := range append(props, "Queue_URL="+w.queue, "Endpoint_URL="+w.cloud.URL, "Wait_Time=1",
		"Visibility_Timeout=5", "Metrics_Interval=off") {
		args = append(args, "--input-property", kv)
	}
	return args
}

// runS3Host runs flbhost with both plugins; out is the output's -i spec.
func runS3Host(t *testing.T, onLine func(hostLine), out string, inArgs ...string) *hostRun {
	t.Helper()
	so := buildInput(t)
	for i, a := range inArgs {
		if a == "--input" {
			inArgs[i+1] = so
		}
	}
	return e2eRunHost(t, onLine, append([]string{"-i", out, "-q"}, inArgs...)...)
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func s3Notification(bucket, key string) string {
	return fmt.Sprintf(`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2024-03-01T12:00:00.000Z","eventName":"ObjectCreated:Put","s3":{"s3SchemaVersion":"1.0","bucket":{"name":%q},"object":{"key":%q,"size":1}}}]}`, bucket, key)
}

func snsNotification(body string) string {
	b, _ := json.Marshal(map[string]string{"Type": "Notification", "MessageId": "1", "TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message": body})
	return string(b)
}

func eventBridgeNotification(bucket, key string) string {
	return fmt.Sprintf(`{"version":"0","id":"1","detail-type":"Object Created","source":"aws.s3","account":"123456789012","time":"2024-03-01T12:00:00Z","region":"us-east-1","resources":["arn:aws:s3:::%s"],"detail":{"version":"0","bucket":{"name":%q},"object":{"key":%q,"size":1},"reason":"PutObject"}}`, bucket, bucket, key)
}

// recordsFile wraps JSON lines into a delivered CloudTrail file.
func recordsFile(lines []string) []byte {
	return []byte(`{"Records":[` + strings.Join(lines, ",") + "]}\n")
}

func requireInputRan(t *testing.T, r *hostRun) (events int) {
	t.Helper()
	dump := fmt.Sprintf("\nstdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	if in := r.Find("input_init"); len(in) != 1 || in[0].Fields["rc"] != "1" {
		t.Fatalf("input did not initialize%s", dump)
	}
	s := r.Find("input_summary")
	if len(s) != 1 {
		t.Fatalf("no input summary%s", dump)
	}
	if r.Code != 0 {
		t.Fatalf("flbhost exit %d%s", r.Code, dump)
	}
	if _, retry, failed := r.summary(t); retry+failed > 0 {
		t.Fatalf("flushes did not all succeed%s", dump)
	}
	n, _ := strconv.Atoi(s[0].Fields["events"])
	t.Logf("input: %s calls, %s chunks, %d events, %s bytes, flbhost peak RSS %s KiB",
		s[0].Fields["calls"], s[0].Fields["chunks"], n, s[0].Fields["bytes"], s[0].Fields["max_rss_kb"])
	return n
}

// TestE2ES3InputEveryEnvelope uploads the published samples and announces
// each in another notification shape; every record in Kafka must be what
// awsaudit normalize gives for the same file, the digest file and the
// test event are skipped, and every message is deleted.
func TestE2ES3InputEveryEnvelope(t *testing.T) {
	s3Path, s3Lines := e2eSample(t, "s3_access.log")
	ctPath, ctLines := e2eSample(t, "cloudtrail.jsonl")
	deliveredPath, _ := e2eSample(t, filepath.Join("cloudtrail_envelopes", "s3_delivered_log_file_Records.json"))
	kcatBin(t)
	w := newS3World(t, awsfake.QueueOptions{})
	s3 := w.cloud.S3
	access, err := os.ReadFile(s3Path)
	if err != nil {
		t.Fatal(err)
	}
	delivered, err := os.ReadFile(deliveredPath)
	if err != nil {
		t.Fatal(err)
	}
	ctKey := "AWSLogs/123456789012/CloudTrail/us-east-1/2024/03/01/123456789012_CloudTrail_us-east-1_20240301T1200Z_a.json.gz"
	digestKey := "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/03/01/123456789012_CloudTrail-Digest_us-east-1_t_us-east-1_20240301T120000Z.json.gz"
	s3.Put(t, e2eBucket, "access/2024-03-01-12-00-00-PLAIN", access)
	s3.Put(t, e2eBucket, "access/2024-03-01-12-00-00-GZIP", gzipBytes(t, access))
	s3.Put(t, e2eBucket, ctKey, gzipBytes(t, recordsFile(ctLines)))
	s3.Put(t, e2eBucket, "AWSLogs/123456789012/CloudTrail/us-west-2/delivered.json", delivered)
	s3.Put(t, e2eBucket, digestKey, gzipBytes(t, []byte(`{"awsAccountId":"123456789012","digestStartTime":"2024-03-01T11:00:00Z"}`)))
	q := w.cloud.SQS
	q.Send(w.queue, s3Notification(e2eBucket, "access/2024-03-01-12-00-00-PLAIN"))
	q.Send(w.queue, snsNotification(s3Notification(e2eBucket, "access/2024-03-01-12-00-00-GZIP")))
	q.Send(w.queue, eventBridgeNotification(e2eBucket, ctKey))
	q.Send(w.queue, s3Notification(e2eBucket, "AWSLogs/123456789012/CloudTrail/us-west-2/delivered.json")) // SNS raw delivery looks like this
	q.Send(w.queue, s3Notification(e2eBucket, digestKey))
	q.Send(w.queue, `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-03-01T11:59:00.000Z","Bucket":"audit-log-bucket","RequestId":"1","HostId":"2"}`)

	wantS3 := append(cliNormalize(t, s3Path), cliNormalize(t, s3Path)...)
	wantCT := append(cliNormalize(t, ctPath), cliNormalize(t, deliveredPath)...)
	c := kafkatest.New(t, 3, "e2e.default", "e2e.s3", "e2e.ct", "e2e.dlq")
	broker := c.Brokers()[0]
	r := runS3Host(t, nil, "Brokers="+broker+",Topic=e2e.default,Topic_S3_Access=e2e.s3,Topic_CloudTrail=e2e.ct,DLQ_Topic=e2e.dlq",
		w.inputArgs()...)
	events := requireInputRan(t, r)
	if want := len(wantS3) + len(wantCT); events != want {
		t.Errorf("the input emitted %d events, want %d", events, want)
	}
	for topic, want := range map[string][]string{"e2e.s3": wantS3, "e2e.ct": wantCT} {
		got := payloads(kcatConsume(t, broker, topic))
		if missing, extra := sameMultiset(want, got); len(missing)+len(extra) > 0 {
			t.Errorf("%s: %d records differ from awsaudit normalize's\nnot in the topic:\n%s\nnot from the CLI:\n%s",
				topic, len(missing)+len(extra), strings.Join(missing, "\n"), strings.Join(extra, "\n"))
		}
	}
	for _, topic := range []string{"e2e.default", "e2e.dlq"} {
		if msgs := kcatConsume(t, broker, topic); len(msgs) != 0 {
			t.Errorf("%s holds %d messages, want none: %.300q", topic, len(msgs), payloads(msgs))
		}
	}
	if left := q.Messages(w.queue); len(left) != 0 {
		t.Errorf("%d messages left on the queue, want all deleted: %+v", len(left), left)
	}
	for _, want := range []string{"s3:TestEvent", "digests_skipped=1", "messages_deleted=6"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("the log does not say %q:\n%s", want, r.Stderr)
		}
	}
	if strings.Contains(r.Stderr, awsfake.FakeSecret) {
		t.Error("the log shows the AWS secret key")
	}
	if len(s3Lines) == 0 {
		t.Fatal("empty sample")
	}
}

// generatedAccessLog returns n access-log lines with distinct request ids
// (prefix-000000...) and the ids.
func generatedAccessLog(n int, prefix string) ([]byte, []string) {
	var b strings.Builder
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("%s%07d", prefix, i)
		b.WriteString(e2eAccessLine(i, e2eBucket, ids[i], "sig"))
		b.WriteByte('\n')
	}
	return []byte(b.String()), ids
}

// TestE2ES3InputCrashRedelivers kills flbhost (like kill -9) after half of
// a large object was flushed to Kafka: the message is not deleted, comes
// back after its visibility timeout, and a second run delivers every
// record (the first half twice: at least once).
func TestE2ES3InputCrashRedelivers(t *testing.T) {
	kcatBin(t)
	w := newS3World(t, awsfake.QueueOptions{})
	const n = 12000
	content, ids := generatedAccessLog(n, "CRASH")
	w.cloud.S3.Put(t, e2eBucket, "access/big.log.gz", gzipBytes(t, content))
	w.cloud.SQS.Send(w.queue, s3Notification(e2eBucket, "access/big.log.gz"))
	c := kafkatest.New(t, 3, "e2e.s3", "e2e.dlq")
	broker := c.Brokers()[0]
	out := "Brokers=" + broker + ",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Source=s3_access"
	props := []string{"Chunk_Max_Size=64K", "Visibility_Timeout=3"}

	args := append(w.inputArgs(props...), "--input-crash-after", strconv.Itoa(n/2))
	r := runS3Host(t, nil, out, args...)
	if r.Code != 9 || len(r.Find("crash")) != 1 {
		t.Fatalf("want a crash (exit 9), got %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	first := readIDs(t, broker, "e2e.s3")
	if len(first) < n/2 || len(first) >= n {
		t.Fatalf("%d records before the crash, want half of %d", len(first), n)
	}
	msgs := w.cloud.SQS.Messages(w.queue)
	if len(msgs) != 1 || len(msgs[0].Receives) != 1 {
		t.Fatalf("after the crash the message must still be on the queue, received once: %+v", msgs)
	}

	// The heartbeat may have pushed the message out by one timeout before
	// the crash: wait for it longer than that.
	r = runS3Host(t, nil, out, append(w.inputArgs(props...), "--input-idle-ms", "9000")...)
	requireInputRan(t, r)
	got := readIDs(t, broker, "e2e.s3")
	missing, _ := sameMultiset(ids, got)
	if len(missing) > 0 {
		t.Fatalf("%d records lost after the crash, e.g. %q", len(missing), missing[:min(5, len(missing))])
	}
	t.Logf("%d records in Kafka for %d lines (%d delivered before the crash)", len(got), n, len(first))
	if left := w.cloud.SQS.Messages(w.queue); len(left) != 0 {
		t.Errorf("message not deleted after the second run: %+v", left)
	}
	if rc := len(msgs[0].Receives); rc != 1 {
		t.Errorf("receives before the second run: %d", rc)
	}
}

// TestE2ES3InputUnreadableObject: a missing object and a corrupt gzip are
// logged with the reason and left on the queue, while a good object
// announced after them is delivered in the same run.
func TestE2ES3InputUnreadableObject(t *testing.T) {
	kcatBin(t)
	w := newS3World(t, awsfake.QueueOptions{})
	content, ids := generatedAccessLog(50, "GOOD")
	w.cloud.S3.Put(t, e2eBucket, "access/corrupt.gz", append(gzipBytes(t, content)[:20], bytes.Repeat([]byte{0xfe}, 40)...))
	w.cloud.S3.Put(t, e2eBucket, "access/good.log", content)
	w.cloud.SQS.Send(w.queue, s3Notification(e2eBucket, "access/missing.log"))
	w.cloud.SQS.Send(w.queue, s3Notification(e2eBucket, "access/corrupt.gz"))
	w.cloud.SQS.Send(w.queue, `{"not":"an S3 notification"}`)
	w.cloud.SQS.Send(w.queue, s3Notification(e2eBucket, "access/good.log"))
	c := kafkatest.New(t, 1, "e2e.s3", "e2e.dlq")
	broker := c.Brokers()[0]
	r := runS3Host(t, nil, "Brokers="+broker+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Source=s3_access", w.inputArgs("Workers=1")...)
	requireInputRan(t, r)
	if missing, extra := sameMultiset(ids, readIDs(t, broker, "e2e.s3")); len(missing)+len(extra) > 0 {
		t.Errorf("good object: missing %q, extra %q", missing, extra)
	}
	left := w.cloud.SQS.Messages(w.queue)
	if len(left) != 3 {
		t.Errorf("%d messages left, want the 3 unreadable ones: %+v", len(left), left)
	}
	for _, want := range []string{"access/missing.log", "NoSuchKey", "access/corrupt.gz", "not an S3 event notification", "failures{s3_get}=1", "failures{s3_read}=1", "failures{notification}=1"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("the log does not say %q:\n%s", want, r.Stderr)
		}
	}
}

// TestE2ES3InputTwoHosts runs two flbhost processes on one queue: they
// share the messages and together deliver every record at least once.
func TestE2ES3InputTwoHosts(t *testing.T) {
	kcatBin(t)
	w := newS3World(t, awsfake.QueueOptions{})
	const objects = 24
	var all []string
	for i := range objects {
		content, ids := generatedAccessLog(100, fmt.Sprintf("H%02d-", i))
		all = append(all, ids...)
		w.cloud.S3.Put(t, e2eBucket, fmt.Sprintf("access/%02d.log", i), content)
	}
	c := kafkatest.New(t, 3, "e2e.s3", "e2e.dlq")
	broker := c.Brokers()[0]
	out := "Brokers=" + broker + ",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Source=s3_access"
	var ready sync.WaitGroup
	ready.Add(2)
	runs := make([]*hostRun, 2)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			once := sync.Once{}
			runs[i] = runS3Host(t, func(l hostLine) {
				if l.Kind == "input_init" {
					once.Do(ready.Done)
				}
			}, out, w.inputArgs("Workers=1", "Max_Messages=1")...)
			once.Do(ready.Done)
		}()
	}
	ready.Wait() // both listen before the first notification
	for i := range objects {
		w.cloud.SQS.Send(w.queue, s3Notification(e2eBucket, fmt.Sprintf("access/%02d.log", i)))
	}
	wg.Wait()
	for i, r := range runs {
		if n := requireInputRan(t, r); n == 0 {
			t.Errorf("host %d delivered nothing: the queue was not shared", i)
		}
	}
	if missing, _ := sameMultiset(all, readIDs(t, broker, "e2e.s3")); len(missing) > 0 {
		t.Errorf("%d records never delivered, e.g. %q", len(missing), missing[:min(5, len(missing))])
	}
	if left := w.cloud.SQS.Messages(w.queue); len(left) != 0 {
		t.Errorf("%d messages left", len(left))
	}
}

// TestE2ES3InputLargeObject streams a gzip object of 8 MiB (200 MiB with
// AWSAUDIT_HEAVY=1) through flbhost into Kafka and reports flbhost's peak
// RSS, which must not grow with the object.
func TestE2ES3InputLargeObject(t *testing.T) {
	kcatBin(t)
	size := 8 << 20
	if os.Getenv("AWSAUDIT_HEAVY") != "" {
		size = 200 << 20
		defer func(d time.Duration) { e2eHostTimeout = d }(e2eHostTimeout)
		e2eHostTimeout = 20 * time.Minute
	}
	w := newS3World(t, awsfake.QueueOptions{})
	path, lines := largeGzipObject(t, size)
	w.cloud.S3.PutFile(t, e2eBucket, "access/large.log.gz", path)
	w.cloud.SQS.Send(w.queue, s3Notification(e2eBucket, "access/large.log.gz"))
	c := kafkatest.New(t, 3, "e2e.s3", "e2e.dlq")
	broker := c.Brokers()[0]
	r := runS3Host(t, nil, "Brokers="+broker+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Source=s3_access",
		append(w.inputArgs("Visibility_Timeout=10"), "--input-interval-ms", "0")...)
	if n := requireInputRan(t, r); n != lines {
		t.Errorf("%d events, want %d", n, lines)
	}
	rss, _ := strconv.Atoi(r.Find("input_summary")[0].Fields["max_rss_kb"])
	t.Logf("%d MiB gzip object, %d lines: flbhost peak RSS %d MiB", size>>20, lines, rss>>10)
	if rss > 400<<10 {
		t.Errorf("flbhost peak RSS %d MiB for a %d MiB object", rss>>10, size>>20)
	}
	if left := w.cloud.SQS.Messages(w.queue); len(left) != 0 {
		t.Errorf("message not deleted")
	}
}

// largeGzipObject writes at least size bytes of gzip'd access-log lines
// with varied fields and returns the path and the line count.
func largeGzipObject(t *testing.T, size int) (string, int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "large.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	n := 0
	for {
		st, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() >= int64(size) {
			break
		}
		for range 1000 {
			id := strconv.FormatUint(uint64(n)*0x9E3779B97F4A7C15, 36)
			if _, err := zw.Write([]byte(e2eAccessLine(n, e2eBucket, id, id+"sig") + "\n")); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return path, n
}

// TestE2ES3InputLegacyAPI drives the input as Fluent Bit before 4.1 does:
// the callbacks without a context, and a context struct whose second slot
// is the proxy pointer, which the plugin must not overwrite.
func TestE2ES3InputLegacyAPI(t *testing.T) {
	kcatBin(t)
	w := newS3World(t, awsfake.QueueOptions{})
	content, ids := generatedAccessLog(30, "LEGACY")
	w.cloud.S3.Put(t, e2eBucket, "access/legacy.log", content)
	w.cloud.SQS.Send(w.queue, s3Notification(e2eBucket, "access/legacy.log"))
	c := kafkatest.New(t, 1, "e2e.s3", "e2e.dlq")
	broker := c.Brokers()[0]
	r := runS3Host(t, nil, "Brokers="+broker+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Source=s3_access",
		append(w.inputArgs(), "--legacy-api")...)
	in := r.Find("input_init")
	if len(in) != 1 || in[0].Fields["context_intact"] != "1" {
		t.Fatalf("the plugin overwrote the pre-4.1 context: %v\n%s", in, r.Stderr)
	}
	requireInputRan(t, r)
	if missing, extra := sameMultiset(ids, readIDs(t, broker, "e2e.s3")); len(missing)+len(extra) > 0 {
		t.Errorf("missing %q, extra %q", missing, extra)
	}
	if !strings.Contains(r.Stderr, "passes inputs no context") {
		t.Errorf("no note about the context-less Fluent Bit:\n%s", r.Stderr)
	}
}

// TestE2ES3InputBadConfig: an invalid input configuration fails the
// instance at start-up (FLBPluginInit <= 0) with every problem listed.
func TestE2ES3InputBadConfig(t *testing.T) {
	awsfake.Env(t)
	so := buildInput(t)
	r := e2eRunHost(t, nil, "-i", "Brokers=127.0.0.1:1", "-q", "--input", so,
		"--input-property", "Wait_Time=60", "--input-property", "Workers=0")
	if in := r.Find("input_init"); len(in) != 1 || in[0].Fields["rc"] != "0" || r.Code != 3 {
		t.Fatalf("want input_init rc=0 and exit 3, got %v exit %d\n%s", in, r.Code, r.Stderr)
	}
	for _, want := range []string{"Queue_URL: is required", "Wait_Time", "Workers"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("the error does not name %q:\n%s", want, r.Stderr)
		}
	}
}
