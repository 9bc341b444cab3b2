package evaluation

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"volmatch"
)

// The hand log. Monday 2025-03-03 is in ISO week 2025-W10.
//
//	N1  D1 elderly  posted Mon 03-03 09:00, eligible 10, shift S1 Mon 03-10 09–12, 2 slots
//	N2  D2 law      posted Mon 03-03 10:00, eligible 4,  shift S1 Sat 03-08 14–16, 1 slot
//	N3  D1 elderly  posted Tue 03-04 09:00, eligible 2,  shift S1 Sun 03-09 19–21, 3 slots
//
//	B1 shows N1: v1 r1, v2 r2, v3 r3, v4 r4; B2 shows N2: v5 r1, v6 r2.
//	N1: I1 v1, I2 v2, I3 v3 sent; v1 accepts at 11:00 (A1), v2 declines, v3 accepts at 13:00 (A3,
//	    the need is full: 4 h); on 03-10 v1 checks in and out (3 h) and is rated 4; v3 no-shows.
//	N2: I4 v5, I5 v6 sent; v6 accepts at 16:00 (A5, full: 6 h); v5's invitation expires Tue 10:00;
//	    on Sat v6 serves 2 h and is rated 5.
//	N3: a batch reservation of v7 (A6, no invitation) Wed 10:00, cancelled Thu 10:00.
var (
	t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, volmatch.Beijing)
	at = func(day, hour int) time.Time { return t0.AddDate(0, 0, day).Add(time.Duration(hour-9) * time.Hour) }
	n1 = &volmatch.Need{ID: "N1", Org: "O1", District: "D1", Street: "D1S1", Domain: "elderly", TargetGroup: "elderly"}
	n2 = &volmatch.Need{ID: "N2", Org: "O2", District: "D2", Street: "D2S1", Domain: "law", TargetGroup: "residents"}
	n3 = &volmatch.Need{ID: "N3", Org: "O1", District: "D1", Street: "D1S2", Domain: "elderly", TargetGroup: "elderly"}
)

func posted(n *volmatch.Need, t time.Time, eligible int, shifts ...volmatch.Shift) volmatch.Event {
	ev := volmatch.NeedEvent(volmatch.EventNeedPosted, n, t)
	ev.Shifts, ev.Eligible = shifts, eligible
	return ev
}

func ev(typ volmatch.EventType, n *volmatch.Need, t time.Time, vol, inv, asg string) volmatch.Event {
	e := volmatch.NeedEvent(typ, n, t)
	e.Shift, e.Volunteer, e.Invite, e.Assignment = "S1", vol, inv, asg
	return e
}

func shown(n *volmatch.Need, t time.Time, batch string, vols ...string) []volmatch.Event {
	var out []volmatch.Event
	for i, v := range vols {
		e := ev(volmatch.EventMatchShown, n, t, v, "", "")
		e.Batch, e.Rank = batch, i+1
		out = append(out, e)
	}
	return out
}

func withHours(e volmatch.Event, h float64) volmatch.Event { e.Hours = h; return e }
func withRating(e volmatch.Event, r int) volmatch.Event    { e.Rating = r; return e }

