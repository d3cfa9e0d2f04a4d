package detect

import (
	"hash/maphash"
	"sync"
	"time"
)

// rateWindow counts events per key in a sliding time window with bounded
// memory: at most maxKeys keys, each remembering its latest threshold+1
// event times. When a new key arrives and the table is full, the
// least recently seen key is forgotten (LRU). Keys are 64-bit hashes, so
// long principals cost no more than short ones and lookups never allocate.
// It is safe for concurrent use.
type rateWindow struct {
	threshold   int
	window      int64 // milliseconds
	maxKeys     int
	byPrincipal bool
	byIP        bool
	seed        maphash.Seed

	mu      sync.Mutex
	index   map[uint64]int32
	entries []rateEntry
	// The LRU list runs through entries by index: head is the most
	// recently seen key, tail the next one to forget; -1 ends it.
	head, tail int32
}

type rateEntry struct {
	key        uint64
	prev, next int32
	times      []int64 // the latest threshold+1 event times (ms), unordered
}

func newRateWindow(threshold int, window time.Duration, maxKeys int, byPrincipal, byIP bool) *rateWindow {
	return &rateWindow{
		threshold:   threshold,
		window:      window.Milliseconds(),
		maxKeys:     maxKeys,
		byPrincipal: byPrincipal,
		byIP:        byIP,
		seed:        maphash.MakeSeed(),
		index:       make(map[uint64]int32, min(maxKeys, 1024)),
		head:        -1,
		tail:        -1,
	}
}

// Key kinds, hashed in front of the value so a principal and an IP that
// happen to be spelled alike stay apart.
const (
	rateKeyPrincipal byte = 'p'
	rateKeyIP        byte = 'i'
)

func (w *rateWindow) key(kind byte, value []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(w.seed)
	h.WriteByte(kind)
	h.Write(value)
	return h.Sum64()
}

// hit records one event of key at time t (ms) and reports whether more than
// threshold events of that key (this one included) lie in (t-window, t].
// Each key keeps its threshold+1 latest event times, whatever order they
// arrived in, so a late event counts where it belongs and cannot push a
// recent one out; events later than t are not counted for it.
//
// The caller holds w.mu, for all the keys of one record at once: a record
// that counts under two keys must see both counts of one moment, or
// concurrent flushes could let more than threshold records pass unflagged.
func (w *rateWindow) hit(key uint64, t int64) bool {
	i, ok := w.index[key]
	if ok {
		w.touch(i)
	} else {
		i = w.insert(key)
	}
	e := &w.entries[i]
	count := 1
	from := t - w.window
	oldest := 0
	for j, ts := range e.times {
		if ts > from && ts <= t {
			count++
		}
		if ts < e.times[oldest] {
			oldest = j
		}
	}
	switch {
	case len(e.times) <= w.threshold:
		e.times = append(e.times, t)
	case t > e.times[oldest]:
		e.times[oldest] = t
	}
	return count > w.threshold
}

// insert adds key as the most recent entry, forgetting the least recent
// one when the table is full (its ring is reused).
func (w *rateWindow) insert(key uint64) int32 {
	var i int32
	if len(w.entries) < w.maxKeys {
		if len(w.entries) == cap(w.entries) {
			// Grow by hand so the table never exceeds maxKeys.
			grown := make([]rateEntry, len(w.entries), min(max(2*cap(w.entries), 16), w.maxKeys))
			copy(grown, w.entries)
			w.entries = grown
		}
		w.entries = append(w.entries, rateEntry{times: make([]int64, 0, w.threshold+1)})
		i = int32(len(w.entries) - 1)
	} else {
		i = w.tail
		w.unlink(i)
		delete(w.index, w.entries[i].key)
		w.entries[i].times = w.entries[i].times[:0]
	}
	w.entries[i].key = key
	w.index[key] = i
	w.pushFront(i)
	return i
}

func (w *rateWindow) touch(i int32) {
	if w.head == i {
		return
	}
	w.unlink(i)
	w.pushFront(i)
}

func (w *rateWindow) unlink(i int32) {
	e := &w.entries[i]
	if e.prev >= 0 {
		w.entries[e.prev].next = e.next
	} else {
		w.head = e.next
	}
	if e.next >= 0 {
		w.entries[e.next].prev = e.prev
	} else {
		w.tail = e.prev
	}
	e.prev, e.next = -1, -1
}

func (w *rateWindow) pushFront(i int32) {
	e := &w.entries[i]
	e.prev, e.next = -1, w.head
	if w.head >= 0 {
		w.entries[w.head].prev = i
	}
	w.head = i
	if w.tail < 0 {
		w.tail = i
	}
}

// keys returns how many keys are tracked (for tests and metrics).
func (w *rateWindow) keys() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.index)
}
