package evaluation_test

import (
	"fmt"
	"time"

	"volmatch"
	"volmatch/evaluation"
)

// exampleLog is a week of one need's life: posted on Monday with one shift
// of two slots on Saturday, three volunteers shown, two invited; one
// accepts, one declines; the one who accepted serves three hours and is
// rated 5. A second need, posted on Tuesday in another district, is shown
// to nobody.
func exampleLog() []volmatch.Event {
	mon := time.Date(2026, 11, 2, 9, 0, 0, 0, volmatch.Beijing)
	sat := mon.AddDate(0, 0, 5)
	elderly := &volmatch.Need{ID: "N1", Org: "O1", District: "110105", Domain: "elderly_care", TargetGroup: volmatch.TargetElderly}
	law := &volmatch.Need{ID: "N2", Org: "O2", District: "110108", Domain: "legal_aid", TargetGroup: volmatch.TargetResidents}
	ev := func(typ volmatch.EventType, at time.Time, vol, inv, asg string) volmatch.Event {
		e := volmatch.NeedEvent(typ, elderly, at)
		e.Shift, e.Volunteer, e.Invite, e.Assignment = "s1", vol, inv, asg
		return e
	}
	posted := volmatch.NeedEvent(volmatch.EventNeedPosted, elderly, mon)
	posted.Shifts = []volmatch.Shift{{ID: "s1", Start: sat.Add(time.Hour), End: sat.Add(4 * time.Hour), Slots: 2}}
	posted.Eligible = 12
	posted2 := volmatch.NeedEvent(volmatch.EventNeedPosted, law, mon.AddDate(0, 0, 1))
	posted2.Shifts = []volmatch.Shift{{ID: "s1", Start: sat, End: sat.Add(2 * time.Hour), Slots: 1}}
	log := []volmatch.Event{posted, posted2}
	for rank, v := range []string{"V1", "V2", "V3"} {
		e := ev(volmatch.EventMatchShown, mon.Add(time.Minute), v, "", "")
		e.Batch, e.Rank = "B1", rank+1
		log = append(log, e)
	}
	checkout := ev(volmatch.EventCheckOut, sat.Add(4*time.Hour), "V1", "I1", "A1")
	checkout.Hours = 3
	rated := ev(volmatch.EventRated, sat.Add(5*time.Hour), "V1", "I1", "A1")
	rated.Rating = 5
	return append(log,
		ev(volmatch.EventInviteSent, mon.Add(2*time.Minute), "V1", "I1", ""),
		ev(volmatch.EventInviteSent, mon.Add(2*time.Minute), "V2", "I2", ""),
		ev(volmatch.EventInviteAccepted, mon.Add(3*time.Hour), "V1", "I1", "A1"),
		ev(volmatch.EventInviteDeclined, mon.Add(5*time.Hour), "V2", "I2", ""),
		ev(volmatch.EventCheckIn, sat.Add(time.Hour), "V1", "I1", "A1"),
		checkout, rated)
}

// The funnel follows the needs posted in the window from posting to rating,
// and counts the actions taken in it.
func ExampleFunnel() {
	r := evaluation.Funnel(exampleLog(), evaluation.Filter{})
	fmt.Println("needs reaching each step (share of the step before):")
	for _, s := range r.Needs {
		fmt.Printf("  %-10s %d (%.0f%%)\n", s.Key, s.Count, 100*s.Conversion)
	}
	fmt.Printf("first match after %.0f h (median); %d need(s) still waiting\n",
		r.TimeToFirstMatch.MedianHours, r.TimeToFirstMatch.Pending)
	// Output:
	// needs reaching each step (share of the step before):
	//   posted     2 (100%)
	//   shown      1 (50%)
	//   invited    1 (100%)
	//   accepted   1 (100%)
	//   checked_in 1 (100%)
	//   completed  1 (100%)
	//   rated      1 (100%)
	// first match after 3 h (median); 1 need(s) still waiting
}

// A filter narrows every report to a district, domain, organisation or time
// window; Rates gives fill, acceptance, completion and satisfaction.
func ExampleRates() {
	for _, f := range []evaluation.Filter{{}, {District: "110105"}} {
		r := evaluation.Rates(exampleLog(), f)
		fmt.Printf("district %q: %d of %d slots filled, %.0f%% of invitations accepted, %d completed, mean rating %.1f\n",
			f.District, r.SlotsFilled, r.SlotsAsked, 100*r.AcceptanceRate, r.Completed, r.Satisfaction.Mean)
	}
	// Output:
	// district "": 1 of 3 slots filled, 50% of invitations accepted, 1 completed, mean rating 5.0
	// district "110105": 1 of 2 slots filled, 50% of invitations accepted, 1 completed, mean rating 5.0
}

// Summary gathers every report over one filter, ready to serve as JSON.
func ExampleSummary() {
	s := evaluation.Summary(exampleLog(), evaluation.Filter{District: "110105"})
	fmt.Printf("hours %.0f by %d volunteer(s); fill rate %.2f; NDCG@%d %.2f over %d listing(s)\n",
		s.Hours.Hours, s.Hours.ActiveVolunteers, s.Rates.FillRate, s.Ranking.K, s.Ranking.NDCGAtK, s.Ranking.Listings)
	// Output:
	// hours 3 by 1 volunteer(s); fill rate 0.50; NDCG@10 1.00 over 1 listing(s)
}
