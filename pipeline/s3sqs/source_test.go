package s3sqs

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/test/awsfake"
)

func join(ls []string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }

// TestSourceEveryShape sends one object in each notification shape, plus
// an s3:TestEvent and a delete event, and checks every record arrives with
// its bucket and key and every message is deleted.
func TestSourceEveryShape(t *testing.T) {
	f := newFixture(t, awsfake.QueueOptions{})
	want := map[string][]string{}
	shapes := map[string]func(key string) string{
		"s3":          func(k string) string { return s3Event(testBucket, k) },
		"sns-raw":     func(k string) string { return s3Event(testBucket, k) },
		"sns":         func(k string) string { return snsWrap(s3Event(testBucket, k)) },
		"eventbridge": func(k string) string { return ebEvent(testBucket, k) },
	}
	for name, body := range shapes {
		key := "logs/" + name + "/2024-03-01-12-00-00-ABC def+1" // space and plus survive URL-encoding
		ls := lines(name, 7)
		f.s3.Put(t, testBucket, key, join(ls))
		want[key] = ls
		f.sqs.Send(f.queue, body(key))
	}
	f.sqs.Send(f.queue, `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-03-01T11:59:00.000Z","Bucket":"audit-log-bucket","RequestId":"1","HostId":"2"}`)
	f.sqs.Send(f.queue, strings.Replace(s3Event(testBucket, "gone.log"), "ObjectCreated:Put", "ObjectRemoved:Delete", 1))

	src, logs := f.start(t, nil)
	recs := consume(t, src, 28, 20*time.Second)
	gotBy := map[string][]string{}
	for _, r := range recs {
		if r.bucket != testBucket {
			t.Errorf("bucket %q", r.bucket)
		}
		gotBy[r.key] = append(gotBy[r.key], r.rec)
	}
	for key, ls := range want {
		if !slices.Equal(gotBy[key], ls) {
			t.Errorf("%s: got %d records %q, want %d in order", key, len(gotBy[key]), gotBy[key], len(ls))
		}
	}
	waitFor(t, 10*time.Second, "every message deleted", func() bool { return len(f.sqs.Messages(f.queue)) == 0 })
	st := src.Stats()
	if st.MessagesReceived != 6 || st.MessagesDeleted != 6 || st.TestEvents != 1 || st.EventsIgnored != 1 ||
		st.ObjectsRead != 4 || st.RecordsEmitted != 28 || st.MessagesFailed != 0 || st.BytesRead == 0 {
		t.Errorf("stats %v", st)
	}
	if !strings.Contains(logs.text(), `s3:TestEvent for bucket "audit-log-bucket"`) {
		t.Errorf("the test event was not logged:\n%s", logs.text())
	}
}

// TestSourceGzipAndCloudTrail reads a gzip access log by its magic bytes
// (no .gz in the key), a CloudTrail file by Records element, and skips a
// digest file and keys outside the filters, deleting their messages.
func TestSourceGzipAndCloudTrail(t *testing.T) {
	f := newFixture(t, awsfake.QueueOptions{})
	access := lines("gz", 5)
	f.s3.Put(t, testBucket, "AWSLogs/access/2024-03-01-12-00-00-0A1B", gz(t, strings.Join(access, "\n")+"\n"))
	ev := []string{`{"eventVersion":"1.09","eventName":"GetObject"}`, `{"eventVersion":"1.09","eventName":"PutObject"}`}
	ctKey := "AWSLogs/123456789012/CloudTrail/us-east-1/2024/03/01/123456789012_CloudTrail_us-east-1_20240301T1200Z_x.json.gz"
	f.s3.Put(t, testBucket, ctKey, gz(t, `{"Records":[`+strings.Join(ev, ",")+`]}`))
	digest := "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/03/01/123456789012_CloudTrail-Digest_us-east-1_t_us-east-1_20240301T120000Z.json.gz"
	f.s3.Put(t, testBucket, digest, gz(t, `{"awsAccountId":"123456789012","digestStartTime":"2024-03-01T11:00:00Z"}`))
	f.s3.Put(t, testBucket, "other/prefix.log", join(lines("other", 3)))
	f.s3.Put(t, testBucket, "AWSLogs/nomatch.txt", join(lines("nomatch", 3)))
	for _, k := range []string{"AWSLogs/access/2024-03-01-12-00-00-0A1B", ctKey, digest, "other/prefix.log", "AWSLogs/nomatch.txt"} {
		f.sqs.Send(f.queue, s3Event(testBucket, k))
	}
	src, _ := f.start(t, map[string]string{"Key_Prefix": "AWSLogs/", "Key_Pattern": `(access/|\.json\.gz$)`})
	recs := consume(t, src, 7, 20*time.Second)
	var got []string
	for _, r := range recs {
		got = append(got, r.rec)
	}
	sort.Strings(got)
	want := append(slices.Clone(access), ev...)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("records %q\nwant %q", got, want)
	}
	waitFor(t, 10*time.Second, "every message deleted", func() bool { return len(f.sqs.Messages(f.queue)) == 0 })
	if st := src.Stats(); st.DigestsSkipped != 1 || st.ObjectsFiltered != 2 || st.ObjectsRead != 2 || st.MessagesDeleted != 5 {
		t.Errorf("stats %v", st)
	}
}

