package schema

import (
	"slices"
	"testing"
)

func TestCheckFieldPath(t *testing.T) {
	for _, tc := range []struct {
		path    string
		ok      bool
		nearest string
	}{
		{"bucket.name", true, ""},
		{"correlation_id", true, ""},
		{"principal.arn", true, ""},
		{"request.id", true, ""},
		{"extra.anything", true, ""},
		{"bucket.nmae", false, "bucket.name"},
		{"bucket", false, ""},
		{"my-static-key", false, ""},
		{"principal.sesion_name", false, "principal.session_name"},
	} {
		ok, nearest := CheckFieldPath(tc.path)
		if ok != tc.ok || (tc.nearest != "" && nearest != tc.nearest) || (!ok && nearest == "") {
			t.Errorf("CheckFieldPath(%q) = %v, %q; want %v, %q", tc.path, ok, nearest, tc.ok, tc.nearest)
		}
	}
}

func TestFieldPathsHoldDefaults(t *testing.T) {
	paths := FieldPaths()
	for _, p := range []string{"bucket.name", "correlation_id", "source", "time", "object.key"} {
		if !slices.Contains(paths, p) {
			t.Errorf("FieldPaths lacks %q: %v", p, paths)
		}
	}
	for _, p := range paths {
		if p == "extra" || p == "bucket" {
			t.Errorf("FieldPaths holds the object %q", p)
		}
	}
}
