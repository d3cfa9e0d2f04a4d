package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	so := flag.String("so", "build/out_awsaudit.so", "the plugin")
	host := flag.String("host", "build/flbhost", "the C host (test/host)")
	cli := flag.String("cli", "build/bench/awsaudit", "the awsaudit CLI")
	broker := flag.String("broker", "build/bench/broker", "the kfake broker program (test/bench/broker)")
	records := flag.Int("records", 200000, "access-log lines to generate")
	perChunk := flag.Int("chunk", 1000, "events per Fluent Bit chunk")
	workers := flag.Int("workers", 1, "flbhost -w: flushes at once (Fluent Bit's Workers)")
	partitions := flag.Int("partitions", 6, "partitions of the topic")
	props := flag.String("props", "Batch_Size=1000,Batch_Bytes=1048576,Compression=none,Required_Acks=all",
		"extra output properties")
	keep := flag.String("keep", "", "write the generated lines to this file and keep it")
	inputSO := flag.String("input", "", "the awsaudit_s3 input .so: compare SQS + S3 + input + output with the output alone")
	objects := flag.Int("objects", 1, "with -input: objects the file is cut into")
	gz := flag.Bool("gzip", false, "with -input: store the objects gzip'd")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, config{
		so: *so, host: *host, cli: *cli, broker: *broker, records: *records, perChunk: *perChunk,
		workers: *workers, partitions: *partitions, props: *props, keep: *keep,
		inputSO: *inputSO, objects: *objects, gzip: *gz,
	}); err != nil {
		fmt.Fprintf(os.Stderr, "bench-e2e: %v\n", err)
		os.Exit(1)
	}
}

type config struct {
	so, host, cli, broker string
	records, perChunk     int
	workers, partitions   int
	props, keep           string
	inputSO               string
	objects               int
	gzip                  bool
}

const (
	topic = "bench.audit"
	dlq   = "bench.dlq"
)

func run(ctx context.Context, cfg config) error {
	for _, p := range []string{cfg.so, cfg.host, cfg.cli, cfg.broker} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%v (make bench-e2e builds it)", err)
		}
	}
	dir, err := os.MkdirTemp("", "bench-e2e-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	input := cfg.keep
	if input == "" {
		input = filepath.Join(dir, "access.log")
	}
	start := time.Now()
	size, presigned, err := generate(input, cfg.records)
	if err != nil {
		return err
	}
	fmt.Printf("generated %d access-log lines (%.1f MB, %d presigned) in %v\n",
		cfg.records, float64(size)/1e6, presigned, time.Since(start).Round(time.Millisecond))

	addr, stopBroker, err := startBroker(ctx, cfg, dir)
	if err != nil {
		return err
	}
	defer stopBroker()
	if cfg.inputSO != "" {
		return runS3(ctx, cfg, dir, input, size, addr, stopBroker)
	}

	// The plugin, through the host.
	hostArgs := linesArgs(cfg, addr, input)
	hostRes, err := runLines(ctx, cfg, hostArgs)
	if err != nil {
		return err
	}
	chunks := (cfg.records + cfg.perChunk - 1) / cfg.perChunk

	// Stop the broker; it reports how many records each topic holds.
	counts, err := stopBroker()
	if err != nil {
		return err
	}
	if counts[topic] != int64(cfg.records) || counts[dlq] != 0 {
		return fmt.Errorf("the broker holds %d records in %s and %d in %s, want %d and 0",
			counts[topic], topic, counts[dlq], dlq, cfg.records)
	}

	// The CLI over the same file.
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	var cliErr bytes.Buffer
	cliRes, err := measure(ctx, cfg.cli, []string{"normalize", input}, devnull, &cliErr)
	if err != nil {
		return fmt.Errorf("awsaudit normalize: %v\n%s", err, tail(cliErr.String(), 20))
	}

	// The host alone (same chunks, flush never called): what Fluent Bit
	// itself would spend reading and packing, not the plugin's cost.
	var bareOut, bareErr bytes.Buffer
	bareRes, err := measure(ctx, cfg.host, append(slices.Clone(hostArgs), "--no-flush"), &bareOut, &bareErr)
	if err != nil {
		return fmt.Errorf("flbhost --no-flush: %v\n%s", err, tail(bareErr.String(), 20))
	}

	n := float64(cfg.records)
	us := func(d time.Duration) float64 { return d.Seconds() * 1e6 / n }
	fmt.Printf("\nflbhost: %d chunks of %d events, -w %d, %s; all FLB_OK; broker holds %d records in %s, 0 in the DLQ\n",
		chunks, cfg.perChunk, cfg.workers, cfg.props, counts[topic], topic)
	fmt.Println("CPU = user+sys of the measured process only (getrusage of the child); the broker's CPU is not included.")
	fmt.Println()
	fmt.Printf("| %-8s | %-10s | %-11s | %-13s | %-9s | %-10s | %-12s | %-16s |\n",
		"records", "host CPU s", "host wall s", "host CPU µs/rec", "CLI CPU s", "CLI wall s", "CLI CPU µs/rec", "CPU plugin/CLI")
	fmt.Printf("|%s|%s|%s|%s|%s|%s|%s|%s|\n", dashes(10), dashes(12), dashes(13), dashes(17), dashes(11), dashes(12), dashes(16), dashes(18))
	fmt.Printf("| %-8d | %-10.2f | %-11.2f | %-15.2f | %-9.2f | %-10.2f | %-14.2f | %-16.2f |\n",
		cfg.records, hostRes.cpu.Seconds(), hostRes.wall.Seconds(), us(hostRes.cpu),
		cliRes.cpu.Seconds(), cliRes.wall.Seconds(), us(cliRes.cpu), hostRes.cpu.Seconds()/cliRes.cpu.Seconds())
	plugin := hostRes.cpu - bareRes.cpu
	fmt.Printf("\nthe host alone (--no-flush: reading the file, packing chunks): %.2f s CPU;\n"+
		"the plugin's share, host minus host alone: %.2f s CPU = %.2f µs/record = %.2fx the CLI\n",
		bareRes.cpu.Seconds(), plugin.Seconds(), us(plugin), plugin.Seconds()/cliRes.cpu.Seconds())
	fmt.Printf("\nhost: user %.2fs sys %.2fs, max RSS %d MB; CLI: user %.2fs sys %.2fs, max RSS %d MB\n",
		hostRes.user.Seconds(), hostRes.sys.Seconds(), hostRes.maxRSS>>20,
		cliRes.user.Seconds(), cliRes.sys.Seconds(), cliRes.maxRSS>>20)
	return nil
}