func handLog() []volmatch.Event {
	var l []volmatch.Event
	add := func(evs ...volmatch.Event) { l = append(l, evs...) }
	add(posted(n1, at(0, 9), 10, volmatch.Shift{ID: "S1", Start: at(7, 9), End: at(7, 12), Slots: 2}))
	add(shown(n1, at(0, 9).Add(5*time.Minute), "B1", "v1", "v2", "v3", "v4")...)
	add(ev(volmatch.EventInviteSent, n1, at(0, 9).Add(10*time.Minute), "v1", "I1", ""),
		ev(volmatch.EventInviteSent, n1, at(0, 9).Add(10*time.Minute), "v2", "I2", ""),
		ev(volmatch.EventInviteSent, n1, at(0, 9).Add(10*time.Minute), "v3", "I3", ""))
	add(posted(n2, at(0, 10), 4, volmatch.Shift{ID: "S1", Start: at(5, 14), End: at(5, 16), Slots: 1}))
	add(shown(n2, at(0, 10).Add(5*time.Minute), "B2", "v5", "v6")...)
	add(ev(volmatch.EventInviteSent, n2, at(0, 10).Add(10*time.Minute), "v5", "I4", ""),
		ev(volmatch.EventInviteSent, n2, at(0, 10).Add(10*time.Minute), "v6", "I5", ""))
	add(ev(volmatch.EventInviteAccepted, n1, at(0, 11), "v1", "I1", "A1"),
		ev(volmatch.EventInviteDeclined, n1, at(0, 12), "v2", "I2", ""),
		ev(volmatch.EventInviteAccepted, n1, at(0, 13), "v3", "I3", "A3"),
		ev(volmatch.EventInviteAccepted, n2, at(0, 16), "v6", "I5", "A5"))
	add(posted(n3, at(1, 9), 2, volmatch.Shift{ID: "S1", Start: at(6, 19), End: at(6, 21), Slots: 3}))
	add(ev(volmatch.EventInviteExpired, n2, at(1, 10), "v5", "I4", ""),
		ev(volmatch.EventInviteAccepted, n3, at(2, 10), "v7", "", "A6"),
		ev(volmatch.EventCancelled, n3, at(3, 10), "v7", "", "A6"),
		ev(volmatch.EventCheckIn, n2, at(5, 14), "v6", "I5", "A5"),
		withHours(ev(volmatch.EventCheckOut, n2, at(5, 16), "v6", "I5", "A5"), 2),
		withRating(ev(volmatch.EventRated, n2, at(5, 17), "v6", "I5", "A5"), 5),
		ev(volmatch.EventCheckIn, n1, at(7, 9), "v1", "I1", "A1"),
		ev(volmatch.EventNoShow, n1, at(7, 9).Add(30*time.Minute), "v3", "I3", "A3"),
		withHours(ev(volmatch.EventCheckOut, n1, at(7, 12), "v1", "I1", "A1"), 3),
		withRating(ev(volmatch.EventRated, n1, at(7, 13), "v1", "I1", "A1"), 4))
	return l
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func counts(steps []FunnelStep) (c []int, conv []float64, drop []int) {
	for _, s := range steps {
		c, conv, drop = append(c, s.Count), append(conv, s.Conversion), append(drop, s.Drop)
	}
	return
}

func TestFunnel(t *testing.T) {
	r := Funnel(handLog(), Filter{})
	// Needs: N1 and N2 reach rated; N3 reaches accepted (a batch
	// reservation, so shown and invited count too) and no further.
	c, conv, drop := counts(r.Needs)
	if diff := cmp.Diff([]int{3, 3, 3, 3, 2, 2, 2}, c); diff != "" {
		t.Errorf("Funnel needs counts mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{0, 0, 0, 0, 1, 0, 0}, drop); diff != "" {
		t.Errorf("Funnel needs drops mismatch (-want +got):\n%s", diff)
	}
	if !near(conv[4], 2.0/3) || conv[0] != 1 {
		t.Errorf("Funnel needs conversions = %v, want 1 ... 2/3 at checked_in", conv)
	}
	// Actions: 5 invitations, 4 reservations (A1 A3 A5 A6), 2 check-ins,
	// 2 checkouts, 2 ratings.
	c, conv, drop = counts(r.Actions)
	if diff := cmp.Diff([]int{5, 4, 2, 2, 2}, c); diff != "" {
		t.Errorf("Funnel actions counts mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{0, 1, 2, 0, 0}, drop); diff != "" {
		t.Errorf("Funnel action drops mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{1, 0.8, 0.5, 1, 1}, conv); diff != "" {
		t.Errorf("Funnel action conversions mismatch (-want +got):\n%s", diff)
	}
	// First match: N1 2 h, N2 6 h, N3 25 h (Tue 09:00 -> Wed 10:00).
	// Nearest rank over [2 6 25]: median rank ceil(1.5) = 2 -> 6, p90 rank ceil(2.7) = 3 -> 25.
	if diff := cmp.Diff(Durations{Count: 3, Pending: 0, MedianHours: 6, P90Hours: 25}, r.TimeToFirstMatch); diff != "" {
		t.Errorf("TimeToFirstMatch mismatch (-want +got):\n%s", diff)
	}
	// Fill: N1 full at v3's accept (4 h), N2 at 6 h, N3 never (1 of 3, then cancelled).
	// [4 6]: median rank 1 -> 4, p90 rank ceil(1.8) = 2 -> 6.
	if diff := cmp.Diff(Durations{Count: 2, Pending: 1, MedianHours: 4, P90Hours: 6}, r.TimeToFill); diff != "" {
		t.Errorf("TimeToFill mismatch (-want +got):\n%s", diff)
	}
}

func TestFunnelWindowIsCohort(t *testing.T) {
	// From Tue: the cohort is N3 alone, but its accept follows it (25 h).
	r := Funnel(handLog(), Filter{From: at(1, 0)})
	c, _, _ := counts(r.Needs)
	if diff := cmp.Diff([]int{1, 1, 1, 1, 0, 0, 0}, c); diff != "" {
		t.Errorf("Funnel(from Tue) needs counts mismatch (-want +got):\n%s", diff)
	}
	if r.TimeToFirstMatch.MedianHours != 25 || r.TimeToFill.Pending != 1 {
		t.Errorf("Funnel(from Tue) times = %+v / %+v, want median 25, fill pending 1", r.TimeToFirstMatch, r.TimeToFill)
	}
	// Actions from Tue: no invitations, 1 reservation (A6), check-ins A5 A1,
	// checkouts A5 A1, ratings 2.
	c, _, _ = counts(r.Actions)
	if diff := cmp.Diff([]int{0, 1, 2, 2, 2}, c); diff != "" {
		t.Errorf("Funnel(from Tue) actions counts mismatch (-want +got):\n%s", diff)
	}
}

func TestQuantile(t *testing.T) {
	ten := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		name string
		xs   []float64
		q    float64
		want float64
	}{
		{"empty", nil, 0.5, 0},
		{"one", []float64{7}, 0.9, 7},
		{"median of four", []float64{1, 2, 3, 4}, 0.5, 2}, // rank ceil(2) = 2
		{"median of five", []float64{1, 2, 3, 4, 5}, 0.5, 3},
		{"p90 of ten", ten, 0.9, 9},   // rank ceil(9) = 9
		{"p91 of ten", ten, 0.91, 10}, // rank ceil(9.1) = 10
		{"min", ten, 0, 1},
		{"max", ten, 1, 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Quantile(c.xs, c.q); got != c.want {
				t.Errorf("Quantile(%v, %v) = %v, want %v", c.xs, c.q, got, c.want)
			}
		})
	}
}

func TestRates(t *testing.T) {
	for _, c := range []struct {
		name string
		f    Filter
		want RatesReport
	}{
		{
			// Slots 2+1+3 = 6; held at the end: N1 1 (v3 no-showed), N2 1, N3 0 (cancelled).
			// Invitations: accepted I1 I3 I5, declined I2, expired I4 -> 3/5.
			// Resolved: completed A1 A5, no-show A3, cancelled A6.
			"all", Filter{},
			RatesReport{SlotsAsked: 6, SlotsFilled: 2, FillRate: 2.0 / 6,
				InvitesAccepted: 3, InvitesDeclined: 1, InvitesExpired: 1, AcceptanceRate: 0.6,
				Completed: 2, NoShows: 1, Cancelled: 1, Resolved: 4, CompletionRate: 0.5, NoShowRate: 0.25, CancellationRate: 0.25,
				Satisfaction: Satisfaction{Ratings: 2, Mean: 4.5, Distribution: [5]int{0, 0, 0, 1, 1}}},
		},
		{
			"district D2", Filter{District: "D2"},
			RatesReport{SlotsAsked: 1, SlotsFilled: 1, FillRate: 1,
				InvitesAccepted: 1, InvitesExpired: 1, AcceptanceRate: 0.5,
				Completed: 1, Resolved: 1, CompletionRate: 1,
				Satisfaction: Satisfaction{Ratings: 1, Mean: 5, Distribution: [5]int{0, 0, 0, 0, 1}}},
		},
		{
			// Cohort N3 (3 slots, none held); activity from Tue: I4 expired,
			// A6 reserved without invitation then cancelled, A5 and A1 served, A3 no-show.
			"from Tue", Filter{From: at(1, 0)},
			RatesReport{SlotsAsked: 3, SlotsFilled: 0, FillRate: 0,
				InvitesExpired: 1, AcceptanceRate: 0,
				Completed: 2, NoShows: 1, Cancelled: 1, Resolved: 4, CompletionRate: 0.5, NoShowRate: 0.25, CancellationRate: 0.25,
				Satisfaction: Satisfaction{Ratings: 2, Mean: 4.5, Distribution: [5]int{0, 0, 0, 1, 1}}},
		},
		{
			// Only Monday: cohort N1 N2; no resolution yet.
			"Monday", Filter{From: t0.Add(-9 * time.Hour), To: at(1, 0)},
			RatesReport{SlotsAsked: 3, SlotsFilled: 2, FillRate: 2.0 / 3,
				InvitesAccepted: 3, InvitesDeclined: 1, AcceptanceRate: 0.75},
		},
		{"org O2", Filter{Org: "O2", Domain: "elderly"}, RatesReport{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Rates(handLog(), c.f)
			if !near(got.FillRate, c.want.FillRate) {
				t.Errorf("Rates(%s).FillRate = %v, want %v", c.name, got.FillRate, c.want.FillRate)
			}
			got.FillRate = c.want.FillRate
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("Rates(%s) mismatch (-want +got):\n%s", c.name, diff)
			}
		})
	}
}

func TestHoursAndFairness(t *testing.T) {
	// Hand log: v1 3 h, v6 2 h. Gini of [2 3]: Σ|xi−xj| over ordered pairs = 2,
	// / (2·2²·2.5) = 0.1. Top 10% = ceil(0.2) = 1 volunteer: 3/5.
	h := Hours(handLog(), Filter{})
	if diff := cmp.Diff(HoursReport{Hours: 5, ActiveVolunteers: 2, HoursPerVolunteer: 2.5, Stars: [6]int{2}}, h); diff != "" {
		t.Errorf("Hours(all) mismatch (-want +got):\n%s", diff)
	}
	fr := Fairness(handLog(), Filter{})
	if fr.ActiveVolunteers != 2 || !near(fr.Gini, 0.1) || !near(fr.TopDecileShare, 0.6) {
		t.Errorf("Fairness(all) = %+v, want 2 active, gini 0.1, top decile 0.6", fr)
	}

	// Stars: v1 80 h (day 0) + 30 h (day 10), v2 310 h (day 2), v3 5 h (day 10).
	n := &volmatch.Need{ID: "N", District: "D"}
	co := func(day int, v string, hrs float64) volmatch.Event {
		return withHours(ev(volmatch.EventCheckOut, n, at(day, 12), v, "", v+string(rune('a'+day))), hrs)
	}
	log := []volmatch.Event{co(0, "v1", 80), co(2, "v2", 310), co(10, "v1", 30), co(10, "v3", 5)}
	for _, c := range []struct {
		name string
		f    Filter
		want HoursReport
		gini float64
		top  float64
	}{
		// v1 110 h -> 1 star, v2 310 h -> 2 stars, v3 0 stars.
		// Gini [5 110 310]: pairs 105+305+200 = 610, ×2 / (2·9·425/3) = 1220/2550.
		{"all", Filter{}, HoursReport{Hours: 425, ActiveVolunteers: 3, HoursPerVolunteer: 425.0 / 3, Stars: [6]int{1, 1, 1}}, 1220.0 / 2550, 310.0 / 425},
		// From day 5: v1 30 h and v3 5 h are active; v1's stars count all 110 h.
		// Gini [5 30]: 2·25 / (2·4·17.5) = 50/140.
		{"from day 5", Filter{From: at(5, 0)}, HoursReport{Hours: 35, ActiveVolunteers: 2, HoursPerVolunteer: 17.5, Stars: [6]int{1, 1}}, 50.0 / 140, 30.0 / 35},
		// Up to day 5: v1 80 h (0 stars), v2 310 h (2 stars).
		{"to day 5", Filter{To: at(5, 0)}, HoursReport{Hours: 390, ActiveVolunteers: 2, HoursPerVolunteer: 195, Stars: [6]int{1, 0, 1}}, 230.0 * 2 / (2 * 4 * 195), 310.0 / 390},
		{"empty", Filter{District: "X"}, HoursReport{}, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Hours(log, c.f)
			if !near(got.HoursPerVolunteer, c.want.HoursPerVolunteer) {
				t.Errorf("Hours(%s).HoursPerVolunteer = %v, want %v", c.name, got.HoursPerVolunteer, c.want.HoursPerVolunteer)
			}
			got.HoursPerVolunteer = c.want.HoursPerVolunteer
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("Hours(%s) mismatch (-want +got):\n%s", c.name, diff)
			}
			if got := Fairness(log, c.f); !near(got.Gini, c.gini) || !near(got.TopDecileShare, c.top) {
				t.Errorf("Fairness(%s) = %+v, want gini %v top %v", c.name, got, c.gini, c.top)
			}
		})
	}
}

