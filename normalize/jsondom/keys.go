package jsondom

import "iter"

// Keys tells, while visiting an object's keys in order, whether a key
// was already seen: JSON with a repeated key means different things to
// different readers (encoding/json's last-wins would let a second
// "eventName" hide the first from one reader and not another), so the
// first occurrence wins everywhere and later ones are dropped. The keys
// of the objects being visited are kept on one stack, so nested scopes
// cost no allocation; a 256-bit filter of key hashes skips the scan for
// almost every new key, and an object with more keys than the filter can
// tell apart uses a set, so a hostile object with many keys costs linear
// time. The zero value is ready to use; it is not safe for concurrent use.
type Keys struct {
	seen [][]byte
}

// KeyScope is the set of keys of one object being visited; see
// Keys.Scope.
type KeyScope struct {
	k      *Keys
	start  int
	filter keyFilter
	set    map[string]struct{}
}

// filterKeys is how many keys the filter serves before a set takes over.
const filterKeys = 64

// Scope starts an object of about size keys; call Done when it is
// visited.
func (k *Keys) Scope(size int) KeyScope {
	s := KeyScope{k: k, start: len(k.seen)}
	if size > filterKeys {
		s.set = make(map[string]struct{}, size)
	}
	return s
}

// Unique yields obj's members in order, each key once, the first of
// repeated keys winning.
func (k *Keys) Unique(obj *Value) iter.Seq2[[]byte, *Value] {
	return func(yield func([]byte, *Value) bool) {
		if obj.distinct { // the parser has checked
			for _, m := range obj.members {
				if !yield(m.Key, m.V) {
					return
				}
			}
			return
		}
		s := k.Scope(obj.Len())
		defer s.Done()
		for _, m := range obj.members {
			if !s.Repeated(m.Key) && !yield(m.Key, m.V) {
				return
			}
		}
	}
}

// Cap is the capacity of the stack, in keys (for memory accounting).
func (k *Keys) Cap() int { return cap(k.seen) }

// Repeated reports whether key was seen in this scope, and remembers it.
func (s *KeyScope) Repeated(key []byte) bool {
	if s.set != nil {
		if _, ok := s.set[string(key)]; ok {
			return true
		}
		s.set[string(key)] = struct{}{}
		return false
	}
	if !s.filter.add(key) {
		for _, k := range s.k.seen[s.start:] {
			if string(k) == string(key) {
				return true
			}
		}
	}
	s.k.seen = append(s.k.seen, key)
	return false
}

// Done forgets the scope's keys.
func (s *KeyScope) Done() {
	s.k.seen = s.k.seen[:s.start]
}

// keyFilter is a 256-bit filter of the keys of one object, so that the
// search for a repeated key runs only when a key's bit was already set
// (the parser's Distinct check and KeyScope both use it).
type keyFilter [4]uint64

// add sets key's bit and reports whether it was clear: key is then
// certainly new. A cheap hash, since keys of one object rarely share
// length and both ends.
func (f *keyFilter) add(key []byte) bool {
	h := uint32(len(key)) * 0x9e3779b1
	if len(key) > 0 {
		h ^= uint32(key[0])<<8 | uint32(key[len(key)-1])
		h *= 0x85ebca6b
		h ^= h >> 13
	}
	word, bit := int(h>>6)&3, uint64(1)<<(h&63)
	isNew := f[word]&bit == 0
	f[word] |= bit
	return isNew
}
