package normalize

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// naiveIndex is the definition lineIndex must match, byte by byte.
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
	check := func(name string, x *lineIndex) {
		sp, qu, eq, un := naiveIndex(line)
		for _, m := range []struct {
			name string
			got  []uint64
			want []bool
		}{{"space", x.space, sp}, {"quote", x.quote, qu}, {"equals", x.equals, eq}, {"unsafe", x.unsafe, un}} {
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
	var x lineIndex
	x.build(line)
	check("scanBlocks", &x)
	// The prefilter is a superset of the scan of the text as spelled.
	if !x.mayHoldSecret(line) && hasSecretText(line, false) {
		t.Fatalf("lineIndex.mayHoldSecret(%q) = false, but it holds a secret", line)
	}

	// The portable scanner must agree with the one in use (assembly on
	// amd64), so both are checked whatever machine runs the tests.
	var g lineIndex
	g.size = len(line)
	words := (len(line) + 63) / 64
	padded := make([]byte, words*64)
	copy(padded, line)
	g.space, g.quote, g.equals, g.unsafe = make([]uint64, words), make([]uint64, words), make([]uint64, words), make([]uint64, words)
	scanBlocksGeneric(padded, g.space, g.quote, g.equals, g.unsafe)
	if rem := len(line) % 64; rem > 0 {
		keep := uint64(1)<<rem - 1
		g.space[words-1] &= keep
		g.quote[words-1] &= keep
		g.equals[words-1] &= keep
		g.unsafe[words-1] &= keep
	}
	check("scanBlocksGeneric", &g)
}

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
	checkIndex(t, []byte(benchAccessLogLine))
	checkIndex(t, []byte(benchPresignedLine))
	t.Logf("AVX2 scanner in use: %v", avx2InUse())
}

func TestLineIndexSearch(t *testing.T) {
	line := []byte(`a  "b c" d=e` + string(bytes.Repeat([]byte("x"), 70)) + ` "z`)
	var x lineIndex
	x.build(line)
	naiveNext := func(c byte, from int) int {
		if i := bytes.IndexByte(line[min(from, len(line)):], c); i >= 0 {
			return from + i
		}
		return len(line)
	}
	for from := 0; from <= len(line)+1; from++ {
		if got, want := x.next(x.quote, from), naiveNext('"', from); got != want {
			t.Errorf("next quote from %d = %d, want %d", from, got, want)
		}
		wantClear := len(line)
		for i := from; i < len(line); i++ {
			if line[i] != ' ' {
				wantClear = i
				break
			}
		}
		if got := x.nextClear(x.space, from); got != wantClear {
			t.Errorf("nextClear space from %d = %d, want %d", from, got, wantClear)
		}
		if from <= len(line) {
			if got, want := x.prev(x.quote, from), bytes.LastIndexByte(line[:from], '"'); got != want {
				t.Errorf("prev quote before %d = %d, want %d", from, got, want)
			}
		}
	}
}

func FuzzLineIndex(f *testing.F) {
	f.Add([]byte(benchAccessLogLine))
	f.Add([]byte("\x00\"= \\\x80"))
	f.Add([]byte(benchPresignedLine))
	f.Add([]byte(`x "{\"sessionToken\" :\"abc\"}" "a" "sessionToken"\t: "v"`))
	f.Fuzz(func(t *testing.T, line []byte) { checkIndex(t, line) })
}

// splitTest indexes and splits line, as parseAccessLog does.
func splitTest(line string, f *[maxAccessFields][]byte) (int, int, error) {
	var x lineIndex
	x.build([]byte(line))
	return splitAccessLog([]byte(line), &x, f)
}
