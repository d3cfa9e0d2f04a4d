package awsfake

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Account is the account id in every fake queue URL.
const Account = "000000000000"

// SQS is an in-process SQS service speaking the AWS JSON 1.0
// protocol (POST /, X-Amz-Target: AmazonSQS.<Operation>) that
// aws-sdk-go-v2/service/sqs uses: CreateQueue, SendMessage,
// ReceiveMessage (long polling, per-call visibility timeout,
// ApproximateReceiveCount), DeleteMessage, ChangeMessageVisibility and
// GetQueueAttributes, with a redrive policy (MaxReceiveCount, dead-letter
// queue) and fault injection. Messages are visible again when their
// visibility timeout passes, exactly once per receive; a receipt handle is
// valid until the message is received again.
type SQS struct {
	url string // the Cloud's endpoint, the base of queue URLs

	mu     sync.Mutex
	queues map[string]*fakeQueue
	seq    int
	calls  map[string]int
	faults map[string][]string // operation -> error codes still to return
}

// QueueOptions configures CreateQueue.
type QueueOptions struct {
	// VisibilityTimeout is the queue's default (30s when zero).
	VisibilityTimeout time.Duration
	// MaxReceiveCount > 0 moves a message received that many times to the
	// DeadLetter queue (by name) instead of delivering it again.
	MaxReceiveCount int
	DeadLetter      string
}

type fakeQueue struct {
	name string
	opts QueueOptions
	msgs []*fakeMessage
}

type fakeMessage struct {
	id, body, receipt string
	visibleAt         time.Time
	receives          []time.Time
}

// Message is a test's view of one queued message.
type Message struct {
	ID       string
	Body     string
	Receives []time.Time // when each receive happened
	InFlight bool        // hidden by a receive right now
}

func newSQS(url string) *SQS {
	return &SQS{url: url, queues: map[string]*fakeQueue{}, calls: map[string]int{}, faults: map[string][]string{}}
}

// CreateQueue creates (or returns) a queue and returns its URL.
func (f *SQS) CreateQueue(name string, opts QueueOptions) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if opts.VisibilityTimeout == 0 {
		opts.VisibilityTimeout = 30 * time.Second
	}
	if _, ok := f.queues[name]; !ok {
		f.queues[name] = &fakeQueue{name: name, opts: opts}
	}
	return f.queueURL(name)
}

func (f *SQS) queueURL(name string) string { return f.url + "/" + Account + "/" + name }

// Send enqueues body on the queue named by its URL and returns the id.
func (f *SQS) Send(queueURL, body string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queues[queueName(queueURL)]
	if q == nil {
		panic("awsfake: no queue " + queueURL)
	}
	return f.send(q, body)
}

func (f *SQS) send(q *fakeQueue, body string) string {
	f.seq++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", f.seq)
	q.msgs = append(q.msgs, &fakeMessage{id: id, body: body})
	return id
}

// Messages lists what is on a queue (deleted messages are gone).
func (f *SQS) Messages(queueURL string) []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queues[queueName(queueURL)]
	if q == nil {
		return nil
	}
	now := time.Now()
	out := make([]Message, 0, len(q.msgs))
	for _, m := range q.msgs {
		out = append(out, Message{ID: m.id, Body: m.body, Receives: append([]time.Time(nil), m.receives...), InFlight: m.visibleAt.After(now)})
	}
	return out
}

// Calls returns how often an operation (e.g. "ReceiveMessage") was called.
func (f *SQS) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// Fail makes the next calls of op fail, one per code (an SQS error code
// such as "InternalError" or "OverLimit"), with HTTP 500 for InternalError
// and 400 otherwise.
func (f *SQS) Fail(op string, codes ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[op] = append(f.faults[op], codes...)
}

func queueName(u string) string { return u[strings.LastIndexByte(u, '/')+1:] }

type sqsError struct {
	status int
	code   string
	msg    string
}

