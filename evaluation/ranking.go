package evaluation

import (
	"math"
	"sort"

	"volmatch"
)

// DefaultK is the cut-off of the ranking metrics when none is given.
const DefaultK = 10

// Positions is the number of rank positions AcceptanceByPosition covers.
const Positions = 20

// PositionStat is the outcome of the candidates shown at one rank position.
type PositionStat struct {
	Rank     int `json:"rank"`     // 1-based
	Shown    int `json:"shown"`    // match.shown at this rank in the window
	Invited  int `json:"invited"`  // of those, invited to the need (at any time)
	Accepted int `json:"accepted"` // of those, accepted a slot of the need
	// AcceptRate = Accepted / Shown; AcceptPerInvite = Accepted / Invited.
	AcceptRate      float64 `json:"accept_rate"`
	AcceptPerInvite float64 `json:"accept_per_invite"`

	// Suppressed names the fields withheld (null in JSON): see Suppressed.
	Suppressed Suppressed `json:"suppressed,omitempty"`
}

// RankingReport measures the ranked lists shown (match.shown in the window)
// against what the shown volunteers did for that need anywhere in the log.
//
// A listing is the match.shown events sharing a Batch id (events without one
// are grouped by need and time), ordered by Rank (ties by volunteer ID). A
// shown volunteer's graded relevance is 2 if they completed (checked out) a
// slot of the need, 1 if they accepted one, 0 otherwise; "relevant" means a
// grade of at least 1.
type RankingReport struct {
	K        int `json:"k"`
	Listings int `json:"listings"` // listings shown in the window
	// Judged listings have at least one relevant candidate; PrecisionAtK,
	// NDCGAtK and MRR are means over them (a listing with no relevant
	// candidate has no ideal order to compare with).
	Judged int `json:"judged"`
	// PrecisionAtK: relevant among the first K, divided by K.
	PrecisionAtK float64 `json:"precision_at_k"`
	// NDCGAtK: DCG@K = Σ_{i≤K} (2^grade_i − 1) / log2(i + 1), divided by the
	// DCG@K of the listing's grades in descending order.
	NDCGAtK float64 `json:"ndcg_at_k"`
	// MRR: 1 / the position of the first relevant candidate.
	MRR float64 `json:"mrr"`
	// ByPosition holds ranks 1..20.
	ByPosition []PositionStat `json:"by_position"`
	// ActiveVolunteers is the distinct volunteers named by any event in the
	// window (shown, invited, reserved, serving ...). ShownVolunteers were
	// shown at least once in the window, ShownTopK at a rank ≤ K.
	// Coverage = ShownVolunteers / ActiveVolunteers and CoverageAtK =
	// ShownTopK / ActiveVolunteers: how widely the recommendations spread
	// over the volunteers who take part.
	ActiveVolunteers int     `json:"active_volunteers"`
	ShownVolunteers  int     `json:"shown_volunteers"`
	ShownTopK        int     `json:"shown_top_k"`
	Coverage         float64 `json:"coverage"`
	CoverageAtK      float64 `json:"coverage_at_k"`

	// Withheld when fewer than Filter.MinGroup people are behind them:
	// Judged and the means over judged listings (the volunteers shown in
	// judged listings), the volunteer counts and coverages (the active
	// volunteers), and per position Accepted and AcceptRate (the
	// volunteers shown at that rank) and AcceptPerInvite (those of them
	// invited). Listings and per position Shown and Invited count what
	// organisations did and stay.

	// Suppressed names the fields withheld (null in JSON): see Suppressed.
	Suppressed Suppressed `json:"suppressed,omitempty"`
}

// Ranking computes the ranking-quality report with cut-off k (DefaultK when
// k < 1).
func Ranking(events []volmatch.Event, f Filter, k int) RankingReport {
	return newLedger(events, f).ranking(k)
}

