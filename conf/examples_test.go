package conf

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/normalize"
	"gopkg.in/yaml.v3"
)

// coreOutputKeys are output properties Fluent Bit's core handles itself
// (src/flb_output.c, flb_output_set_property) plus the section's own name
// and YAML's processors; they are never passed to the plugin.
var coreOutputKeys = map[string]bool{
	"name": true, "match": true, "match_regex": true, "alias": true,
	"log_level": true, "log_suppress_interval": true, "host": true,
	"port": true, "retry_limit": true, "workers": true,
	"storage.total_limit_size": true, "processors": true,
}

const (
	pluginSO = "/usr/local/lib/fluent-bit/out_awsaudit.so"
	inputSO  = "/usr/local/lib/fluent-bit/in_awsaudit_s3.so"
)

// fbConfig is what the example tests need from one Fluent Bit file.
type fbConfig struct {
	plugins []string            // .so paths, from plugins: or plugins_file
	service map[string]string   // keys and values lower-cased
	inputs  []map[string]string // keys lower-cased
	// rawInputs are the inputs as written (values keep their case).
	rawInputs []map[string]string
	outputs   []map[string]string // awsaudit outputs only, keys as written
}

type classicSection struct {
	name  string // upper-cased
	props map[string]string
}

// readClassic is a small reader for Fluent Bit's classic format: [SECTION]
// headers and indented "Key value" lines. It is strict where Fluent Bit is
// (no tabs, indented keys) so the examples stay loadable.
func readClassic(t *testing.T, file string) []classicSection {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []classicSection
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			continue
		case strings.Contains(line, "\t"):
			t.Fatalf("%s:%d: tab in classic config", file, n)
		case strings.HasPrefix(line, "["):
			if !strings.HasSuffix(trimmed, "]") {
				t.Fatalf("%s:%d: bad section header %q", file, n, line)
			}
			out = append(out, classicSection{name: strings.ToUpper(strings.Trim(trimmed, "[]")), props: map[string]string{}})
		case strings.HasPrefix(line, "@"):
			t.Fatalf("%s:%d: directives are not used in the examples", file, n)
		default:
			if len(out) == 0 || !strings.HasPrefix(line, " ") {
				t.Fatalf("%s:%d: property outside a section or not indented: %q", file, n, line)
			}
			key, value, ok := strings.Cut(trimmed, " ")
			value = strings.TrimSpace(value)
			if !ok || value == "" {
				t.Fatalf("%s:%d: property without a value: %q", file, n, line)
			}
			s := &out[len(out)-1]
			if _, dup := s.props[key]; dup {
				t.Fatalf("%s:%d: duplicate key %s", file, n, key)
			}
			s.props[key] = value
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func loadClassic(t *testing.T, file string) fbConfig {
	t.Helper()
	var cfg fbConfig
	for _, s := range readClassic(t, file) {
		props := FromMap(s.props)
		switch s.name {
		case "SERVICE":
			cfg.service = lowerKeys(s.props)
			pf := props("plugins_file")
			if pf == "" {
				t.Fatalf("%s: [SERVICE] has no plugins_file", file)
			}
			for _, p := range readClassic(t, filepath.Join(filepath.Dir(file), pf)) {
				if p.name != "PLUGINS" {
					t.Fatalf("%s: unexpected section [%s]", pf, p.name)
				}
				cfg.plugins = append(cfg.plugins, FromMap(p.props)("Path"))
			}
		case "INPUT":
			cfg.inputs = append(cfg.inputs, lowerKeys(s.props))
			cfg.rawInputs = append(cfg.rawInputs, s.props)
		case "OUTPUT":
			if strings.EqualFold(props("Name"), "awsaudit") {
				cfg.outputs = append(cfg.outputs, s.props)
			}
		default:
			t.Fatalf("%s: unexpected section [%s]", file, s.name)
		}
	}
	return cfg
}

func loadYAML(t *testing.T, file string) fbConfig {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		t.Fatalf("%s: top level is not a mapping", file)
	}
	var cfg fbConfig
	top := doc.Content[0]
	for i := 0; i < len(top.Content); i += 2 {
		key, val := top.Content[i].Value, top.Content[i+1]
		switch key {
		case "plugins":
			for _, p := range val.Content {
				cfg.plugins = append(cfg.plugins, p.Value)
			}
		case "service":
			cfg.service = lowerKeys(scalarMap(t, file, val))
		case "pipeline":
			for j := 0; j < len(val.Content); j += 2 {
				for _, item := range val.Content[j+1].Content {
					m := scalarMap(t, file, item)
					switch val.Content[j].Value {
					case "inputs":
						cfg.inputs = append(cfg.inputs, lowerKeys(m))
						cfg.rawInputs = append(cfg.rawInputs, m)
					case "outputs":
						if strings.EqualFold(m["name"], "awsaudit") {
							cfg.outputs = append(cfg.outputs, m)
						}
					default:
						t.Fatalf("%s: unexpected pipeline section %q", file, val.Content[j].Value)
					}
				}
			}
		default:
			t.Fatalf("%s: unexpected top-level key %q", file, key)
		}
	}
	return cfg
}