// TestSourceDeletesOnlyAfterDone holds the batches of a message: it must
// stay in flight, its visibility extended well past the timeout, until
// the last batch is Done.
func TestSourceDeletesOnlyAfterDone(t *testing.T) {
	f := newFixture(t, awsfake.QueueOptions{})
	f.s3.Put(t, testBucket, "big.log", join(lines("big", 3000))) // several batches
	f.sqs.Send(f.queue, s3Event(testBucket, "big.log"))
	src, _ := f.start(t, map[string]string{"Visibility_Timeout": "1", "Chunk_Max_Size": "64K"})

	var held []*Batch
	n := 0
	waitFor(t, 20*time.Second, "every record taken", func() bool {
		for _, b := range src.Take(1<<20, 50*time.Millisecond) {
			held = append(held, b)
			n += b.Len()
		}
		return n == 3000
	})
	if len(held) < 3 {
		t.Fatalf("%d batches; the test needs several", len(held))
	}
	for _, b := range held[:len(held)-1] {
		b.Done()
	}
	time.Sleep(3 * time.Second) // three visibility timeouts
	msgs := f.sqs.Messages(f.queue)
	if len(msgs) != 1 || !msgs[0].InFlight || len(msgs[0].Receives) != 1 {
		t.Fatalf("the message must stay hidden, received once, while a batch is open: %+v", msgs)
	}
	if st := src.Stats(); st.Extensions < 2 || st.MessagesDeleted != 0 {
		t.Fatalf("stats %v: want visibility extended, nothing deleted", st)
	}
	held[len(held)-1].Done()
	waitFor(t, 5*time.Second, "the message deleted", func() bool { return len(f.sqs.Messages(f.queue)) == 0 })
}

// TestSourceFailedBatchRedelivers: a batch the consumer could not hand on
// leaves the message to come back after the visibility timeout; its
// records then arrive again and the message is deleted.
func TestSourceFailedBatchRedelivers(t *testing.T) {
	f := newFixture(t, awsfake.QueueOptions{})
	ls := lines("retry", 10)
	f.s3.Put(t, testBucket, "r.log", join(ls))
	f.sqs.Send(f.queue, s3Event(testBucket, "r.log"))
	src, logs := f.start(t, map[string]string{"Visibility_Timeout": "1"})
	var first []*Batch
	waitFor(t, 10*time.Second, "the first delivery", func() bool {
		first = append(first, src.Take(1<<20, 50*time.Millisecond)...)
		return len(first) > 0
	})
	first[0].Fail("kafka down")
	start := time.Now()
	recs := consume(t, src, 10, 20*time.Second)
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("redelivered after %v, before the 1s backoff", waited)
	}
	for i, r := range recs {
		if r.rec != ls[i] {
			t.Fatalf("record %d = %q", i, r.rec)
		}
	}
	waitFor(t, 5*time.Second, "the message deleted", func() bool { return len(f.sqs.Messages(f.queue)) == 0 })
	if st := src.Stats(); st.Failures[FailConsumer] != 1 || st.MessagesReceived != 2 || st.MessagesDeleted != 1 {
		t.Errorf("stats %v", st)
	}
	if !strings.Contains(logs.text(), "kafka down") {
		t.Errorf("the failure reason was not logged:\n%s", logs.text())
	}
}

