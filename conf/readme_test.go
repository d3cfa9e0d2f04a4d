package conf

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeListsEveryKey keeps the README's configuration table identical
// to the key table the code documents (KEYS.md is generated from it).
func TestReadmeListsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	table := MarkdownTable()
	table = strings.TrimSpace(table[strings.Index(table, "| Key |"):])
	if !strings.Contains(string(readme), table) {
		t.Errorf("README.md's configuration table differs from conf.MarkdownTable(); paste the table from conf/KEYS.md")
	}
}

func TestReadmeListsEveryS3InputKey(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	table := S3InputMarkdownTable()
	table = strings.TrimSpace(table[strings.Index(table, "| Key |"):])
	if !strings.Contains(string(readme), table) {
		t.Errorf("README.md's input table differs from conf.S3InputMarkdownTable(); paste the table from conf/KEYS_S3_INPUT.md")
	}
}
