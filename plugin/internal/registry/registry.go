// Package registry keeps a plugin's instances by the int id Fluent Bit
// hands back as their context: C must not hold Go pointers, and an id
// outlives nothing it should not. Both plugins (plugin, plugin/in_s3) use
// it.
package registry

import (
	"sync"
	"sync/atomic"
)

// Set holds the live instances of one plugin; the zero value is ready.
type Set[T any] struct {
	m    sync.Map // int -> T
	next atomic.Int64
}

// NextID returns a fresh id, 0 first.
func (s *Set[T]) NextID() int { return int(s.next.Add(1) - 1) }

// Store registers v under id.
func (s *Set[T]) Store(id int, v T) { s.m.Store(id, v) }

// Delete forgets id.
func (s *Set[T]) Delete(id int) { s.m.Delete(id) }

// Load returns the instance of id.
func (s *Set[T]) Load(id int) (T, bool) {
	v, ok := s.m.Load(id)
	if !ok {
		var zero T
		return zero, false
	}
	return v.(T), true
}

// Only returns the single live instance; false when there are none or
// several (callbacks without a context cannot tell them apart).
func (s *Set[T]) Only() (T, bool) {
	var found T
	n := 0
	s.m.Range(func(_, v any) bool {
		found = v.(T)
		n++
		return n < 2
	})
	if n != 1 {
		var zero T
		return zero, false
	}
	return found, true
}

// Range calls fn for every instance until it returns false.
func (s *Set[T]) Range(fn func(id int, v T) bool) {
	s.m.Range(func(k, v any) bool { return fn(k.(int), v.(T)) })
}