func dashes(n int) string { return strings.Repeat("-", n) }

// outputSpec is flbhost's -i for the plugin writing to the broker.
func outputSpec(cfg config, addr string) string {
	spec := "Brokers=" + addr + ",Topic=" + topic + ",DLQ_Topic=" + dlq + ",Metrics_Interval=0"
	if cfg.props != "" {
		spec += "," + cfg.props
	}
	return spec
}

// linesArgs runs the plugin over the file's lines, cfg.perChunk a chunk.
func linesArgs(cfg config, addr, input string) []string {
	return []string{"-p", cfg.so, "-i", outputSpec(cfg, addr), "-t", "bench.s3", "-l", input, "-k", "log",
		"-n", strconv.Itoa(cfg.perChunk), "-w", strconv.Itoa(cfg.workers), "--retry-max", "0", "-q"}
}

// runLines measures flbhost over the lines and checks every chunk was
// flushed FLB_OK.
func runLines(ctx context.Context, cfg config, args []string) (result, error) {
	var out, errb bytes.Buffer
	res, err := measure(ctx, cfg.host, args, &out, &errb)
	if err != nil {
		return result{}, fmt.Errorf("flbhost: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), tail(errb.String(), 20))
	}
	chunks := (cfg.records + cfg.perChunk - 1) / cfg.perChunk
	if sum := summaryLine(out.String()); sum != fmt.Sprintf("summary ok=%d retry=0 error=0", chunks) {
		return result{}, fmt.Errorf("flbhost did not flush all %d chunks FLB_OK: %q\nstderr:\n%s", chunks, sum, tail(errb.String(), 20))
	}
	return res, nil
}

// startBroker runs the kfake broker in its own process, so its CPU is not
// the host's. stop ends it (once; later calls return the same) and returns
// how many records each topic holds.
func startBroker(ctx context.Context, cfg config, dir string) (addr string, stop func() (map[string]int64, error), err error) {
	addrFile := filepath.Join(dir, "broker.addr")
	var brokerOut bytes.Buffer
	bcmd := exec.CommandContext(ctx, cfg.broker, "-addr-file", addrFile,
		"-topics", topic+","+dlq, "-partitions", strconv.Itoa(cfg.partitions))
	bcmd.Stdout, bcmd.Stderr = &brokerOut, &brokerOut
	if err := bcmd.Start(); err != nil {
		return "", nil, fmt.Errorf("starting the broker: %v", err)
	}
	var once sync.Once
	var counts map[string]int64
	var werr error
	stop = func() (map[string]int64, error) {
		once.Do(func() {
			_ = bcmd.Process.Signal(syscall.SIGTERM)
			if werr = bcmd.Wait(); werr != nil {
				werr = fmt.Errorf("broker: %v\n%s", werr, brokerOut.String())
			}
			counts = topicCounts(brokerOut.String())
		})
		return counts, werr
	}
	addr, err = waitAddr(ctx, addrFile)
	if err != nil {
		_ = bcmd.Process.Kill()
		_ = bcmd.Wait()
		return "", nil, fmt.Errorf("broker: %v\n%s", err, brokerOut.String())
	}
	fmt.Printf("kfake broker at %s (pid %d, separate process)\n", addr, bcmd.Process.Pid)
	return addr, stop, nil
}

type result struct {
	wall, cpu, user, sys time.Duration
	maxRSS               int64 // bytes
}

// measure runs one program and reads its own resource usage.
func measure(ctx context.Context, bin string, args []string, stdout, stderr io.Writer) (result, error) {
	return measureEnv(ctx, nil, bin, args, stdout, stderr)
}

// measureEnv is measure with extra environment variables.
func measureEnv(ctx context.Context, env []string, bin string, args []string, stdout, stderr io.Writer) (result, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return result{}, err
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return result{}, errors.New("no rusage on this platform")
	}
	user := time.Duration(ru.Utime.Nano())
	sys := time.Duration(ru.Stime.Nano())
	return result{wall: wall, cpu: user + sys, user: user, sys: sys, maxRSS: ru.Maxrss * 1024}, nil
}