// scalarMap reads a mapping of scalars by their raw text, which is what
// Fluent Bit receives (it does not apply YAML's bool typing: "on" stays "on").
func scalarMap(t *testing.T, file string, n *yaml.Node) map[string]string {
	t.Helper()
	if n.Kind != yaml.MappingNode {
		t.Fatalf("%s:%d: want a mapping", file, n.Line)
	}
	m := map[string]string{}
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			t.Fatalf("%s:%d: %s is not a scalar", file, v.Line, k.Value)
		}
		if _, dup := m[k.Value]; dup {
			t.Fatalf("%s:%d: duplicate key %s", file, k.Line, k.Value)
		}
		m[k.Value] = v.Value
	}
	return m
}

func lowerKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = strings.ToLower(v)
	}
	return out
}

// checkExample validates one loaded file and returns its parsed outputs.
//
// The examples use TLS without Kafka.TLS.CA_File (MSK's certificates chain
// to the system pool; the private-CA line is a comment), so no file has to
// exist for them to validate and nothing is substituted here.
func checkExample(t *testing.T, file string, cfg fbConfig) []Config {
	t.Helper()
	wantPlugins := []string{pluginSO}
	for _, in := range cfg.inputs {
		if in["name"] == "awsaudit_s3" {
			wantPlugins = []string{inputSO, pluginSO}
		}
	}
	if !reflect.DeepEqual(cfg.plugins, wantPlugins) {
		t.Errorf("%s: plugins = %v, want %v", file, cfg.plugins, wantPlugins)
	}
	if len(cfg.outputs) != 1 {
		t.Fatalf("%s: %d awsaudit outputs, want 1", file, len(cfg.outputs))
	}
	documented := map[string]bool{}
	for _, k := range Keys() {
		documented[strings.ToLower(k.Name)] = true
	}
	var parsed []Config
	for _, out := range cfg.outputs {
		for k := range out {
			if lk := strings.ToLower(k); !documented[lk] && !coreOutputKeys[lk] {
				t.Errorf("%s: output key %q is neither an awsaudit key nor a Fluent Bit core key", file, k)
			}
		}
		c, err := Parse(FromMap(out))
		if err != nil {
			t.Errorf("%s: awsaudit output does not validate:\n%v", file, err)
			continue
		}
		parsed = append(parsed, c)

		// Every output must receive something.
		match := FromMap(out)("Match")
		matched := false
		for _, in := range cfg.inputs {
			if ok, _ := path.Match(match, in["tag"]); ok {
				matched = true
			}
		}
		if !matched {
			t.Errorf("%s: output Match %q matches no input tag", file, match)
		}
	}
	for i, in := range cfg.inputs {
		switch in["name"] {
		case "tail":
			if in["db"] == "" || in["read_from_head"] != "on" {
				t.Errorf("%s: want tail inputs with a DB and Read_from_Head on, got %v", file, in)
			}
		case "awsaudit_s3":
			checkS3Input(t, file, cfg.rawInputs[i])
		default:
			t.Errorf("%s: unexpected input %v", file, in)
		}
	}
	return parsed
}

// coreInputKeys are input properties Fluent Bit's core handles itself
// (src/flb_input.c, flb_input_set_property) that the examples use.
var coreInputKeys = map[string]bool{
	"name": true, "tag": true, "alias": true, "log_level": true, "mem_buf_limit": true,
	"storage.type": true, "storage.pause_on_chunks_overlimit": true, "threaded": true,
}

// checkS3Input validates an awsaudit_s3 input: its keys are documented
// input keys or core keys, and it buffers on disk (the input deletes a
// message once Fluent Bit took its records: only filesystem storage keeps
// them across a crash).
func checkS3Input(t *testing.T, file string, in map[string]string) {
	t.Helper()
	documented := map[string]bool{}
	for _, k := range S3InputKeys() {
		documented[strings.ToLower(k.Name)] = true
	}
	for k := range in {
		if lk := strings.ToLower(k); !documented[lk] && !coreInputKeys[lk] {
			t.Errorf("%s: input key %q is neither an awsaudit_s3 key nor a Fluent Bit core key", file, k)
		}
	}
	if _, err := ParseS3Input(FromMap(in)); err != nil {
		t.Errorf("%s: awsaudit_s3 input does not validate:\n%v", file, err)
	}
	if !strings.EqualFold(FromMap(in)("storage.type"), "filesystem") {
		t.Errorf("%s: the awsaudit_s3 input needs storage.type filesystem", file)
	}
}

