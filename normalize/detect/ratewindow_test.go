package detect

import (
	"fmt"
	"testing"
	"time"
)

// TestRateWindowBounded: the table never holds more than MaxKeys keys, each
// with at most Threshold+1 times, forgetting the least recently seen.
func TestRateWindowBounded(t *testing.T) {
	w := newRateWindow(3, time.Minute, 50, true, true)
	for i := range 10000 {
		w.hit(w.key(rateKeyIP, fmt.Appendf(nil, "10.0.%d.%d", i/256, i%256)), int64(i))
	}
	if k := w.keys(); k != 50 {
		t.Errorf("%d keys tracked, want the cap 50", k)
	}
	if len(w.entries) != 50 || cap(w.entries) != 50 {
		t.Errorf("entries len %d cap %d", len(w.entries), cap(w.entries))
	}
	for _, e := range w.entries {
		if cap(e.times) != 4 {
			t.Fatalf("a ring has capacity %d, want threshold+1 = 4", cap(e.times))
		}
	}
	// LRU: a key seen recently survives a flood of new keys; an idle one
	// does not.
	w = newRateWindow(1, time.Hour, 3, true, true)
	hot, cold := w.key(rateKeyIP, []byte("hot")), w.key(rateKeyIP, []byte("cold"))
	w.hit(cold, 0)
	w.hit(hot, 0)
	for i := range 2 {
		w.hit(w.key(rateKeyIP, fmt.Appendf(nil, "new-%d", i)), 1)
		w.hit(hot, 1)
	}
	if !w.hit(hot, 2) {
		t.Error("the recently used key was forgotten")
	}
	if w.hit(cold, 2) {
		t.Error("the least recently used key was not forgotten")
	}
	// Principal and IP keys spelled alike are different keys.
	if w.key(rateKeyIP, []byte("x")) == w.key(rateKeyPrincipal, []byte("x")) {
		t.Error("key kinds collide")
	}
}

// TestRateWindowOutOfOrder: late events count at their own time.
func TestRateWindowOutOfOrder(t *testing.T) {
	w := newRateWindow(2, time.Minute, 10, true, true)
	k := w.key(rateKeyIP, []byte("a"))
	min := int64(60000)
	if w.hit(k, 10*min) || w.hit(k, 10*min+1000) {
		t.Fatal("fired early")
	}
	if w.hit(k, 2*min) { // a late record from long before: alone in its window
		t.Error("late event counted with events 8 minutes after it")
	}
	if !w.hit(k, 10*min+2000) {
		t.Error("third event within the window did not fire")
	}
}