func TestGiniTopShare(t *testing.T) {
	for _, c := range []struct {
		name      string
		xs        []float64
		gini, top float64
	}{
		{"empty", nil, 0, 0},
		{"all zero", []float64{0, 0}, 0, 0},
		{"equal", []float64{4, 4, 4, 4}, 0, 0.25},
		// One of four does all: Σ|xi−xj| = 6·10 = 60, / (2·16·2.5) = 0.75.
		{"one does all", []float64{0, 0, 10, 0}, 0.75, 1},
		// Eleven values: the top 10% is ceil(1.1) = 2 values.
		{"eleven", []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 10}, 90.0 * 2 / (2 * 121 * 20.0 / 11), 11.0 / 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			if g := Gini(c.xs); !near(g, c.gini) {
				t.Errorf("Gini(%v) = %v, want %v", c.xs, g, c.gini)
			}
			if s := TopShare(c.xs, 0.1); !near(s, c.top) {
				t.Errorf("TopShare(%v, 0.1) = %v, want %v", c.xs, s, c.top)
			}
		})
	}
}

func TestGaps(t *testing.T) {
	r := Gaps(handLog(), Filter{})
	// N3 Sun 19:00 -> weekend evening, 3 unfilled; N1 Mon 09:00 -> weekday
	// morning, 1 of 2 unfilled; N2 Sat 14:00 -> weekend afternoon, full.
	want := []GapCell{
		{District: "D1", Domain: "elderly", TimeOfWeek: "weekend_evening", Needs: 1, Slots: 3, Filled: 0, Unfilled: 3, FillRate: 0, EligibleMean: 2, EligiblePerSlot: 2.0 / 3},
		{District: "D1", Domain: "elderly", TimeOfWeek: "weekday_morning", Needs: 1, Slots: 2, Filled: 1, Unfilled: 1, FillRate: 0.5, EligibleMean: 10, EligiblePerSlot: 5},
		{District: "D2", Domain: "law", TimeOfWeek: "weekend_afternoon", Needs: 1, Slots: 1, Filled: 1, Unfilled: 0, FillRate: 1, EligibleMean: 4, EligiblePerSlot: 4},
	}
	if diff := cmp.Diff(want, r.Cells); diff != "" {
		t.Errorf("Gaps cells mismatch (-want +got):\n%s", diff)
	}
	wantD := []DistrictGap{
		{District: "D1", Needs: 2, Slots: 5, Filled: 1, Unfilled: 4, FillRate: 0.2, EligibleMean: 6},
		{District: "D2", Needs: 1, Slots: 1, Filled: 1, Unfilled: 0, FillRate: 1, EligibleMean: 4},
	}
	if diff := cmp.Diff(wantD, r.Districts); diff != "" {
		t.Errorf("Gaps districts mismatch (-want +got):\n%s", diff)
	}
	if len(r.Buckets) != 8 {
		t.Errorf("Gaps buckets = %d, want 8", len(r.Buckets))
	}
}