func waitAddr(ctx context.Context, path string) (string, error) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if b, err := os.ReadFile(path); err == nil {
			return strings.TrimSpace(string(b)), nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "", errors.New("did not start listening within 30s")
}

func summaryLine(stdout string) string {
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "summary ") {
			return l
		}
	}
	return ""
}

var topicLine = regexp.MustCompile(`(?m)^topic (\S+) records (\d+)$`)

func topicCounts(out string) map[string]int64 {
	m := map[string]int64{}
	for _, s := range topicLine.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.ParseInt(s[2], 10, 64)
		m[s[1]] = n
	}
	return m
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ---- the generator ------------------------------------------------------

type bucket struct {
	name, owner, region string
	hostStyle           int // 0 virtual-hosted regional, 1 path-style regional, 2 global, 3 legacy dash
}

var (
	owners = []string{
		"a3f1c0d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1",
		"5be0c93dd2a14e7f8a6b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f",
	}
	buckets = []bucket{
		{"corp-data-lake-prod", owners[0], "us-east-1", 0},
		{"corp-web-assets", owners[0], "eu-west-1", 2},
		{"analytics-exports-eu", owners[1], "eu-central-1", 1},
		{"ml-training-sets", owners[1], "us-west-2", 0},
		{"backup-archive-2024", owners[0], "ap-southeast-2", 3},
		{"customer-uploads", owners[1], "us-east-2", 0},
	}
	roles    = []string{"DataPipeline", "AnalyticsReader", "AWSReservedSSO_AdministratorAccess_4f1c2a9b0e3d7c6a", "ci-deployer", "EtlGlue"}
	sessions = []string{"i-0a1b2c3d4e5f60718", "alice@example.com", "botocore-session-1714521600", "GitHubActions", "etl-job-42"}
	users    = []string{"alice", "bob", "svc-reporting", "ops/carol", "build/jenkins"}
	agents   = []string{
		"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2",
		"Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10.219 md/arch#x86_64 lang/python#3.12.4 cfg/retry-mode#legacy Botocore/1.34.144",
		"aws-cli/2.17.13 md/awscrt#0.20.11 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#s3.cp",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
		"Hadoop 3.3.6, aws-sdk-java/1.12.367 Linux/5.15.0 OpenJDK_64-Bit_Server_VM/17.0.11+9 java/17.0.11 vendor/Eclipse_Adoptium",
		"S3Console/0.4",
		"curl/8.5.0",
	}
	prefixes = []string{"raw/events", "curated/orders", "exports/daily", "models/checkpoints", "img/products", "logs/app", "tmp/uploads"}
	exts     = []string{".json.gz", ".parquet", ".csv", ".jpg", ".png", ".tar.zst", ".avro"}
)

type op struct {
	name, method string
	object       bool
	weight       int
}