func TestExamples(t *testing.T) {
	// What the brief asks of each example, beyond validating.
	expect := map[string]func(t *testing.T, c Config, out map[string]string){
		"s3-access-tail": func(t *testing.T, c Config, _ map[string]string) {
			if c.Source != normalize.SourceS3Access {
				t.Errorf("Source = %s", c.Source)
			}
		},
		"cloudtrail-files": func(t *testing.T, c Config, _ map[string]string) {
			if c.Source != normalize.SourceCloudTrail {
				t.Errorf("Source = %s", c.Source)
			}
		},
		"s3-sqs-to-kafka": func(t *testing.T, c Config, out map[string]string) {
			props := FromMap(out)
			workers, err := strconv.Atoi(props("Workers"))
			if c.Source != normalize.SourceAuto || err != nil || workers < 1 ||
				!slices.Contains([]string{"no_limits", "false"}, strings.ToLower(props("Retry_Limit"))) {
				t.Errorf("want Source auto, Workers >= 1 and an unlimited Retry_Limit: %v %v", c, out)
			}
		},
		"both-per-source-topics": func(t *testing.T, c Config, out map[string]string) {
			if c.Source != normalize.SourceAuto || c.TopicS3Access == "" || c.TopicCloudTrail == "" ||
				c.TopicS3Access == c.TopicCloudTrail || !c.TLS || !c.TLSVerify ||
				!strings.HasPrefix(string(c.SASLMechanism), "SCRAM-") || c.Compression != CodecZstd ||
				FromMap(out)("Workers") != "2" {
				t.Errorf("not the per-source SASL/TLS/zstd/2-worker example: %v", c)
			}
			if c.SASLPassword != "${KAFKA_PASSWORD}" {
				t.Error("the password should come from the environment")
			}
		},
	}

	files, err := filepath.Glob(filepath.Join("examples", "*"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, file := range files {
		base := filepath.Base(file)
		if strings.HasPrefix(base, "plugins") {
			continue // read through plugins_file
		}
		name := strings.TrimSuffix(strings.TrimSuffix(base, ".conf"), ".yaml")
		check, ok := expect[name]
		if !ok {
			t.Errorf("%s: no expectations for this example; add them to TestExamples", file)
			continue
		}
		seen[name] = true
		t.Run(base, func(t *testing.T) {
			var cfg fbConfig
			switch filepath.Ext(base) {
			case ".conf":
				cfg = loadClassic(t, file)
			case ".yaml":
				cfg = loadYAML(t, file)
			default:
				t.Fatalf("unexpected file")
			}
			for i, c := range checkExample(t, file, cfg) {
				check(t, c, cfg.outputs[i])
			}
			for _, p := range deliveryProblems(cfg) {
				t.Errorf("%s: %s", file, p)
			}
		})
	}
	for name := range expect {
		if !seen[name] {
			t.Errorf("example %s is missing", name)
		}
	}
}

// TestExampleTwins keeps each .conf and its .yaml twin saying the same thing.
func TestExampleTwins(t *testing.T) {
	confs, err := filepath.Glob(filepath.Join("examples", "*.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, confFile := range confs {
		if strings.HasPrefix(filepath.Base(confFile), "plugins") {
			continue
		}
		yamlFile := strings.TrimSuffix(confFile, ".conf") + ".yaml"
		t.Run(filepath.Base(confFile), func(t *testing.T) {
			if _, err := os.Stat(yamlFile); err != nil {
				t.Fatalf("no YAML twin: %v", err)
			}
			a, b := loadClassic(t, confFile), loadYAML(t, yamlFile)
			if !reflect.DeepEqual(a.plugins, b.plugins) || !reflect.DeepEqual(a.inputs, b.inputs) {
				t.Errorf("plugins or inputs differ:\n%v %v\n%v %v", a.plugins, a.inputs, b.plugins, b.inputs)
			}
			delete(a.service, "plugins_file") // YAML lists plugins: instead
			if !reflect.DeepEqual(a.service, b.service) {
				t.Errorf("services differ:\n%v\n%v", a.service, b.service)
			}
			if !reflect.DeepEqual(lowerAll(a.outputs), lowerAll(b.outputs)) {
				t.Errorf("outputs differ:\n%v\n%v", a.outputs, b.outputs)
			}
		})
	}
}

func lowerAll(ms []map[string]string) []map[string]string {
	out := make([]map[string]string, len(ms))
	for i, m := range ms {
		out[i] = lowerKeys(m)
	}
	return out
}

// The longest records a tail input must hold in one line: a real
// access-log line stays far below 1M, but a corrupt one (a 2 MB line was
// seen) must still reach the plugin to be dead-lettered; a delivered
// CloudTrail file is one JSON line of tens of MB.
const (
	minAccessLogLine  int64 = 8 << 20
	minCloudTrailLine int64 = 64 << 20
)

// deliveryProblems lists what an example lacks for the at-least-once
// promise (README "Delivery guarantees"): chunks on disk, retries without
// a limit, flushes off the engine thread, and no line dropped by tail.
// Keys are matched lower-cased, as Fluent Bit does.
func deliveryProblems(cfg fbConfig) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if len(cfg.outputs) == 0 {
		return nil // not an awsaudit example
	}
	svc := cfg.service
	if svc["storage.path"] == "" {
		bad("service: storage.path is not set (chunks can only be kept in memory)")
	}
	if v := svc["storage.sync"]; v != "normal" && v != "full" {
		bad("service: storage.sync = %q, want normal or full", v)
	}
	if _, ok := fbSize(svc["storage.backlog.mem_limit"]); !ok {
		bad("service: storage.backlog.mem_limit = %q, want a size", svc["storage.backlog.mem_limit"])
	}
	if n, err := strconv.Atoi(svc["storage.max_chunks_up"]); err != nil || n < 1 {
		bad("service: storage.max_chunks_up = %q, want a positive number", svc["storage.max_chunks_up"])
	}
	for _, raw := range cfg.outputs {
		o := lowerKeys(raw)
		if n, err := strconv.Atoi(o["workers"]); err != nil || n < 1 {
			bad("output %s: Workers = %q, want 1 or more (flushes must not run on the engine thread)", o["match"], o["workers"])
		}
		if v := o["retry_limit"]; v != "no_limits" && v != "false" && v != "off" {
			bad("output %s: Retry_Limit = %q, want no_limits (Fluent Bit drops a chunk after the last retry)", o["match"], v)
		}
		if _, ok := fbSize(o["storage.total_limit_size"]); !ok {
			bad("output %s: storage.total_limit_size = %q, want a size", o["match"], o["storage.total_limit_size"])
		}
		for _, in := range cfg.inputs {
			if ok, _ := path.Match(o["match"], in["tag"]); !ok {
				continue
			}
			if in["storage.type"] != "filesystem" {
				bad("input %s: storage.type = %q, want filesystem", in["tag"], in["storage.type"])
			}
			if in["name"] != "tail" {
				continue
			}
			if v, ok := in["skip_long_lines"]; ok && v != "off" && v != "false" && v != "no" {
				bad("input %s: skip_long_lines %s drops long lines before the plugin sees them", in["tag"], v)
			}
			want, what := minCloudTrailLine, "a CloudTrail file"
			if src := o["source"]; src == "s3_access" ||
				(src != "cloudtrail" && strings.Contains(in["tag"], "s3_access")) {
				want, what = minAccessLogLine, "an access-log line"
			}
			if n, ok := fbSize(in["buffer_max_size"]); !ok || n < want {
				bad("input %s: buffer_max_size = %q, want at least %dk for %s", in["tag"], in["buffer_max_size"], want>>10, what)
			}
			n, ok := fbSize(in["buffer_chunk_size"])
			if m, okm := fbSize(in["buffer_max_size"]); ok && okm && n > m {
				bad("input %s: buffer_chunk_size above buffer_max_size", in["tag"])
			}
		}
	}
	return out
}

// fbSize reads a size the way flb_utils_size_to_bytes does: a number with
// an optional k, m or g suffix (kb, mb, gb too), powers of 1024.
func fbSize(s string) (int64, bool) {
	s = strings.TrimSuffix(strings.ToLower(s), "b")
	mult := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k':
			mult = 1 << 10
		case 'm':
			mult = 1 << 20
		case 'g':
			mult = 1 << 30
		}
		if mult > 1 {
			s = s[:n-1]
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n * mult, true
}

// TestDeliveryProblems checks that the example check notices each setting
// the promise depends on when it is missing or weakened.
func TestDeliveryProblems(t *testing.T) {
	good := loadClassic(t, filepath.Join("examples", "s3-access-tail.conf"))
	if p := deliveryProblems(good); len(p) != 0 {
		t.Fatalf("the shipped example has problems: %q", p)
	}
	both := loadYAML(t, filepath.Join("examples", "both-per-source-topics.yaml"))
	if p := deliveryProblems(both); len(p) != 0 {
		t.Fatalf("the shipped example has problems: %q", p)
	}
	clone := func(c fbConfig) fbConfig {
		c.service = maps.Clone(c.service)
		c.inputs = slices.Clone(c.inputs)
		for i := range c.inputs {
			c.inputs[i] = maps.Clone(c.inputs[i])
		}
		c.outputs = slices.Clone(c.outputs)
		for i := range c.outputs {
			c.outputs[i] = lowerKeys(c.outputs[i])
		}
		return c
	}
	for _, tc := range []struct {
		name   string
		base   fbConfig
		change func(c *fbConfig)
		want   string
	}{
		{"no storage.path", good, func(c *fbConfig) { delete(c.service, "storage.path") }, "storage.path"},
		{"no storage.sync", good, func(c *fbConfig) { delete(c.service, "storage.sync") }, "storage.sync"},
		{"bad storage.sync", good, func(c *fbConfig) { c.service["storage.sync"] = "fast" }, "storage.sync"},
		{"no backlog limit", good, func(c *fbConfig) { delete(c.service, "storage.backlog.mem_limit") }, "storage.backlog.mem_limit"},
		{"no max_chunks_up", good, func(c *fbConfig) { delete(c.service, "storage.max_chunks_up") }, "storage.max_chunks_up"},
		{"memory storage", good, func(c *fbConfig) { c.inputs[0]["storage.type"] = "memory" }, "storage.type"},
		{"no storage.type", both, func(c *fbConfig) { delete(c.inputs[1], "storage.type") }, "storage.type"},
		{"no workers", good, func(c *fbConfig) { delete(c.outputs[0], "workers") }, "Workers"},
		{"workers 0", good, func(c *fbConfig) { c.outputs[0]["workers"] = "0" }, "Workers"},
		{"default retry limit", good, func(c *fbConfig) { delete(c.outputs[0], "retry_limit") }, "Retry_Limit"},
		{"retry limit 5", good, func(c *fbConfig) { c.outputs[0]["retry_limit"] = "5" }, "Retry_Limit"},
		{"no total limit", good, func(c *fbConfig) { delete(c.outputs[0], "storage.total_limit_size") }, "storage.total_limit_size"},
		{"skip long lines", good, func(c *fbConfig) { c.inputs[0]["skip_long_lines"] = "on" }, "skip_long_lines"},
		{"default line buffer", good, func(c *fbConfig) { delete(c.inputs[0], "buffer_max_size") }, "buffer_max_size"},
		{"256k line buffer", good, func(c *fbConfig) { c.inputs[0]["buffer_max_size"] = "256k" }, "buffer_max_size"},
		{"4M CloudTrail buffer", both, func(c *fbConfig) { c.inputs[1]["buffer_max_size"] = "4m" }, "CloudTrail"},
		{"chunk above max", good, func(c *fbConfig) { c.inputs[0]["buffer_chunk_size"] = "32m" }, "buffer_chunk_size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := clone(tc.base)
			tc.change(&c)
			p := deliveryProblems(c)
			if len(p) != 1 || !strings.Contains(p[0], tc.want) {
				t.Errorf("problems %q, want one naming %s", p, tc.want)
			}
		})
	}
}

// One topic naming scheme everywhere a user copies from: aws.audit.<what>,
// after the record's source where there is one. A second spelling
// (s3-access next to s3_access) reads an empty topic.
func TestOneTopicScheme(t *testing.T) {
	allowed := map[string]bool{"normalized": true, "s3_access": true, "cloudtrail": true, "alerts": true, "dlq": true}
	files, _ := filepath.Glob("examples/*")
	files = append(files, "../README.md", "../cmd/awsaudit/demodata/demo.sh", "../cmd/awsaudit/demo.go", "keys.go")
	re := regexp.MustCompile(`aws\.audit\.[A-Za-z0-9_.-]*[A-Za-z0-9_]`)
	seen := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllString(string(data), -1) {
			seen++
			if !allowed[strings.TrimPrefix(m, "aws.audit.")] {
				t.Errorf("%s: topic %q is not aws.audit.{normalized,s3_access,cloudtrail,alerts,dlq}", f, m)
			}
		}
	}
	if seen < 20 {
		t.Errorf("only %d topic names found: the scan is broken", seen)
	}
}