func (f *SQS) serve(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	if r.Method != http.MethodPost || !ok {
		writeSQSError(w, &sqsError{400, "InvalidAction", "want POST with X-Amz-Target: AmazonSQS.<Operation> (AWS JSON 1.0)"})
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		writeSQSError(w, &sqsError{400, "InvalidParameterValue", "body is not JSON: " + err.Error()})
		return
	}
	f.mu.Lock()
	f.calls[op]++
	var fault string
	if codes := f.faults[op]; len(codes) > 0 {
		fault, f.faults[op] = codes[0], codes[1:]
	}
	f.mu.Unlock()
	if fault != "" {
		status := 400
		if fault == "InternalError" {
			status = 500
		}
		writeSQSError(w, &sqsError{status, fault, "injected fault"})
		return
	}
	var out any
	var serr *sqsError
	switch op {
	case "CreateQueue":
		out, serr = f.opCreateQueue(in)
	case "SendMessage":
		out, serr = f.opSendMessage(in)
	case "ReceiveMessage":
		out, serr = f.opReceive(r, in)
	case "DeleteMessage":
		out, serr = f.opDelete(in)
	case "ChangeMessageVisibility":
		out, serr = f.opChangeVisibility(in)
	case "GetQueueAttributes":
		out, serr = f.opAttributes(in)
	default:
		serr = &sqsError{400, "InvalidAction", op + " is not implemented by the fake"}
	}
	if serr != nil {
		writeSQSError(w, serr)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(out)
}

func writeSQSError(w http.ResponseWriter, e *sqsError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + e.code, "message": e.msg})
}

func str(in map[string]any, k string) string { s, _ := in[k].(string); return s }

func num(in map[string]any, k string, def int) int {
	if v, ok := in[k].(float64); ok {
		return int(v)
	}
	return def
}

// queue finds the queue of a request; the caller holds f.mu.
func (f *SQS) queue(in map[string]any) (*fakeQueue, *sqsError) {
	q := f.queues[queueName(str(in, "QueueUrl"))]
	if q == nil {
		return nil, &sqsError{400, "QueueDoesNotExist", "The specified queue does not exist."}
	}
	return q, nil
}

func (f *SQS) opCreateQueue(in map[string]any) (any, *sqsError) {
	name := str(in, "QueueName")
	if name == "" {
		return nil, &sqsError{400, "InvalidParameterValue", "QueueName is required"}
	}
	var opts QueueOptions
	if attrs, ok := in["Attributes"].(map[string]any); ok {
		if v, err := strconv.Atoi(str(attrs, "VisibilityTimeout")); err == nil {
			opts.VisibilityTimeout = time.Duration(v) * time.Second
		}
	}
	return map[string]string{"QueueUrl": f.CreateQueue(name, opts)}, nil
}

