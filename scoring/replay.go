package scoring

import (
	"math"
	"sort"
	"time"

	"volmatch"
)

// ReasonShiftFull is the Reason of an invite.expired whose acceptance came
// after the shift had filled (the store refuses it): the volunteer said yes,
// so it is no negative and SamplesFromEvents and Replay leave it out.
const ReasonShiftFull = "shift_full"

// labelled is one shown candidate whose invitation has an outcome.
type labelled struct {
	shown *volmatch.Event // the match.shown the invitation followed
	grade int             // 2 completed, 1 accepted (not completed), 0 declined/expired
	done  bool            // the outcome is final for Fit: completed, no-show, declined, expired
	pos   bool            // completed
	known time.Time       // when the outcome became final (the At of its event)
}

// outcomes joins each invitation in the log to the latest match.shown of
// its (need, volunteer) before it and to what followed: accepted, then
// checked out or a no-show; declined; expired. Invitations with no shown
// listing, still open, or expired for a full shift are left out. The result
// is in the order the invitations were sent.
func outcomes(events []volmatch.Event) []*labelled {
	evs := make([]*volmatch.Event, len(events))
	seq := false
	for i := range events {
		evs[i] = &events[i]
		seq = seq || events[i].Seq != 0
	}
	if seq {
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
	}
	type pair struct{ need, vol string }
	last := map[pair]*volmatch.Event{}
	byInvite := map[string]*labelled{}
	byAsg := map[string]*labelled{}
	var out []*labelled
	for _, ev := range evs {
		switch ev.Type {
		case volmatch.EventMatchShown:
			last[pair{ev.Need, ev.Volunteer}] = ev
		case volmatch.EventInviteSent:
			s := last[pair{ev.Need, ev.Volunteer}]
			if s == nil || ev.Invite == "" || byInvite[ev.Invite] != nil {
				continue
			}
			l := &labelled{shown: s, grade: -1}
			byInvite[ev.Invite] = l
			out = append(out, l)
		case volmatch.EventInviteDeclined:
			if l := byInvite[ev.Invite]; l != nil && l.grade < 0 {
				l.grade, l.done, l.known = 0, true, ev.At
			}
		case volmatch.EventInviteExpired:
			if l := byInvite[ev.Invite]; l != nil && l.grade < 0 && ev.Reason != ReasonShiftFull {
				l.grade, l.done, l.known = 0, true, ev.At
			}
		case volmatch.EventInviteAccepted:
			if l := byInvite[ev.Invite]; l != nil && l.grade < 0 {
				l.grade = 1
				if ev.Assignment != "" {
					byAsg[ev.Assignment] = l
				}
			}
		case volmatch.EventCheckOut:
			if l := byAsg[ev.Assignment]; l != nil {
				l.grade, l.done, l.pos, l.known = 2, true, true, ev.At
			}
		case volmatch.EventNoShow:
			if l := byAsg[ev.Assignment]; l != nil && l.grade == 1 {
				l.done, l.known = true, ev.At
			}
		}
	}
	kept := out[:0]
	for _, l := range out {
		if l.grade >= 0 {
			kept = append(kept, l)
		}
	}
	return kept
}

// SamplesFromEvents extracts the training samples of Fit from an event log:
// for every invitation that followed a match.shown of the same need and
// volunteer (the latest one before it) and has a final outcome, the shown
// breakdown's values and the label: positive when the volunteer accepted and
// completed (checked out), negative when they declined, let the invitation
// expire (not for a full shift) or did not show up. Cancelled and still open
// assignments give no sample. Samples come in the order the invitations were
// sent.
func SamplesFromEvents(events []volmatch.Event) []Sample {
	var out []Sample
	for _, l := range outcomes(events) {
		if !l.done {
			continue
		}
		out = append(out, Sample{Batch: batchOf(l.shown), Need: l.shown.Need, Volunteer: l.shown.Volunteer,
			At: l.shown.At, Known: l.known, X: Values(l.shown.Breakdown), Positive: l.pos})
	}
	return out
}

// batchOf returns the listing a match.shown belongs to: its Batch, or its
// need and time when it has none.
func batchOf(ev *volmatch.Event) string {
	if ev.Batch != "" {
		return ev.Batch
	}
	return ev.Need + "@" + ev.At.UTC().Format("2006-01-02T15:04:05.999999999")
}

// ReplayReport compares how a weight set would have ordered the logged
// candidates against what they did.
type ReplayReport struct {
	K int `json:"k"`
	// Listings is the batches replayed: those with at least one labelled
	// candidate of grade ≥ 1; Candidates the labelled candidates in them.
	Listings   int `json:"listings"`
	Candidates int `json:"candidates"`
	// NDCGAtK and MRR of the re-ranked labelled candidates (see Replay);
	// LoggedNDCGAtK of the same candidates in their logged order.
	NDCGAtK       float64 `json:"ndcg_at_k"`
	MRR           float64 `json:"mrr"`
	LoggedNDCGAtK float64 `json:"logged_ndcg_at_k"`
}