func TestTimeOfWeek(t *testing.T) {
	for _, c := range []struct {
		name string
		t    time.Time
		want string
	}{
		{"Monday midnight", time.Date(2025, 3, 3, 0, 0, 0, 0, volmatch.Beijing), "weekday_night"},
		{"Friday 17:59", time.Date(2025, 3, 7, 17, 59, 0, 0, volmatch.Beijing), "weekday_afternoon"},
		{"Friday 18:00", time.Date(2025, 3, 7, 18, 0, 0, 0, volmatch.Beijing), "weekday_evening"},
		{"Saturday 06:00", time.Date(2025, 3, 8, 6, 0, 0, 0, volmatch.Beijing), "weekend_morning"},
		// 2025-03-09 23:30 UTC is Monday 07:30 in Beijing.
		{"Sunday night in UTC", time.Date(2025, 3, 9, 23, 30, 0, 0, time.UTC), "weekday_morning"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := TimeOfWeekBuckets[TimeOfWeek(c.t)].Key; got != c.want {
				t.Errorf("TimeOfWeek(%v) = %q, want %q", c.t, got, c.want)
			}
		})
	}
}

func TestRanking(t *testing.T) {
	r := Ranking(handLog(), Filter{}, 3)
	// B1 grades [2 0 1 0]: P@3 = 2/3; DCG@3 = 3/log2(2) + 1/log2(4) = 3.5;
	//   ideal [2 1 0 0]: 3 + 1/log2(3) = 3.630930; NDCG 0.963940; RR 1.
	// B2 grades [0 2]: P@3 = 1/3; DCG = 3/log2(3) = 1.892789, ideal 3: NDCG 0.630930; RR 1/2.
	if r.K != 3 || r.Listings != 2 || r.Judged != 2 {
		t.Errorf("Ranking k/listings/judged = %d/%d/%d, want 3/2/2", r.K, r.Listings, r.Judged)
	}
	if !near(r.PrecisionAtK, 0.5) || !near(r.NDCGAtK, 0.7974350934) || !near(r.MRR, 0.75) {
		t.Errorf("Ranking P/NDCG/MRR = %v/%v/%v, want 0.5/0.797435/0.75", r.PrecisionAtK, r.NDCGAtK, r.MRR)
	}
	// Rank 1: v1 (accepted) and v5 (expired); rank 2: v2 (declined) and v6
	// (accepted); rank 3: v3 (accepted); rank 4: v4 (not invited).
	want := []PositionStat{
		{Rank: 1, Shown: 2, Invited: 2, Accepted: 1, AcceptRate: 0.5, AcceptPerInvite: 0.5},
		{Rank: 2, Shown: 2, Invited: 2, Accepted: 1, AcceptRate: 0.5, AcceptPerInvite: 0.5},
		{Rank: 3, Shown: 1, Invited: 1, Accepted: 1, AcceptRate: 1, AcceptPerInvite: 1},
		{Rank: 4, Shown: 1},
	}
	if diff := cmp.Diff(want, r.ByPosition[:4]); diff != "" {
		t.Errorf("Ranking by position mismatch (-want +got):\n%s", diff)
	}
	if len(r.ByPosition) != Positions || !cmp.Equal(r.ByPosition[19], PositionStat{Rank: 20}) {
		t.Errorf("Ranking by position has %d entries, last %+v; want 20, rank 20 empty", len(r.ByPosition), r.ByPosition[len(r.ByPosition)-1])
	}
	// Active: v1..v7 (v7 by the batch reservation); shown v1..v6; top 3: v1 v2 v3 v5 v6.
	if r.ActiveVolunteers != 7 || r.ShownVolunteers != 6 || r.ShownTopK != 5 || !near(r.Coverage, 6.0/7) || !near(r.CoverageAtK, 5.0/7) {
		t.Errorf("Ranking coverage = %d/%d/%d %v %v, want 7/6/5 6/7 5/7", r.ActiveVolunteers, r.ShownVolunteers, r.ShownTopK, r.Coverage, r.CoverageAtK)
	}
	// Filtered to D2: B2 only.
	r = Ranking(handLog(), Filter{District: "D2"}, 1)
	if r.Judged != 1 || r.PrecisionAtK != 0 || r.NDCGAtK != 0 || r.MRR != 0.5 {
		t.Errorf("Ranking(D2, k=1) = %+v, want judged 1, P@1 0, NDCG@1 0, MRR 0.5", r)
	}
}

