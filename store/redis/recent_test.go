package redis

import (
	"fmt"
	"testing"
)

// TestRecentBound: a recent cache holds at most two generations of max
// entries, drops the older one when the newer fills, and keeps what is
// read (a get moves the entry to the newer generation).
func TestRecentBound(t *testing.T) {
	c := newRecent[int](4)
	keep := 0
	for i := range 20 {
		v := i
		c.put(fmt.Sprint(i), fmt.Sprint(i), &v)
		if _, ok := c.get("keep"); !ok && i > 0 {
			t.Fatalf("after %d puts the entry read after each put was dropped", i)
		}
		if i == 0 {
			c.put("keep", "k", &keep)
		}
		if n := len(c.cur) + len(c.old); n > 8 {
			t.Fatalf("after %d puts the cache holds %d entries, want at most 8", i+1, n)
		}
	}
	if _, ok := c.get("0"); ok {
		t.Errorf("entry 0, never read, is still held after 20 puts")
	}
	if e, ok := c.get("19"); !ok || *e.v != 19 || e.raw != "19" {
		t.Errorf("get(19) = %+v, %v, want the last put", e, ok)
	}
	c.drop("19")
	if _, ok := c.get("19"); ok {
		t.Errorf("get(19) after drop found it")
	}
}
