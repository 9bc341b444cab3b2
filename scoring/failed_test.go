package scoring_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"volmatch"
	"volmatch/scoring"
)

// TestFailedAgreesWithGate: Failed lists every gate a volunteer fails, and
// its first is the one Gate returns, over random mixes of failures.
func TestFailedAgreesWithGate(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 1))
	edits := []struct {
		gate string
		edit func(v *volmatch.Volunteer, n *volmatch.Need)
	}{
		{scoring.GateSkill, func(v *volmatch.Volunteer, n *volmatch.Need) { v.Skills = v.Skills[1:] }},
		{scoring.GateCertificate, func(v *volmatch.Volunteer, n *volmatch.Need) { v.Certificates = nil }},
		{scoring.GateTraining, func(v *volmatch.Volunteer, n *volmatch.Need) { v.Trainings = nil }},
		{scoring.GateInsurance, func(v *volmatch.Volunteer, n *volmatch.Need) { v.InsuredUntil = time.Time{} }},
		{scoring.GateLanguage, func(v *volmatch.Volunteer, n *volmatch.Need) { v.Languages = []string{"zh"} }},
		{scoring.GateDistance, func(v *volmatch.Volunteer, n *volmatch.Need) { v.MaxTravelKm = 0.5 }},
		{scoring.GateAvailability, func(v *volmatch.Volunteer, n *volmatch.Need) { v.Availability = volmatch.Week{} }},
	}
	for i := 0; i < 300; i++ {
		v, n := okVolunteer(), okNeed()
		s := n.Shifts[0]
		var want []string
		for _, e := range edits {
			if r.IntN(3) == 0 {
				e.edit(v, n)
				want = append(want, e.gate)
			}
		}
		var held []volmatch.Assignment
		if r.IntN(4) == 0 {
			held = []volmatch.Assignment{{Start: s.Start.Add(-time.Hour), End: s.Start.Add(time.Hour), Status: volmatch.AssignReserved}}
			want = append(want, scoring.GateBusy)
		}
		got := scoring.Failed(v, n, s, held)
		if !slices.Equal(got, want) {
			t.Fatalf("case %d: Failed = %v, want %v", i, got, want)
		}
		first := scoring.Gate(v, n, s)
		if first == "" && len(got) > 0 && got[0] != scoring.GateBusy || first != "" && got[0] != first {
			t.Fatalf("case %d: Gate = %q, Failed = %v: the first must agree", i, first, got)
		}
	}
}