// TestSourceCrashRedelivers: a consumer dies after handing on half of an
// object (nothing more reaches SQS: no delete, no release); the message
// comes back after its visibility timeout and a second consumer delivers
// every record.
func TestSourceCrashRedelivers(t *testing.T) {
	f := newFixture(t, awsfake.QueueOptions{})
	ls := lines("crash", 4000)
	f.s3.Put(t, testBucket, "crash.log", join(ls))
	f.sqs.Send(f.queue, s3Event(testBucket, "crash.log"))
	var dead *deadSQS
	a, _ := f.startWith(t, map[string]string{"Visibility_Timeout": "2", "Chunk_Max_Size": "64K"}, func(api SQSAPI) SQSAPI {
		dead = &deadSQS{SQSAPI: api}
		return dead
	})
	n := 0
	waitFor(t, 20*time.Second, "half the object", func() bool {
		for _, b := range a.Take(64<<10, 50*time.Millisecond) {
			n += b.Len()
			b.Done()
		}
		return n >= 2000
	})
	dead.dead.Store(true) // the process is gone
	if n >= 4000 {
		t.Fatalf("the whole object (%d records) was taken before the crash", n)
	}
	b, _ := f.start(t, nil)
	recs := consume(t, b, 4000, 30*time.Second)
	for i, r := range recs {
		if r.rec != ls[i] {
			t.Fatalf("record %d = %q, want %q", i, r.rec, ls[i])
		}
	}
	waitFor(t, 5*time.Second, "the message deleted", func() bool { return len(f.sqs.Messages(f.queue)) == 0 })
}

// TestSourcePoisonDoesNotStall: a body that is not S3's, a missing object,
// a corrupt gzip and an oversized record are each logged with the reason
// and left to the redrive policy, with receives spaced by the backoff,
// while a good message behind them is delivered at once.
func TestSourcePoisonDoesNotStall(t *testing.T) {
	f := newFixture(t, awsfake.QueueOptions{MaxReceiveCount: 2, DeadLetter: "audit-logs-dlq"})
	dlq := f.sqs.CreateQueue("audit-logs-dlq", awsfake.QueueOptions{})
	f.s3.Put(t, testBucket, "corrupt.log.gz", append(gz(t, "x\n")[:10], bytes.Repeat([]byte{0xff}, 20)...))
	f.s3.Put(t, testBucket, "huge.log", []byte(strings.Repeat("h", 4096)+"\n"))
	f.s3.Put(t, testBucket, "good.log", join(lines("good", 3)))
	f.sqs.Send(f.queue, `{"hello":"not s3"}`)
	f.sqs.Send(f.queue, s3Event(testBucket, "missing.log"))
	f.sqs.Send(f.queue, s3Event(testBucket, "corrupt.log.gz"))
	f.sqs.Send(f.queue, s3Event(testBucket, "huge.log"))
	f.sqs.Send(f.queue, s3Event(testBucket, "good.log"))
	src, logs := f.start(t, map[string]string{"Visibility_Timeout": "1", "Max_Record_Size": "1K", "Workers": "2"})

	start := time.Now()
	recs := consume(t, src, 3, 10*time.Second)
	if d := time.Since(start); d > 5*time.Second || recs[0].key != "good.log" {
		t.Errorf("the good message took %v behind the poison ones", d)
	}
	waitFor(t, 20*time.Second, "the poison messages in the dead-letter queue", func() bool {
		return len(f.sqs.Messages(dlq)) == 4 && len(f.sqs.Messages(f.queue)) == 0
	})
	for _, m := range f.sqs.Messages(dlq) {
		if len(m.Receives) != 2 {
			t.Errorf("%s received %d times, want 2 (MaxReceiveCount)", m.ID, len(m.Receives))
			continue
		}
		if gap := m.Receives[1].Sub(m.Receives[0]); gap < 900*time.Millisecond {
			t.Errorf("%s received again after %v: a tight loop", m.ID, gap)
		}
	}
	st := src.Stats()
	for kind, n := range map[string]int64{FailNotification: 2, FailS3Get: 2, FailS3Read: 2, FailTooLarge: 2} {
		if st.Failures[kind] != n {
			t.Errorf("failures{%s} = %d, want %d (stats %v)", kind, st.Failures[kind], n, st)
		}
	}
	text := logs.text()
	for _, want := range []string{"not an S3 event notification", "s3://audit-log-bucket/missing.log", "corrupt.log.gz: flate: corrupt input", "record too large"} {
		if !strings.Contains(text, want) {
			t.Errorf("no log line says %q:\n%s", want, text)
		}
	}
}

