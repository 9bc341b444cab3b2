package evaluation

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"volmatch"
)

// crowdLog is a week of six needs of O1 in D1 served by 24 of 30
// volunteers: need j shows v[5j+r mod 30] at rank r+1 (r < 20; six
// different volunteers at every rank), invites and reserves its first
// four, who serve a week later (check-out i minutes after 12:00, rated 30 s
// after), so that every group of the reports holds at least six people.
func crowdLog() []volmatch.Event {
	var l []volmatch.Event
	vol := func(i int) string { return fmt.Sprintf("v%02d", i%30) }
	served := 0
	for j := range 6 {
		n := &volmatch.Need{ID: fmt.Sprintf("N%d", j), Org: "O1", District: "D1", Street: "D1S1", Domain: "elderly", TargetGroup: "elderly"}
		l = append(l, posted(n, at(0, 9), 50, volmatch.Shift{ID: "S1", Start: at(7, 9), End: at(7, 12), Slots: 4}))
		var vs []string
		for r := range 20 {
			vs = append(vs, vol(5*j+r))
		}
		l = append(l, shown(n, at(0, 10), fmt.Sprintf("B%d", j), vs...)...)
		for r := range 4 {
			v, inv, asg := vs[r], fmt.Sprintf("I%d%d", j, r), fmt.Sprintf("A%d%d", j, r)
			out := at(7, 12).Add(time.Duration(served) * time.Minute)
			served++
			l = append(l,
				ev(volmatch.EventInviteSent, n, at(0, 11), v, inv, ""),
				ev(volmatch.EventInviteAccepted, n, at(0, 12), v, inv, asg),
				ev(volmatch.EventCheckIn, n, at(7, 9), v, inv, asg),
				withHours(ev(volmatch.EventCheckOut, n, out, v, inv, asg), float64(1+r)),
				withRating(ev(volmatch.EventRated, n, out.Add(30*time.Second), v, inv, asg), 3+r%3))
		}
	}
	return l
}

// suppressedFields returns every "suppressed" list in the JSON of v with
// the path of its cell, and fails when a listed field is not null.
func suppressedFields(t *testing.T, v any) map[string][]string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	var walk func(path string, x any)
	walk = func(path string, x any) {
		switch x := x.(type) {
		case map[string]any:
			if s, ok := x["suppressed"].([]any); ok {
				for _, f := range s {
					name := f.(string)
					if val, ok := x[name]; !ok || val != nil {
						t.Errorf("%s: withheld field %s = %v, want null", path, name, val)
					}
					out[path] = append(out[path], name)
				}
			}
			for k, v := range x {
				walk(path+"."+k, v)
			}
		case []any:
			for i, v := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), v)
			}
		}
	}
	walk("", doc)
	return out
}

// TestMinGroupWide checks that a report whose every group holds at least
// MinGroup people withholds nothing: it equals the report without the rule.
func TestMinGroupWide(t *testing.T) {
	evs := crowdLog()
	for _, f := range []Filter{{}, {District: "D1"}, {From: at(0, 0), To: at(14, 0)}, {Org: "O1", Domain: "elderly"}} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			k := f
			k.MinGroup = DefaultMinGroup
			raw, got := Summary(evs, f), Summary(evs, k)
			raw.Filter = k
			if diff := cmp.Diff(raw, got); diff != "" {
				t.Errorf("Summary with MinGroup %d differs from the raw one (-raw +got):\n%s", k.MinGroup, diff)
			}
			if s := suppressedFields(t, got); len(s) > 0 {
				t.Errorf("Summary withheld %v, want nothing", s)
			}
			if got.Hours.ActiveVolunteers != 24 || got.Rates.Satisfaction.Ratings != 24 || got.Fairness.Gini == 0 {
				t.Errorf("Summary = %d active, %d ratings, Gini %v; want 24, 24, above 0",
					got.Hours.ActiveVolunteers, got.Rates.Satisfaction.Ratings, got.Fairness.Gini)
			}
			if diff := cmp.Diff(By(evs, f, ByOrgKey), By(evs, k, ByOrgKey)); diff != "" {
				t.Errorf("By org with MinGroup differs (-raw +got):\n%s", diff)
			}
		})
	}
}

