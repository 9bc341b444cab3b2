package engine

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkRemindersIdle is a notifier pass's reminders over 100,000 held
// shifts of which none is due (the usual pass, once a second): "due" looks
// at the shifts whose time has come (dueHeap); the baseline "scan" is what
// a pass did before it, every held shift's ID collected and sorted.
func BenchmarkRemindersIdle(b *testing.B) {
	const held = 100_000
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	e := &Engine{now: func() time.Time { return now }}
	n := &e.notify
	n.held, n.done = map[string]heldShift{}, map[string]bool{}
	for i := range held {
		n.hold(fmt.Sprintf("A%012d", i), heldShift{start: now.Add(72*time.Hour + time.Duration(i)*time.Second), created: now})
	}
	if _, err := e.reminders(context.Background()); err != nil { // the first look at each
		b.Fatal(err)
	}
	b.Run("due", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.reminders(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		if len(n.due) != held {
			b.Fatalf("%d shifts waiting, want %d", len(n.due), held)
		}
	})
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			ids := make([]string, 0, len(n.held))
			for id := range n.held {
				ids = append(ids, id)
			}
			slices.Sort(ids)
		}
	})
}