func TestListMetrics(t *testing.T) {
	for _, c := range []struct {
		name        string
		grades      []int
		k           int
		p, ndcg, rr float64
		ok          bool
	}{
		{"nothing relevant", []int{0, 0}, 2, 0, 0, 0, false},
		{"ideal order", []int{2, 1, 0}, 2, 1, 1, 1, true},
		{"relevant below k", []int{0, 1}, 1, 0, 0, 0.5, true},
		{"best second", []int{1, 2}, 2, 1, (1 + 3/math.Log2(3)) / (3 + 1/math.Log2(3)), 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, n, rr, ok := ListMetrics(c.grades, c.k)
			if ok != c.ok || !near(p, c.p) || !near(n, c.ndcg) || !near(rr, c.rr) {
				t.Errorf("ListMetrics(%v, %d) = %v %v %v %v, want %v %v %v %v", c.grades, c.k, p, n, rr, ok, c.p, c.ndcg, c.rr, c.ok)
			}
		})
	}
}

func TestWeekly(t *testing.T) {
	got := Weekly(handLog(), Filter{})
	// W10 (03-03..03-09): 3 posted, 4 reserved (A1 A3 A5 A6), A6 cancelled,
	// A5 served 2 h and rated 5. W11: A3 no-show, A1 served 3 h, rated 4.
	want := []WeekStat{
		{Week: "2025-W10", Monday: "2025-03-03", Posted: 3, Filled: 4, Freed: 1, Completed: 1, Hours: 2, Ratings: 1, MeanRating: 5},
		{Week: "2025-W11", Monday: "2025-03-10", Freed: 1, Completed: 1, Hours: 3, Ratings: 1, MeanRating: 4},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Weekly mismatch (-want +got):\n%s", diff)
	}
	// An empty week between two active ones is listed; a Sunday 23:30 in
	// Beijing (15:30 UTC) belongs to its week, not the next.
	n := &volmatch.Need{ID: "N"}
	log := []volmatch.Event{
		volmatch.NeedEvent(volmatch.EventNeedPosted, n, time.Date(2024, 12, 29, 15, 30, 0, 0, time.UTC)),
		volmatch.NeedEvent(volmatch.EventNeedPosted, n, time.Date(2025, 1, 13, 1, 0, 0, 0, volmatch.Beijing)),
	}
	got = Weekly(log, Filter{})
	if len(got) != 4 || got[0].Week != "2024-W52" || got[0].Posted != 1 || got[1].Week != "2025-W01" || got[1].Posted != 0 ||
		got[2].Week != "2025-W02" || got[3].Week != "2025-W03" || got[3].Posted != 1 {
		t.Errorf("Weekly(gap) = %+v, want 2024-W52, 2025-W01 and W02 (empty), 2025-W03", got)
	}
	if got := Weekly(nil, Filter{}); got == nil || len(got) != 0 {
		t.Errorf("Weekly(nil) = %#v, want an empty non-nil slice", got)
	}
}