// TestMinGroupOneVolunteer narrows the window to one minute holding one
// volunteer's check-out and rating: every figure about people is withheld
// (null in JSON, zero in Go, named in suppressed), where without the rule
// it gave that volunteer's hours and rating.
func TestMinGroupOneVolunteer(t *testing.T) {
	evs := crowdLog()
	out := at(7, 12).Add(7 * time.Minute) // the eighth check-out: v08's, 4 h, rated 3
	f := Filter{From: out, To: out.Add(time.Minute), Org: "O1"}
	raw := Summary(evs, f)
	if raw.Hours.Hours != 4 || raw.Hours.ActiveVolunteers != 1 || raw.Rates.Satisfaction.Mean != 3 || raw.Rates.Completed != 1 {
		t.Fatalf("raw Summary of the minute = %v h by %d, mean rating %v, %d completed; want one volunteer's 4 h, rating 3, 1 completed",
			raw.Hours.Hours, raw.Hours.ActiveVolunteers, raw.Rates.Satisfaction.Mean, raw.Rates.Completed)
	}
	f.MinGroup = DefaultMinGroup
	got := Summary(evs, f)
	s := suppressedFields(t, got)
	want := map[string][]string{
		".rates":              {"completed", "no_shows", "cancelled", "resolved", "completion_rate", "no_show_rate", "cancellation_rate"},
		".rates.satisfaction": {"ratings", "mean", "distribution"},
		".hours":              {"hours", "active_volunteers", "hours_per_volunteer", "stars"},
		".fairness":           {"active_volunteers", "gini", "top_decile_share"},
		".funnel.actions[2]":  {"count", "conversion", "drop"},
		".funnel.actions[3]":  {"count", "conversion", "drop"},
		".funnel.actions[4]":  {"count", "conversion", "drop"},
		".funnel.actions[1]":  {"count", "conversion", "drop"},
		".ranking":            {"active_volunteers", "shown_volunteers", "shown_top_k", "coverage", "coverage_at_k"},
		".weekly[0]":          {"filled", "freed", "completed", "hours", "ratings", "mean_rating"},
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("withheld fields mismatch (-want +got):\n%s", diff)
	}
	if got.Hours.Hours != 0 || got.Rates.Satisfaction.Mean != 0 || !got.Hours.Suppressed.Has("hours") {
		t.Errorf("withheld hours = %v (suppressed %v), mean rating %v; want 0, listed", got.Hours.Hours, got.Hours.Suppressed, got.Rates.Satisfaction.Mean)
	}
	g := By(evs, f, ByOrgKey)
	if len(g) != 1 {
		t.Fatalf("By org = %d groups, want 1", len(g))
	}
	if diff := cmp.Diff(Suppressed{"completion_rate", "no_show_rate", "cancellation_rate", "hours", "active_volunteers", "ratings", "mean_rating"}, g[0].Suppressed); diff != "" {
		t.Errorf("By org withheld mismatch (-want +got):\n%s", diff)
	}
	// The same minute under MinGroup 1 (a group of one is enough) shows it all.
	f.MinGroup = 1
	if s := suppressedFields(t, Summary(evs, f)); len(s) > 0 {
		t.Errorf("MinGroup 1 withheld %v, want nothing", s)
	}
}

