package redis

import "sync"

// recent keeps records this replica wrote or read lately, each as the JSON
// stored and decoded, for an accept that takes them without reading them
// (acceptCached). An entry may be stale: whoever uses one checks its JSON
// against the store in the write's script, which answers RETRY when it
// changed. Decoded values are shared and must not be changed.
//
// It holds at most two generations of max entries: when the newer one is
// full, the older one is dropped. A get moves its entry to the newer one,
// so what is used stays and what is not ages out.
type recent[T any] struct {
	mu       sync.Mutex
	max      int
	cur, old map[string]recentEntry[T]
}

type recentEntry[T any] struct {
	raw string
	v   *T
}

func newRecent[T any](max int) *recent[T] {
	return &recent[T]{max: max, cur: make(map[string]recentEntry[T])}
}

func (c *recent[T]) get(id string) (recentEntry[T], bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.cur[id]
	if ok {
		return e, true
	}
	if e, ok = c.old[id]; ok {
		delete(c.old, id)
		c.putLocked(id, e)
	}
	return e, ok
}

func (c *recent[T]) put(id, raw string, v *T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.old, id)
	c.putLocked(id, recentEntry[T]{raw: raw, v: v})
}

func (c *recent[T]) putLocked(id string, e recentEntry[T]) {
	if _, ok := c.cur[id]; !ok && len(c.cur) >= c.max {
		c.old, c.cur = c.cur, make(map[string]recentEntry[T], c.max)
	}
	c.cur[id] = e
}

func (c *recent[T]) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cur, id)
	delete(c.old, id)
}
