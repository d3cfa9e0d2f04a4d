package s3sqs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/pipeline"
	"github.com/awsaudit/awsaudit/test/awsfake"
)

const testBucket = "audit-log-bucket"

// fixture is a fake SQS queue and S3 bucket behind one loopback endpoint.
type fixture struct {
	cloud *awsfake.Cloud
	sqs   *awsfake.SQS
	s3    *awsfake.S3
	queue string
}

func newFixture(t testing.TB, qo awsfake.QueueOptions) *fixture {
	t.Helper()
	awsfake.Env(t)
	c := awsfake.New(t)
	f := &fixture{cloud: c, sqs: c.SQS, s3: c.S3}
	f.queue = f.sqs.CreateQueue("audit-logs", qo)
	f.s3.CreateBucket(t, testBucket)
	return f
}

// config is a valid input configuration for the fixture plus props.
func (f *fixture) config(t testing.TB, props map[string]string) conf.S3Input {
	t.Helper()
	m := map[string]string{
		"Queue_URL": f.queue, "Endpoint_URL": f.cloud.URL,
		"Visibility_Timeout": "2", "Wait_Time": "1", "Metrics_Interval": "off",
	}
	for k, v := range props {
		m[k] = v
	}
	cfg, err := conf.ParseS3Input(conf.FromMap(m))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// start runs a source as New builds it (the standard AWS chain, reading
// the fixture's environment); it is closed when the test ends.
func (f *fixture) start(t testing.TB, props map[string]string) (*Source, *logSink) {
	t.Helper()
	return f.startWith(t, props, nil)
}

// startWith is start with the SQS client wrapped (fault injection).
func (f *fixture) startWith(t testing.TB, props map[string]string, wrap func(SQSAPI) SQSAPI) (*Source, *logSink) {
	t.Helper()
	cfg := f.config(t, props)
	logs := &logSink{t: t}
	sqsc, s3c, err := clients(cfg, logs.log)
	if err != nil {
		t.Fatal(err)
	}
	var api SQSAPI = sqsc
	if wrap != nil {
		api = wrap(api)
	}
	src := NewWith(cfg, api, s3c, logs.log)
	t.Cleanup(func() {
		src.Close()
		logs.checkNoSecrets()
	})
	return src, logs
}

// logSink collects a source's log lines.
type logSink struct {
	t     testing.TB
	mu    sync.Mutex
	lines []string
}

func (l *logSink) log(level pipeline.Level, msg string) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf("%d %s", level, msg))
	l.mu.Unlock()
}

func (l *logSink) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func (l *logSink) checkNoSecrets() {
	if s := l.text(); strings.Contains(s, awsfake.FakeSecret) || strings.Contains(s, "AKIAFAKE") {
		l.t.Errorf("a log line shows the AWS credentials:\n%s", s)
	}
}

// s3Event is an S3 → SQS notification of created objects.
func s3Event(bucket string, keys ...string) string {
	var recs []string
	for i, k := range keys {
		recs = append(recs, fmt.Sprintf(`{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2024-03-01T12:00:00.000Z","eventName":"ObjectCreated:Put","s3":{"s3SchemaVersion":"1.0","bucket":{"name":%q,"arn":"arn:aws:s3:::%s"},"object":{"key":%q,"size":1,"sequencer":"%016X"}}}`,
			bucket, bucket, url.QueryEscape(k), i))
	}
	return `{"Records":[` + strings.Join(recs, ",") + `]}`
}

// snsWrap is body as an SNS → SQS message without raw delivery.
func snsWrap(body string) string {
	b, _ := json.Marshal(map[string]string{
		"Type": "Notification", "MessageId": "5e6f", "TopicArn": "arn:aws:sns:us-east-1:123456789012:logs",
		"Subject": "Amazon S3 Notification", "Message": body, "Timestamp": "2024-03-01T12:00:00.000Z",
	})
	return string(b)
}

// ebEvent is an S3 → EventBridge → SQS Object Created event.
func ebEvent(bucket, key string) string {
	b, _ := json.Marshal(map[string]any{
		"version": "0", "id": "1", "detail-type": "Object Created", "source": "aws.s3", "account": "123456789012",
		"time": "2024-03-01T12:00:00Z", "region": "us-east-1", "resources": []string{"arn:aws:s3:::" + bucket},
		"detail": map[string]any{"version": "0", "bucket": map[string]string{"name": bucket},
			"object": map[string]any{"key": key, "size": 1}, "reason": "PutObject"},
	})
	return string(b)
}

// got is one record a consumer received.
type got struct {
	bucket, key, rec string
}

// consume takes batches until want records arrived (or timeout), calling
// Done on each.
func consume(t *testing.T, src *Source, want int, timeout time.Duration) []got {
	t.Helper()
	var out []got
	deadline := time.Now().Add(timeout)
	for len(out) < want && time.Now().Before(deadline) {
		for _, b := range src.Take(1<<20, 100*time.Millisecond) {
			for i := range b.Len() {
				out = append(out, got{b.Bucket, b.Key, string(b.Record(i))})
			}
			b.Done()
		}
	}
	if len(out) < want {
		t.Fatalf("got %d records within %v, want %d; stats %v", len(out), timeout, want, src.Stats())
	}
	return out
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lines returns n access-log-like lines tagged with tag.
func lines(tag string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be %s [01/Mar/2024:12:00:%02d +0000] 192.0.2.3 - %s-%06d REST.GET.OBJECT k/%d "GET /k/%d HTTP/1.1" 200 - 10 10 5 4 "-" "ua" -`, testBucket, i%60, tag, i, i, i)
	}
	return out
}

// deadSQS stands for a consumer process that died: once killed, no call
// reaches SQS (nothing is deleted, released or extended).
type deadSQS struct {
	SQSAPI
	dead atomic.Bool
}

var errDead = fmt.Errorf("process is dead")

func (d *deadSQS) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, o ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	if d.dead.Load() {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return d.SQSAPI.ReceiveMessage(ctx, in, o...)
}

func (d *deadSQS) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, o ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	if d.dead.Load() {
		return nil, errDead
	}
	return d.SQSAPI.DeleteMessage(ctx, in, o...)
}

func (d *deadSQS) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, o ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	if d.dead.Load() {
		return nil, errDead
	}
	return d.SQSAPI.ChangeMessageVisibility(ctx, in, o...)
}
