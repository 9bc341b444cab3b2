package evaluation

import (
	"testing"

	"volmatch"
)

// TestFunnelOverrides: an invitation sent over overridden hard gates is
// counted for planners, within the filter and window like every action.
func TestFunnelOverrides(t *testing.T) {
	l := handLog()
	if got := Funnel(l, Filter{}).Overrides; got != 0 {
		t.Fatalf("Funnel(hand log).Overrides = %d, want 0", got)
	}
	over := ev(volmatch.EventInviteSent, n1, at(0, 12), "v9", "I9", "")
	over.Reason, over.Gates = "急需手语志愿者，培训下周补上", []string{"training"}
	l = append(l, over)
	for _, c := range []struct {
		name string
		f    Filter
		want int
	}{
		{"all", Filter{}, 1},
		{"its district", Filter{District: "D1"}, 1},
		{"another district", Filter{District: "D2"}, 0},
		{"after it", Filter{From: at(1, 9)}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Funnel(l, c.f).Overrides; got != c.want {
				t.Errorf("Funnel(%+v).Overrides = %d, want %d", c.f, got, c.want)
			}
		})
	}
}