func TestByDistrict(t *testing.T) {
	got := ByDistrict(handLog(), Filter{})
	if len(got) != 2 || got[0].Key != "D1" || got[1].Key != "D2" {
		t.Fatalf("ByDistrict keys = %+v, want D1, D2", got)
	}
	// D1: N1 + N3: 5 slots, 1 held; eligible (10+2)/2; resolved A1 done, A3
	// no-show, A6 cancelled; v1 3 h rated 4; fill: N1 4 h.
	d1 := GroupReport{Key: "D1", Needs: 2, SlotsAsked: 5, SlotsFilled: 1, Unfilled: 4, FillRate: 0.2, EligibleMean: 6,
		CompletionRate: 1.0 / 3, NoShowRate: 1.0 / 3, CancellationRate: 1.0 / 3, Hours: 3, ActiveVolunteers: 1,
		Ratings: 1, MeanRating: 4, MedianHoursToFill: 4}
	if g := got[0]; !near(g.CompletionRate, d1.CompletionRate) || !near(g.NoShowRate, d1.NoShowRate) || !near(g.CancellationRate, d1.CancellationRate) {
		t.Errorf("ByDistrict D1 = %+v, want %+v", g, d1)
	} else {
		g.CompletionRate, g.NoShowRate, g.CancellationRate = d1.CompletionRate, d1.NoShowRate, d1.CancellationRate
		if diff := cmp.Diff(d1, g); diff != "" {
			t.Errorf("ByDistrict D1 mismatch (-want +got):\n%s", diff)
		}
	}
	if got := By(handLog(), Filter{}, "colour"); got != nil {
		t.Errorf("By(colour) = %v, want nil", got)
	}
	dom := By(handLog(), Filter{}, ByDomainKey)
	if len(dom) != 2 || dom[0].Key != "elderly" || dom[1].Key != "law" || dom[1].FillRate != 1 {
		t.Errorf("By(domain) = %+v, want elderly, law (fill 1)", dom)
	}
}