// TestMinGroupHandLog checks each group's people on the hand log, whose
// groups are small: four volunteers reserved slots of the cohort, seven
// took part.
func TestMinGroupHandLog(t *testing.T) {
	f := Filter{MinGroup: 5}
	r := Rates(handLog(), f)
	// Reserved: v1 v3 v6 v7 (4); answered: v1 v2 v3 v5 v6 (5); resolved:
	// v1 v3 v6 v7 (4); rated: v1 v6 (2).
	if diff := cmp.Diff(Suppressed{"slots_filled", "fill_rate", "completed", "no_shows", "cancelled", "resolved",
		"completion_rate", "no_show_rate", "cancellation_rate"}, r.Suppressed); diff != "" {
		t.Errorf("Rates withheld mismatch (-want +got):\n%s", diff)
	}
	if r.SlotsAsked != 6 || r.AcceptanceRate != 0.6 || !r.Satisfaction.Suppressed.Has("mean") {
		t.Errorf("Rates = asked %d, acceptance %v, satisfaction withheld %v; want 6 asked, 0.6 shown, mean withheld",
			r.SlotsAsked, r.AcceptanceRate, r.Satisfaction.Suppressed)
	}
	fu := Funnel(handLog(), f)
	for i, s := range fu.Needs {
		if withheld := s.Suppressed.Has("count"); withheld != (i >= stageAccepted) {
			t.Errorf("Funnel needs step %s withheld = %v, want %v", s.Key, withheld, i >= stageAccepted)
		}
	}
	if !fu.TimeToFill.Suppressed.Has("median_hours") || fu.Needs[0].Count != 3 {
		t.Errorf("Funnel = time to fill withheld %v, %d posted; want withheld, 3", fu.TimeToFill.Suppressed, fu.Needs[0].Count)
	}

	// Gaps at MinGroup 2: N1's cell has two reservers (v1 v3) and is shown;
	// N2's (v6) and N3's (v7) withhold their fill and follow it, by
	// district, not by their unfilled slots (N3 has 3, which would lead).
	g := Gaps(handLog(), Filter{MinGroup: 2})
	var order []string
	for _, c := range g.Cells {
		order = append(order, fmt.Sprintf("%s/%s/%d/%v", c.District, c.TimeOfWeek, c.Unfilled, c.Suppressed))
	}
	want := []string{"D1/weekday_morning/1/[]", "D1/weekend_evening/0/[filled unfilled fill_rate]", "D2/weekend_afternoon/0/[filled unfilled fill_rate]"}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("Gaps cells mismatch (-want +got):\n%s", diff)
	}
	// Supply: N2's eligible is 4, N3's 2: withheld at 5; N1's 10 shown.
	g = Gaps(handLog(), Filter{MinGroup: 5})
	var supply []string
	for _, c := range g.Cells {
		supply = append(supply, fmt.Sprintf("%s/%s:%v:%v", c.District, c.TimeOfWeek, c.EligibleMean, c.Suppressed.Has("eligible_mean") && c.Suppressed.Has("eligible_per_slot")))
	}
	if diff := cmp.Diff([]string{"D1/weekday_morning:10:false", "D1/weekend_evening:0:true", "D2/weekend_afternoon:0:true"}, supply); diff != "" {
		t.Errorf("Gaps cells' supply mismatch (-want +got):\n%s", diff)
	}
	supply = nil
	for _, d := range g.Districts {
		supply = append(supply, fmt.Sprintf("%s:%v:%v", d.District, d.EligibleMean, d.Suppressed.Has("eligible_mean")))
	}
	if diff := cmp.Diff([]string{"D1:6:false", "D2:0:true"}, supply); diff != "" {
		t.Errorf("Gaps districts' supply mismatch (-want +got):\n%s", diff)
	}

	// Ranking: the ranks hold one or two shown volunteers each.
	rk := Ranking(handLog(), Filter{MinGroup: 2}, 3)
	var pos []string
	for _, p := range rk.ByPosition[:4] {
		pos = append(pos, fmt.Sprintf("%d:%d:%v", p.Rank, p.Shown, p.Suppressed))
	}
	if diff := cmp.Diff([]string{"1:2:[]", "2:2:[]", "3:1:[accepted accept_rate accept_per_invite]", "4:1:[accepted accept_rate accept_per_invite]"}, pos); diff != "" {
		t.Errorf("Ranking positions mismatch (-want +got):\n%s", diff)
	}
}

// TestSuppressedJSON checks the wire form of a withheld cell: null fields,
// a suppressed list, the rest as before, and a round trip back to the
// same Go value.
func TestSuppressedJSON(t *testing.T) {
	w := WeekStat{Week: "2025-W10", Monday: "2025-03-03", Posted: 3, Filled: 2, Hours: 4}
	withhold(&w, "filled", "hours")
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"week":"2025-W10","monday":"2025-03-03","posted":3,"filled":null,"freed":0,"completed":0,"hours":null,"ratings":0,"mean_rating":0,"suppressed":["filled","hours"]}`
	if string(b) != want {
		t.Errorf("json.Marshal(withheld week) =\n%s\nwant\n%s", b, want)
	}
	var back WeekStat
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w, back); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
	// Without withheld fields the form is as it always was.
	b, _ = json.Marshal(WeekStat{Week: "2025-W10"})
	if strings.Contains(string(b), "suppressed") || strings.Contains(string(b), "null") {
		t.Errorf("json.Marshal(plain week) = %s, want no suppressed, no null", b)
	}
}