// TestSourceResumesBrokenStream: a GET cut mid-object is resumed with a
// Range request from where it broke; no record is lost or repeated.
func TestSourceResumesBrokenStream(t *testing.T) {
	f := newFixture(t, awsfake.QueueOptions{})
	ls := lines("resume", 2000)
	content := gz(t, strings.Join(ls, "\n")+"\n")
	f.s3.Put(t, testBucket, "cut.log.gz", content)
	f.s3.BreakAfter(testBucket, "cut.log.gz", int64(len(content)/3), int64(len(content)/5))
	f.sqs.Send(f.queue, s3Event(testBucket, "cut.log.gz"))
	src, _ := f.start(t, nil)
	recs := consume(t, src, 2000, 20*time.Second)
	for i, r := range recs {
		if r.rec != ls[i] {
			t.Fatalf("record %d = %q", i, r.rec)
		}
	}
	waitFor(t, 5*time.Second, "the message deleted", func() bool { return len(f.sqs.Messages(f.queue)) == 0 })
	if g := f.s3.Gets(testBucket, "cut.log.gz"); g != 3 {
		t.Errorf("%d GETs, want 3 (two resumes)", g)
	}
	if st := src.Stats(); st.BytesRead != int64(len(content)) || st.RecordsEmitted != 2000 {
		t.Errorf("stats %v; object is %d bytes", st, len(content))
	}
}

