package testinput

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// dir is this package's directory, so paths work from any package's tests.
var dir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}()

// Sample is the path of a published real-world sample (never copied into
// the repository): ../shared/samples beside the checkout.
func Sample(name string) string {
	return filepath.Join(dir, "..", "..", "..", "..", "shared", "samples", name)
}

// Testdata is the path of a file (or glob pattern) in normalize/testdata,
// the hand-written inputs behind the golden files.
func Testdata(name string) string {
	return filepath.Join(dir, "..", "..", "testdata", name)
}

// AddSeeds adds every file matching the patterns to f's corpus, whole and
// line by line.
func AddSeeds(f *testing.F, patterns ...string) {
	for _, pattern := range patterns {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
			for _, line := range bytes.Split(data, []byte("\n")) {
				f.Add(line)
			}
		}
	}
}
