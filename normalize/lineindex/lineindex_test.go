package lineindex

import (
	"bytes"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/normalize/internal/testinput"
)

// naiveIndex is the definition Index must match, byte by byte.
func naiveIndex(line []byte) (space, quote, equals, unsafe []bool) {
	for _, c := range line {
		space = append(space, c == ' ')
		quote = append(quote, c == '"')
		equals = append(equals, c == '=')
		unsafe = append(unsafe, c < 0x20 || c >= 0x80 || c == '\\')
	}
	return
}

func checkIndex(t *testing.T, line []byte) {
	t.Helper()
	check := func(name string, x *Index) {
		sp, qu, eq, un := naiveIndex(line)
		for _, m := range []struct {
			name string
			got  []uint64
			want []bool
		}{{"space", x.Space, sp}, {"quote", x.Quote, qu}, {"equals", x.Equals, eq}, {"unsafe", x.Unsafe, un}} {
			if len(m.got) != (len(line)+63)/64 {
				t.Fatalf("%s %s: %d words for %d bytes", name, m.name, len(m.got), len(line))
			}
			for i := range len(m.got) * 64 {
				got := m.got[i/64]>>(i%64)&1 == 1
				want := i < len(line) && m.want[i]
				if got != want {
					t.Fatalf("%s %s: byte %d (%q) got %v, want %v", name, m.name, i, line[min(i, len(line)-1)], got, want)
				}
			}
		}
	}
	var x Index
	x.Build(line)
	check("scanBlocks", &x)

	// The portable scanner must agree with the one in use (assembly on
	// amd64), so both are checked whatever machine runs the tests.
	var g Index
	g.size = len(line)
	words := (len(line) + 63) / 64
	padded := make([]byte, words*64)
	copy(padded, line)
	g.Space, g.Quote, g.Equals, g.Unsafe = make([]uint64, words), make([]uint64, words), make([]uint64, words), make([]uint64, words)
	scanBlocksGeneric(padded, g.Space, g.Quote, g.Equals, g.Unsafe)
	if rem := len(line) % 64; rem > 0 {
		keep := uint64(1)<<rem - 1
		g.Space[words-1] &= keep
		g.Quote[words-1] &= keep
		g.Equals[words-1] &= keep
		g.Unsafe[words-1] &= keep
	}
	check("scanBlocksGeneric", &g)
}

// Hand-written lines longer than one 64-byte block.
const (
	seedLine      = `b0 awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -`
	seedPresigned = `"GET /k?X-Amz-Credential=AKIA%2F&X-Amz-Signature=abc HTTP/1.1" 200 "-" "agent \"quoted\" \x00"`
)

func TestLineIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte(" \"=\\\x00\x1f\x20\x7f\x80\xffaZ:")
	for n := 0; n < 300; n++ {
		line := make([]byte, n)
		for i := range line {
			if rng.IntN(2) == 0 {
				line[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				line[i] = byte(rng.IntN(256))
			}
		}
		checkIndex(t, line)
	}
	checkIndex(t, []byte(seedLine))
	checkIndex(t, []byte(seedPresigned))
	t.Logf("AVX2 scanner in use: %v", AVX2InUse())
}

func TestLineIndexSearch(t *testing.T) {
	line := []byte(`a  "b c" d=e` + string(bytes.Repeat([]byte("x"), 70)) + ` "z`)
	var x Index
	x.Build(line)
	naiveNext := func(c byte, from int) int {
		if i := bytes.IndexByte(line[min(from, len(line)):], c); i >= 0 {
			return from + i
		}
		return len(line)
	}
	for from := 0; from <= len(line)+1; from++ {
		if got, want := x.Next(x.Quote, from), naiveNext('"', from); got != want {
			t.Errorf("next quote from %d = %d, want %d", from, got, want)
		}
		wantClear := len(line)
		for i := from; i < len(line); i++ {
			if line[i] != ' ' {
				wantClear = i
				break
			}
		}
		if got := x.NextClear(x.Space, from); got != wantClear {
			t.Errorf("nextClear space from %d = %d, want %d", from, got, wantClear)
		}
		if from <= len(line) {
			if got, want := x.Prev(x.Quote, from), bytes.LastIndexByte(line[:from], '"'); got != want {
				t.Errorf("prev quote before %d = %d, want %d", from, got, want)
			}
		}
	}
}

func FuzzLineIndex(f *testing.F) {
	f.Add([]byte(seedLine))
	f.Add([]byte("\x00\"= \\\x80"))
	f.Add([]byte(seedPresigned))
	f.Add([]byte(`x "{\"sessionToken\" :\"abc\"}" "a" "sessionToken"\t: "v"`))
	f.Fuzz(func(t *testing.T, line []byte) { checkIndex(t, line) })
}

// BenchmarkBuild indexes the benchmark access-log line and CloudTrail
// event; run it with and without -tags purego to compare the AVX2 scan
// with the portable one on this CPU.
func BenchmarkBuild(b *testing.B) {
	for _, in := range []struct{ name, text string }{
		{"access_log", testinput.AccessLogLine},
		{"cloudtrail", testinput.CloudTrailEvent},
	} {
		b.Run(in.name, func(b *testing.B) {
			var x Index
			line := []byte(in.text)
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				x.Build(line)
			}
		})
	}
}

// TestAssemblyIsVEXOnly keeps legacy SSE instructions out of the AVX2
// scan: one SSE instruction writing an XMM register while the upper
// halves of the YMM registers are in use cost this loop twenty times its
// work on the machines measured (a 732-byte line took 930 ns instead of
// 41 ns), so every instruction that names a vector register must be a
// VEX one (its mnemonic starts with V).
func TestAssemblyIsVEXOnly(t *testing.T) {
	src, err := os.ReadFile("lineindex_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	vector := regexp.MustCompile(`\b[XY]([0-9]|1[0-5])\b`)
	for i, line := range strings.Split(string(src), "\n") {
		code, _, _ := strings.Cut(line, "//")
		fields := strings.Fields(code)
		if len(fields) == 0 || !vector.MatchString(code) {
			continue
		}
		if op := fields[0]; !strings.HasPrefix(op, "V") {
			t.Errorf("lineindex_amd64.s:%d: %s names a vector register but is not a VEX instruction", i+1, op)
		}
	}
}