// TestSourceTwoConsumers: two sources on one queue share the messages and
// together deliver every record at least once.
func TestSourceTwoConsumers(t *testing.T) {
	f := newFixture(t, awsfake.QueueOptions{})
	const objects, per = 30, 40
	want := map[string]bool{}
	for i := range objects {
		key := fmt.Sprintf("logs/%02d.log", i)
		ls := lines(key, per)
		for _, l := range ls {
			want[l] = true
		}
		f.s3.Put(t, testBucket, key, join(ls))
		f.sqs.Send(f.queue, s3Event(testBucket, key))
	}
	props := map[string]string{"Workers": "1", "Max_Messages": "1"}
	a, _ := f.start(t, props)
	b, _ := f.start(t, props)
	var mu sync.Mutex
	seen := map[string]bool{}
	perSource := map[*Source]int{}
	deadline := time.Now().Add(30 * time.Second)
	var wg sync.WaitGroup
	for _, src := range []*Source{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				mu.Lock()
				done := len(seen) == len(want)
				mu.Unlock()
				if done {
					return
				}
				for _, bt := range src.Take(1<<20, 50*time.Millisecond) {
					time.Sleep(10 * time.Millisecond) // a consumer's own work
					mu.Lock()
					for i := range bt.Len() {
						seen[string(bt.Record(i))] = true
					}
					perSource[src]++
					mu.Unlock()
					bt.Done()
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != len(want) {
		t.Fatalf("%d distinct records delivered, want %d", len(seen), len(want))
	}
	if perSource[a] == 0 || perSource[b] == 0 {
		t.Errorf("one consumer did all the work: %v", perSource)
	}
	waitFor(t, 10*time.Second, "every message deleted", func() bool { return len(f.sqs.Messages(f.queue)) == 0 })
}

// TestSourceCloseReleases: Close makes an unfinished message visible at
// once for another consumer.
func TestSourceCloseReleases(t *testing.T) {
	f := newFixture(t, awsfake.QueueOptions{})
	f.s3.Put(t, testBucket, "held.log", join(lines("held", 5)))
	f.sqs.Send(f.queue, s3Event(testBucket, "held.log"))
	src, _ := f.start(t, map[string]string{"Visibility_Timeout": "300"})
	waitFor(t, 10*time.Second, "a batch", func() bool { return len(src.Take(1<<20, 50*time.Millisecond)) > 0 })
	src.Close()
	msgs := f.sqs.Messages(f.queue)
	if len(msgs) != 1 || msgs[0].InFlight {
		t.Fatalf("after Close the message should be visible: %+v", msgs)
	}
	if st := src.Stats(); st.MessagesReleased != 1 || st.MessagesDeleted != 0 {
		t.Errorf("stats %v", st)
	}
}

// TestSourceReceiveErrorsBackOff: failing ReceiveMessage calls are counted
// and retried after a pause, and the source then delivers.
func TestSourceReceiveErrorsBackOff(t *testing.T) {
	f := newFixture(t, awsfake.QueueOptions{})
	f.s3.Put(t, testBucket, "a.log", join(lines("a", 2)))
	f.sqs.Send(f.queue, s3Event(testBucket, "a.log"))
	f.sqs.Fail("ReceiveMessage", "OverLimit", "OverLimit")
	src, logs := f.start(t, nil)
	consume(t, src, 2, 20*time.Second)
	if st := src.Stats(); st.Failures[FailReceive] != 2 {
		t.Errorf("failures{sqs_receive} = %d, want 2", st.Failures[FailReceive])
	}
	if n := f.sqs.Calls("ReceiveMessage"); n > 6 {
		t.Errorf("%d ReceiveMessage calls: the errors were retried without pause", n)
	}
	if !strings.Contains(logs.text(), "ReceiveMessage failed") {
		t.Errorf("not logged:\n%s", logs.text())
	}
}

// TestSourceBoundedMemory streams a 16 MiB gzip object (about 50 MiB of
// lines) from the S3 fake and checks the heap stays far below the
// object's size. AWSAUDIT_HEAVY=1 runs it with a 200 MiB object.
func TestSourceBoundedMemory(t *testing.T) {
	size := int64(16 << 20)
	if os.Getenv("AWSAUDIT_HEAVY") != "" {
		size = 200 << 20
	}
	f := newFixture(t, awsfake.QueueOptions{})
	path, lines, size := writeGzipObject(t, size)
	f.s3.PutFile(t, testBucket, "big/access.log.gz", path)
	f.sqs.Send(f.queue, s3Event(testBucket, "big/access.log.gz"))

	peak := watchHeap(t)
	src, _ := f.start(t, map[string]string{"Chunk_Max_Size": "1M", "Visibility_Timeout": "5"})
	var n int64
	waitFor(t, 10*time.Minute, "every record", func() bool {
		for _, b := range src.Take(1<<20, 50*time.Millisecond) {
			n += int64(b.Len())
			b.Done()
		}
		return n >= lines
	})
	p := peak()
	st := src.Stats()
	t.Logf("%d MiB gzip object, %d records, %d MiB read; peak Go heap %.1f MiB", size>>20, n, st.BytesRead>>20, float64(p)/(1<<20))
	if n != lines || st.BytesRead != size {
		t.Errorf("read %d records / %d bytes, want %d / %d", n, st.BytesRead, lines, size)
	}
	if p > 12<<20 {
		t.Errorf("peak heap %d MiB for a %d MiB object: it is being held", p>>20, size>>20)
	}
	waitFor(t, 10*time.Second, "the message deleted", func() bool { return len(f.sqs.Messages(f.queue)) == 0 })
}

// writeGzipObject writes a gzip file of at least size bytes of varied
// access-log lines (random fields keep it from compressing to nothing)
// and returns its path, line count and size.
func writeGzipObject(t testing.TB, size int64) (string, int64, int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "object.gz")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	cw := &countWriter{w: file}
	zw, _ := gzip.NewWriterLevel(cw, gzip.BestSpeed)
	rng := rand.New(rand.NewPCG(1, 2))
	var n int64
	line := make([]byte, 0, 512)
	for cw.n < size {
		line = line[:0]
		line = append(line, "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be audit-log-bucket [01/Mar/2024:12:00:00 +0000] 192.0.2."...)
		line = strconv.AppendInt(line, int64(rng.IntN(255)), 10)
		line = append(line, " - "...)
		line = strconv.AppendUint(line, rng.Uint64(), 36)
		line = append(line, " REST.GET.OBJECT k/"...)
		line = strconv.AppendUint(line, rng.Uint64(), 16)
		line = append(line, " \"GET /k HTTP/1.1\" 200 - "...)
		line = strconv.AppendInt(line, rng.Int64N(1e9), 10)
		line = append(line, " 1 1 1 \"-\" \"ua\" -\n"...)
		if _, err := zw.Write(line); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
	return path, n, cw.n
}

type countWriter struct {
	w interface{ Write([]byte) (int, error) }
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
