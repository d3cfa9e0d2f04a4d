package schema

import (
	_ "embed"
	"encoding/json"
	"sort"
	"strings"
	"sync"
)

// JSON is the JSON Schema of the unified record, version 1.
// It is embedded so the CLI and tests publish exactly the file in the repo.
//
//go:embed unified-v1.json
var JSON []byte

// schemaPaths are the dotted paths of the schema's scalar fields, and the
// objects whose members are open (extra): read from JSON once, so
// the contract is the only list of paths.
var schemaPaths = sync.OnceValues(func() (leaves, open []string) {
	type node struct {
		Ref        string           `json:"$ref"`
		Type       any              `json:"type"`
		Properties map[string]*node `json:"properties"`
		Additional json.RawMessage  `json:"additionalProperties"`
	}
	var doc struct {
		node
		Defs map[string]*node `json:"$defs"`
	}
	if err := json.Unmarshal(JSON, &doc); err != nil {
		panic("normalize: embedded schema: " + err.Error()) // a broken build, caught by every test
	}
	var walk func(prefix string, n *node, depth int)
	walk = func(prefix string, n *node, depth int) {
		if r, ok := strings.CutPrefix(n.Ref, "#/$defs/"); ok && doc.Defs[r] != nil && depth < 8 {
			n = doc.Defs[r]
		}
		if len(n.Properties) == 0 {
			if prefix != "" && n.Type == "object" && string(n.Additional) != "false" {
				open = append(open, prefix)
			} else if prefix != "" {
				leaves = append(leaves, prefix)
			}
			return
		}
		if string(n.Additional) != "" && string(n.Additional) != "false" && prefix != "" {
			open = append(open, prefix)
		}
		for name, child := range n.Properties {
			p := name
			if prefix != "" {
				p = prefix + "." + name
			}
			walk(p, child, depth+1)
		}
	}
	walk("", &doc.node, 0)
	sort.Strings(leaves)
	sort.Strings(open)
	return leaves, open
})

// FieldPaths returns the dotted paths of every scalar field of the
// unified record, sorted (for Message_Key and documentation).
func FieldPaths() []string {
	leaves, _ := schemaPaths()
	return leaves
}

// CheckFieldPath tells whether path names a field of the unified record
// (a scalar, or a member of an open object such as extra.<name>); when it
// does not, nearest is the valid path closest to it in spelling.
func CheckFieldPath(path string) (ok bool, nearest string) {
	leaves, open := schemaPaths()
	for _, l := range leaves {
		if l == path {
			return true, ""
		}
	}
	for _, o := range open {
		if rest, found := strings.CutPrefix(path, o+"."); found && rest != "" {
			return true, ""
		}
	}
	best := -1
	for _, l := range leaves {
		if d := editDistance(path, l); best < 0 || d < best {
			best, nearest = d, l
		}
	}
	return false, nearest
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