func (l *ledger) ranking(k int) RankingReport {
	if k < 1 {
		k = DefaultK
	}
	r := RankingReport{K: k}
	invited := map[pairKey]bool{}
	for _, ev := range l.events {
		if ev.Type == volmatch.EventInviteSent {
			invited[pairKey{ev.Need, ev.Volunteer}] = true
		}
	}
	listings := map[string][]*volmatch.Event{}
	active, shown, shownK := map[string]bool{}, map[string]bool{}, map[string]bool{}
	pos := make([]PositionStat, Positions)
	shownAt, invitedAt := make([]map[string]bool, Positions), make([]map[string]bool, Positions)
	for i := range shownAt {
		shownAt[i], invitedAt[i] = map[string]bool{}, map[string]bool{}
	}
	l.window(func(ev *volmatch.Event) {
		if ev.Volunteer != "" {
			active[ev.Volunteer] = true
		}
		if ev.Type != volmatch.EventMatchShown {
			return
		}
		b := ev.Batch
		if b == "" {
			b = ev.Need + "\x00" + ev.At.UTC().Format("2006-01-02T15:04:05.999999999")
		}
		listings[b] = append(listings[b], ev)
		shown[ev.Volunteer] = true
		if ev.Rank >= 1 && ev.Rank <= k {
			shownK[ev.Volunteer] = true
		}
		if ev.Rank >= 1 && ev.Rank <= Positions {
			p := &pos[ev.Rank-1]
			p.Shown++
			shownAt[ev.Rank-1][ev.Volunteer] = true
			pk := pairKey{ev.Need, ev.Volunteer}
			if invited[pk] {
				p.Invited++
				invitedAt[ev.Rank-1][ev.Volunteer] = true
			}
			if l.grade[pk] >= 1 {
				p.Accepted++
			}
		}
	})
	for i := range pos {
		pos[i].Rank = i + 1
		pos[i].AcceptRate = ratio(float64(pos[i].Accepted), float64(pos[i].Shown))
		pos[i].AcceptPerInvite = ratio(float64(pos[i].Accepted), float64(pos[i].Invited))
		if l.small(len(shownAt[i])) {
			withhold(&pos[i], "accepted", "accept_rate", "accept_per_invite")
		} else if l.small(len(invitedAt[i])) {
			withhold(&pos[i], "accept_per_invite")
		}
	}
	judgedPeople := map[string]bool{}
	r.ByPosition = pos
	r.Listings = len(listings)
	var sp, sn, sm float64
	for _, b := range sortedKeys(listings) {
		evs := listings[b]
		sort.SliceStable(evs, func(i, j int) bool {
			if evs[i].Rank != evs[j].Rank {
				return evs[i].Rank < evs[j].Rank
			}
			return evs[i].Volunteer < evs[j].Volunteer
		})
		grades := make([]int, len(evs))
		for i, ev := range evs {
			grades[i] = l.grade[pairKey{ev.Need, ev.Volunteer}]
		}
		p, n, m, ok := ListMetrics(grades, k)
		if !ok {
			continue
		}
		r.Judged++
		sp, sn, sm = sp+p, sn+n, sm+m
		for _, ev := range evs {
			judgedPeople[ev.Volunteer] = true
		}
	}
	r.PrecisionAtK = ratio(sp, float64(r.Judged))
	r.NDCGAtK = ratio(sn, float64(r.Judged))
	r.MRR = ratio(sm, float64(r.Judged))
	r.ActiveVolunteers, r.ShownVolunteers, r.ShownTopK = len(active), len(shown), len(shownK)
	r.Coverage = ratio(float64(len(shown)), float64(len(active)))
	r.CoverageAtK = ratio(float64(len(shownK)), float64(len(active)))
	if l.small(len(judgedPeople)) {
		withhold(&r, "judged", "precision_at_k", "ndcg_at_k", "mrr")
	}
	if l.small(len(active)) {
		withhold(&r, "active_volunteers", "shown_volunteers", "shown_top_k", "coverage", "coverage_at_k")
	}
	return r
}

// ListMetrics returns precision@k, NDCG@k and the reciprocal rank of one
// ranked list of graded relevances (grades[0] is position 1), and ok = false
// when no grade is at least 1 (the list cannot be judged).
func ListMetrics(grades []int, k int) (precision, ndcg, rr float64, ok bool) {
	rel := 0
	for i, g := range grades {
		if g >= 1 {
			if rel == 0 {
				rr = 1 / float64(i+1)
			}
			rel++
			if i < k {
				precision++
			}
		}
	}
	if rel == 0 {
		return 0, 0, 0, false
	}
	ideal := append([]int(nil), grades...)
	sort.Sort(sort.Reverse(sort.IntSlice(ideal)))
	return precision / float64(k), DCG(grades, k) / DCG(ideal, k), rr, true
}

// DCG returns Σ_{i≤k} (2^grade_i − 1) / log2(i + 1) over the first k grades
// (1-based i).
func DCG(grades []int, k int) float64 {
	s := 0.0
	for i, g := range grades {
		if i >= k {
			break
		}
		s += (math.Exp2(float64(g)) - 1) / math.Log2(float64(i+2))
	}
	return s
}