func TestSummaryDeterministicJSON(t *testing.T) {
	a, err := json.Marshal(Summary(handLog(), Filter{}))
	if err != nil {
		t.Fatal(err)
	}
	// Seq set and the slice shuffled: log order is restored from Seq.
	log := handLog()
	for i := range log {
		log[i].Seq = uint64(i + 1)
	}
	for i, j := 0, len(log)-1; i < j; i, j = i+1, j-1 {
		log[i], log[j] = log[j], log[i]
	}
	b, _ := json.Marshal(Summary(log, Filter{}))
	if string(a) != string(b) {
		t.Errorf("Summary differs after shuffling a log with Seq:\n%s\n%s", a, b)
	}
	var m map[string]any
	if err := json.Unmarshal(a, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"filter", "funnel", "rates", "hours", "fairness", "gaps", "ranking", "weekly"} {
		if _, ok := m[k]; !ok {
			t.Errorf("Summary JSON lacks %q", k)
		}
	}
	s := Summary(handLog(), Filter{})
	if s.Rates.SlotsFilled != 2 || s.Ranking.K != DefaultK || s.Funnel.TimeToFill.Count != 2 {
		t.Errorf("Summary = rates %+v ranking k %d fill %+v", s.Rates, s.Ranking.K, s.Funnel.TimeToFill)
	}
}