var ops = []op{
	{"REST.GET.OBJECT", "GET", true, 40},
	{"REST.PUT.OBJECT", "PUT", true, 15},
	{"REST.HEAD.OBJECT", "HEAD", true, 12},
	{"REST.GET.BUCKET", "GET", false, 8},
	{"REST.DELETE.OBJECT", "DELETE", true, 4},
	{"BATCH.DELETE.OBJECT", "POST", true, 3},
	{"REST.POST.MULTI_OBJECT_DELETE", "POST", false, 1},
	{"REST.COPY.OBJECT", "PUT", true, 3},
	{"REST.POST.UPLOADS", "POST", true, 2},
	{"REST.PUT.PART", "PUT", true, 5},
	{"REST.POST.UPLOAD", "POST", true, 2},
	{"REST.GET.ACL", "GET", false, 1},
	{"REST.GET.LOCATION", "GET", false, 2},
	{"REST.GET.BUCKETPOLICY", "GET", false, 1},
	{"S3.TRANSITION_SIA.OBJECT", "-", true, 1},
}

var opTotal = func() int {
	n := 0
	for _, o := range ops {
		n += o.weight
	}
	return n
}()

func pickOp(r *rand.Rand) op {
	n := r.IntN(opTotal)
	for _, o := range ops {
		if n < o.weight {
			return o
		}
		n -= o.weight
	}
	return ops[0]
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randString(r *rand.Rand, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func requester(r *rand.Rand, owner string) (string, bool) {
	switch n := r.IntN(100); {
	case n < 40:
		return fmt.Sprintf("arn:aws:sts::%012d:assumed-role/%s/%s", 111122223333+r.Int64N(3), roles[r.IntN(len(roles))], sessions[r.IntN(len(sessions))]), true
	case n < 65:
		return fmt.Sprintf("arn:aws:iam::%012d:user/%s", 111122223333+r.Int64N(3), users[r.IntN(len(users))]), true
	case n < 75:
		return owner, true // canonical id
	case n < 82:
		return "svc:delivery.logs.amazonaws.com", true
	case n < 85:
		return fmt.Sprintf("arn:aws:iam::%012d:root", 111122223333+r.Int64N(3)), true
	default:
		return "-", false
	}
}

func remoteIP(r *rand.Rand) string {
	switch n := r.IntN(20); {
	case n == 0:
		return fmt.Sprintf("2001:db8:%x:%x::%x", r.IntN(65536), r.IntN(65536), r.IntN(65536))
	case n < 8:
		return fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254))
	case n < 14:
		return fmt.Sprintf("198.51.100.%d", 1+r.IntN(254))
	default:
		return fmt.Sprintf("203.0.113.%d", 1+r.IntN(254))
	}
}

func hostHeader(b bucket) string {
	switch b.hostStyle {
	case 1:
		return "s3." + b.region + ".amazonaws.com"
	case 2:
		return b.name + ".s3.amazonaws.com"
	case 3:
		return b.name + ".s3-" + b.region + ".amazonaws.com"
	}
	return b.name + ".s3." + b.region + ".amazonaws.com"
}