// Replay re-ranks each logged listing (the match.shown events of a Batch)
// by the weights w and measures NDCG@k (k < 1 means 10) and MRR against the
// logged outcomes, averaged over the listings with a relevant candidate.
//
// Only the labelled candidates of a listing take part: those invited after
// being shown whose invitation has an outcome, graded 2 when they completed,
// 1 when they accepted but did not complete, 0 when they declined or let it
// expire. A candidate never invited has no outcome; counting them as
// irrelevant would favour the weights that chose whom to invite (the
// logging policy) over any other. The score of a candidate is Σ w·value over
// its logged breakdown; ties keep the logged rank order.
func Replay(events []volmatch.Event, w Weights, k int) ReplayReport {
	return ReplayBatches(events, w, k, nil)
}

// ReplayBatches is Replay over the listings whose batch keep accepts (all
// when keep is nil), e.g. FitResult.HeldOutBatches.
func ReplayBatches(events []volmatch.Event, w Weights, k int, keep func(batch string) bool) ReplayReport {
	if k < 1 {
		k = 10
	}
	r := ReplayReport{K: k}
	var sn, sm, sl float64
	for _, l := range ReplayListings(events, w, k, keep) {
		r.Listings++
		r.Candidates += l.Candidates
		sn, sm, sl = sn+l.NDCG, sm+l.RR, sl+l.LoggedNDCG
	}
	if r.Listings > 0 {
		f := float64(r.Listings)
		r.NDCGAtK, r.MRR, r.LoggedNDCGAtK = sn/f, sm/f, sl/f
	}
	return r
}

// ListingScore is one replayed listing: how the weights ordered its
// labelled candidates (see Replay).
type ListingScore struct {
	Batch string    `json:"batch"`
	Need  string    `json:"need"`
	At    time.Time `json:"at"` // when the listing was shown (its first match.shown)
	// Candidates is the labelled candidates of the listing.
	Candidates int `json:"candidates"`
	// NDCG@k and the reciprocal rank of the re-ranked candidates;
	// LoggedNDCG of the same candidates in their logged order.
	NDCG       float64 `json:"ndcg"`
	RR         float64 `json:"rr"`
	LoggedNDCG float64 `json:"logged_ndcg"`
}

// ReplayListings is ReplayBatches listing by listing, in batch order: only
// the listings with a labelled candidate of grade ≥ 1 (k < 1 means 10). The
// set of listings does not depend on w, so the listings of two weight sets
// pair up one to one.
func ReplayListings(events []volmatch.Event, w Weights, k int, keep func(batch string) bool) []ListingScore {
	if k < 1 {
		k = 10
	}
	wv := w.Vector()
	type cand struct {
		rank  int
		vol   string
		score float64
		grade int
	}
	type list struct {
		need  string
		at    time.Time
		cands []cand
	}
	lists := map[string]*list{}
	for _, l := range outcomes(events) {
		b := batchOf(l.shown)
		if keep != nil && !keep(b) {
			continue
		}
		ls := lists[b]
		if ls == nil {
			ls = &list{need: l.shown.Need, at: l.shown.At}
			lists[b] = ls
		}
		if l.shown.At.Before(ls.at) {
			ls.at = l.shown.At
		}
		ls.cands = append(ls.cands, cand{rank: l.shown.Rank, vol: l.shown.Volunteer,
			score: dot(wv, Values(l.shown.Breakdown)), grade: l.grade})
	}
	bs := make([]string, 0, len(lists))
	for b := range lists {
		bs = append(bs, b)
	}
	sort.Strings(bs)
	var out []ListingScore
	for _, b := range bs {
		cs := lists[b].cands
		logged := func(i, j int) bool {
			if cs[i].rank != cs[j].rank {
				return cs[i].rank < cs[j].rank
			}
			return cs[i].vol < cs[j].vol
		}
		sort.SliceStable(cs, logged)
		lg := grades(len(cs), func(i int) int { return cs[i].grade })
		sort.SliceStable(cs, func(i, j int) bool {
			if cs[i].score != cs[j].score {
				return cs[i].score > cs[j].score
			}
			return logged(i, j)
		})
		g := grades(len(cs), func(i int) int { return cs[i].grade })
		n, rr, ok := ndcg(g, k)
		if !ok {
			continue
		}
		ln, _, _ := ndcg(lg, k)
		out = append(out, ListingScore{Batch: b, Need: lists[b].need, At: lists[b].at, Candidates: len(cs),
			NDCG: n, RR: rr, LoggedNDCG: ln})
	}
	return out
}

func grades(n int, at func(int) int) []int {
	g := make([]int, n)
	for i := range g {
		g[i] = at(i)
	}
	return g
}

// ndcg returns NDCG@k (gains 2^grade − 1, discount log2(i+1)) and the
// reciprocal rank of the first grade ≥ 1; ok is false when no grade is ≥ 1.
func ndcg(g []int, k int) (float64, float64, bool) {
	rr := 0.0
	for i, x := range g {
		if x >= 1 {
			rr = 1 / float64(i+1)
			break
		}
	}
	if rr == 0 {
		return 0, 0, false
	}
	ideal := append([]int(nil), g...)
	sort.Sort(sort.Reverse(sort.IntSlice(ideal)))
	return dcg(g, k) / dcg(ideal, k), rr, true
}

func dcg(g []int, k int) float64 {
	s := 0.0
	for i := 0; i < len(g) && i < k; i++ {
		s += (math.Exp2(float64(g[i])) - 1) / math.Log2(float64(i+2))
	}
	return s
}