func (f *SQS) opSendMessage(in map[string]any) (any, *sqsError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q, serr := f.queue(in)
	if serr != nil {
		return nil, serr
	}
	body := str(in, "MessageBody")
	id := f.send(q, body)
	return map[string]string{"MessageId": id, "MD5OfMessageBody": md5Hex(body)}, nil
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// opReceive long-polls: it answers as soon as a message is visible, or
// after WaitTimeSeconds with none.
func (f *SQS) opReceive(r *http.Request, in map[string]any) (any, *sqsError) {
	maxN := num(in, "MaxNumberOfMessages", 1)
	if maxN < 1 || maxN > 10 {
		return nil, &sqsError{400, "InvalidParameterValue", "MaxNumberOfMessages must be 1-10"}
	}
	deadline := time.Now().Add(time.Duration(num(in, "WaitTimeSeconds", 0)) * time.Second)
	for {
		f.mu.Lock()
		q, serr := f.queue(in)
		if serr != nil {
			f.mu.Unlock()
			return nil, serr
		}
		vt := q.opts.VisibilityTimeout
		if v := num(in, "VisibilityTimeout", -1); v >= 0 {
			vt = time.Duration(v) * time.Second
		}
		msgs := f.receive(q, maxN, vt)
		f.mu.Unlock()
		if len(msgs) > 0 || !time.Now().Before(deadline) {
			return map[string]any{"Messages": msgs}, nil
		}
		select {
		case <-r.Context().Done():
			return map[string]any{"Messages": []any{}}, nil
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// receive hides up to n visible messages for vt; the caller holds f.mu.
func (f *SQS) receive(q *fakeQueue, n int, vt time.Duration) []map[string]any {
	now := time.Now()
	var out []map[string]any
	kept := q.msgs[:0]
	for _, m := range q.msgs {
		if len(out) == n || m.visibleAt.After(now) {
			kept = append(kept, m)
			continue
		}
		if q.opts.MaxReceiveCount > 0 && len(m.receives) >= q.opts.MaxReceiveCount {
			if dlq := f.queues[q.opts.DeadLetter]; dlq != nil {
				m.visibleAt, m.receipt = time.Time{}, ""
				dlq.msgs = append(dlq.msgs, m)
				continue // moved by the redrive policy
			}
		}
		f.seq++
		m.receipt = fmt.Sprintf("rh-%s-%d", m.id, f.seq)
		m.receives = append(m.receives, now)
		m.visibleAt = now.Add(vt)
		out = append(out, map[string]any{
			"MessageId": m.id, "ReceiptHandle": m.receipt, "Body": m.body, "MD5OfBody": md5Hex(m.body),
			"Attributes": map[string]string{
				"ApproximateReceiveCount": strconv.Itoa(len(m.receives)),
				"SentTimestamp":           strconv.FormatInt(now.UnixMilli(), 10),
			},
		})
		kept = append(kept, m)
	}
	q.msgs = kept
	return out
}

// inflight finds the message a receipt handle names while it is the
// latest receive's; the caller holds f.mu.
func (f *SQS) inflight(in map[string]any) (*fakeQueue, int, *sqsError) {
	q, serr := f.queue(in)
	if serr != nil {
		return nil, 0, serr
	}
	rh := str(in, "ReceiptHandle")
	for i, m := range q.msgs {
		if m.receipt != "" && m.receipt == rh {
			return q, i, nil
		}
	}
	return nil, 0, &sqsError{400, "ReceiptHandleIsInvalid", "The input receipt handle is invalid (deleted, or received again since)."}
}

func (f *SQS) opDelete(in map[string]any) (any, *sqsError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q, i, serr := f.inflight(in)
	if serr != nil {
		return nil, serr
	}
	q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
	return map[string]any{}, nil
}

func (f *SQS) opChangeVisibility(in map[string]any) (any, *sqsError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q, i, serr := f.inflight(in)
	if serr != nil {
		return nil, serr
	}
	vt := num(in, "VisibilityTimeout", -1)
	if vt < 0 || vt > 43200 {
		return nil, &sqsError{400, "InvalidParameterValue", "VisibilityTimeout must be 0-43200"}
	}
	m := q.msgs[i]
	if !m.visibleAt.After(time.Now()) {
		return nil, &sqsError{400, "MessageNotInflight", "The message is not in flight."}
	}
	m.visibleAt = time.Now().Add(time.Duration(vt) * time.Second)
	return map[string]any{}, nil
}

func (f *SQS) opAttributes(in map[string]any) (any, *sqsError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q, serr := f.queue(in)
	if serr != nil {
		return nil, serr
	}
	now := time.Now()
	visible, hidden := 0, 0
	for _, m := range q.msgs {
		if m.visibleAt.After(now) {
			hidden++
		} else {
			visible++
		}
	}
	return map[string]any{"Attributes": map[string]string{
		"ApproximateNumberOfMessages":           strconv.Itoa(visible),
		"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(hidden),
	}}, nil
}

// Env sets what the standard AWS chain needs to talk to the fakes: static
// credentials in the environment, no shared files, no instance metadata.
func Env(tb testing.TB) {
	tb.Helper()
	for _, kv := range EnvList(tb.TempDir()) {
		k, v, _ := strings.Cut(kv, "=")
		tb.Setenv(k, v)
	}
}

// EnvList is Env for a child process, as KEY=VALUE; dir holds nothing.
func EnvList(dir string) []string {
	return []string{
		"AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKEFAKE",
		"AWS_SECRET_ACCESS_KEY=" + FakeSecret,
		"AWS_SESSION_TOKEN=",
		"AWS_REGION=us-east-1",
		"AWS_PROFILE=",
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "none"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// FakeSecret is the secret access key Env sets; tests check no log shows it.
const FakeSecret = "fake-secret-key-never-logged"