// generate writes n access-log lines; about one in eight GETs is presigned.
func generate(path string, n int) (size int64, presigned int, err error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(20240501, 4))
	t := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var line []byte
	for range n {
		t = t.Add(time.Duration(r.IntN(40)) * time.Millisecond)
		b := buckets[r.IntN(len(buckets))]
		o := pickOp(r)
		req, authenticated := requester(r, b.owner)
		reqID := randString(r, 16, alnum)
		hostID := randString(r, 56, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") + "="
		key := "-"
		uri := "/"
		if b.hostStyle == 1 {
			uri = "/" + b.name + "/"
		}
		if o.object {
			key = fmt.Sprintf("%s/%04d/%02d/part-%05d-%s%s", prefixes[r.IntN(len(prefixes))],
				2024, 1+r.IntN(12), r.IntN(100000), strings.ToLower(randString(r, 8, alnum)), exts[r.IntN(len(exts))])
			if r.IntN(25) == 0 {
				key = strings.Replace(key, "part-", "Quarterly%2BReport%20", 1) // encoded space and plus
			}
			uri += key
		} else {
			switch o.name {
			case "REST.GET.BUCKET":
				uri += "?list-type=2&prefix=" + prefixes[r.IntN(len(prefixes))] + "%2F&max-keys=1000"
			case "REST.POST.MULTI_OBJECT_DELETE":
				uri += "?delete"
			case "REST.GET.ACL":
				uri += "?acl"
			case "REST.GET.LOCATION":
				uri += "?location"
			case "REST.GET.BUCKETPOLICY":
				uri += "?policy"
			}
		}
		switch o.name {
		case "REST.PUT.PART":
			uri += fmt.Sprintf("?partNumber=%d&uploadId=%s", 1+r.IntN(100), randString(r, 40, alnum))
		case "REST.POST.UPLOADS":
			uri += "?uploads"
		case "REST.POST.UPLOAD":
			uri += "?uploadId=" + randString(r, 40, alnum)
		}
		sig, auth := "SigV4", "AuthHeader"
		if !authenticated {
			sig, auth = "-", "-"
		}
		if o.name == "REST.GET.OBJECT" && r.IntN(8) == 0 {
			if !authenticated { // a presigned URL always names its signer
				req = fmt.Sprintf("arn:aws:iam::%012d:user/%s", 111122223333+r.Int64N(3), users[r.IntN(len(users))])
				sig = "SigV4"
			}
			// A presigned URL: the secrets must never reach Kafka.
			uri += fmt.Sprintf("?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA%s%%2F20240501%%2F%s%%2Fs3%%2Faws4_request"+
				"&X-Amz-Date=20240501T%02d%02d00Z&X-Amz-Expires=3600&X-Amz-Security-Token=%s&X-Amz-SignedHeaders=host&X-Amz-Signature=%s",
				randString(r, 16, alnum), b.region, r.IntN(24), r.IntN(60), randString(r, 120, alnum+"abcdefghijklmnopqrstuvwxyz"),
				strings.ToLower(randString(r, 64, "0123456789ABCDEF")))
			auth = "QueryString"
			presigned++
		}
		status, errCode := 200, "-"
		switch n := r.IntN(100); {
		case n < 3:
			status, errCode = 403, "AccessDenied"
		case n < 6 && o.object:
			status, errCode = 404, "NoSuchKey"
		case n == 6:
			status, errCode = 503, "SlowDown"
		case n < 12 && o.method == "GET" && o.object:
			status = 206
		case o.name == "REST.DELETE.OBJECT":
			status = 204
		}
		objSize, sent := "-", "-"
		switch {
		case o.object:
			n := r.Int64N(50 << 20)
			objSize = strconv.FormatInt(n, 10)
			if o.method == "GET" && status < 300 {
				sent = objSize
			}
		case o.method == "GET" && status < 300:
			sent = strconv.Itoa(200 + r.IntN(60000)) // a listing or a configuration document
		}
		if status >= 400 {
			sent = strconv.Itoa(200 + r.IntN(200)) // the error document
		}
		total := 5 + r.IntN(2000)
		referrer := "-"
		if r.IntN(10) == 0 {
			referrer = "https://console.aws.amazon.com/s3/buckets/" + b.name
		}
		version := "-"
		if r.IntN(5) == 0 {
			version = randString(r, 32, alnum+"abcdefghijklmnopqrstuvwxyz._")
		}
		tlsv, cipher := "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"
		if r.IntN(3) == 0 {
			tlsv, cipher = "TLSv1.3", "TLS_AES_128_GCM_SHA256"
		}
		method, hh := o.method, hostHeader(b)
		if method == "-" { // lifecycle actions have no request
			uri, sig, auth, tlsv, cipher, req, sent, hh = "", "-", "-", "-", "-", "AmazonS3", "-", "-"
		}
		line = line[:0]
		line = fmt.Appendf(line, "%s %s [%s] %s %s %s %s %s ", b.owner, b.name, t.Format("02/Jan/2006:15:04:05 -0700"),
			remoteIP(r), req, reqID, o.name, key)
		if uri == "" {
			line = append(line, `"-" `...)
		} else {
			line = fmt.Appendf(line, `"%s %s HTTP/1.1" `, method, uri)
		}
		line = fmt.Appendf(line, `%d %s %s %s %d %d "%s" "%s" %s %s %s %s %s %s %s - %s`,
			status, errCode, sent, objSize, total, total/3, referrer, agents[r.IntN(len(agents))],
			version, hostID, sig, cipher, auth, hh, tlsv, map[bool]string{true: "Yes", false: "-"}[r.IntN(50) == 0])
		if r.IntN(2) == 0 {
			line = append(line, ' ')
			line = append(line, b.region...) // the newest, 27th field
		}
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			f.Close()
			return 0, 0, err
		}
		size += int64(len(line))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, 0, err
	}
	return size, presigned, f.Close()
}
