package registry

import "testing"

func TestSet(t *testing.T) {
	var s Set[string]
	if _, ok := s.Only(); ok {
		t.Fatal("Only of an empty set")
	}
	a, b := s.NextID(), s.NextID()
	if a != 0 || b != 1 {
		t.Fatalf("ids %d %d", a, b)
	}
	s.Store(a, "a")
	if v, ok := s.Only(); !ok || v != "a" {
		t.Fatalf("Only = %q %v", v, ok)
	}
	s.Store(b, "b")
	if _, ok := s.Only(); ok {
		t.Fatal("Only with two instances")
	}
	if v, ok := s.Load(b); !ok || v != "b" {
		t.Fatalf("Load = %q %v", v, ok)
	}
	s.Delete(a)
	if _, ok := s.Load(a); ok {
		t.Fatal("deleted id still there")
	}
	n := 0
	s.Range(func(id int, v string) bool { n++; return true })
	if n != 1 {
		t.Fatalf("Range saw %d", n)
	}
}
