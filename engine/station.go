package engine

import (
	"context"
	"sort"
	"time"

	"volmatch"
)

// The station map (志愿服务站点地图, §8): every role sees the service
// stations (public places) with their opening hours and services (the
// domains of the needs posted at them, most frequent first), and the open
// needs at each that tok may see; a volunteer finds the stations near them
// with the needs they can still sign up for.

// StationView is a station as the map and the lists show it.
type StationView struct {
	Station *volmatch.Station `json:"station"`
	// DistanceKm is the distance from the point asked about, to
	// volmatch.ShownKmStep (0 when no point was given).
	DistanceKm float64 `json:"distance_km,omitempty"`
	// Services are the domain keys of the needs posted at the station,
	// the most frequent first (ties by key).
	Services []string `json:"services"`
	// Open are the station's open needs tok may see that have a shift not
	// begun with a free slot, soonest first; OpenCount counts them.
	Open      []*volmatch.Need `json:"open"`
	OpenCount int              `json:"open_count"`
}

// StationQuery selects stations: within Km of Near when Near is set (at
// most MaxNearKm), at most Limit of them (default 50, at most 1000),
// nearest first; every station in ID order otherwise.
type StationQuery struct {
	Near  *volmatch.Point
	Km    float64
	Limit int
	// OpenOnly keeps the stations with an open need.
	OpenOnly bool
}

// MaxNearKm bounds the radius of a station search.
const MaxNearKm = 200

// StationMap returns the stations q selects with their services and open
// needs.
func (e *Engine) StationMap(ctx context.Context, tok *volmatch.Token, q StationQuery) ([]StationView, error) {
	if q.Near != nil {
		if err := q.Near.Validate("near"); err != nil {
			return nil, err
		}
		if q.Km <= 0 || q.Km > MaxNearKm {
			return nil, volmatch.FieldError("km", "must be above 0 and at most %d, got %v", MaxNearKm, q.Km)
		}
	}
	switch {
	case q.Limit < 0:
		return nil, volmatch.FieldError("limit", "must not be negative, got %d", q.Limit)
	case q.Limit == 0:
		q.Limit = 50
	case q.Limit > 1000:
		q.Limit = 1000
	}
	var views []StationView
	at := map[string]int{}
	o := volmatch.ListOptions{Limit: 1000}
	for {
		ss, next, err := e.store.Stations(ctx, o)
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			v := StationView{Station: s}
			if q.Near != nil {
				d := volmatch.DistanceKm(*q.Near, s.Point)
				if d > q.Km {
					continue
				}
				v.DistanceKm = volmatch.DisplayKm(d)
			}
			at[s.ID] = len(views)
			views = append(views, v)
		}
		if next == "" {
			break
		}
		o.After = next
	}
	services := make([]map[string]int, len(views))
	now := e.now()
	err := e.store.EachNeed(ctx, func(n *volmatch.Need) error {
		i, ok := at[n.Station]
		if !ok {
			return nil
		}
		if services[i] == nil {
			services[i] = map[string]int{}
		}
		services[i][n.Domain]++
		if n.Status == volmatch.NeedOpen && takeable(n, now) && canSeeNeed(tok, n) == nil {
			views[i].Open = append(views[i].Open, viewNeed(tok, n))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := views[:0]
	for i := range views {
		v := &views[i]
		v.Services = byCount(services[i])
		v.OpenCount = len(v.Open)
		sort.SliceStable(v.Open, func(a, b int) bool {
			sa, sb := firstStart(v.Open[a]), firstStart(v.Open[b])
			if !sa.Equal(sb) {
				return sa.Before(sb)
			}
			return v.Open[a].ID < v.Open[b].ID
		})
		if v.Open == nil {
			v.Open = []*volmatch.Need{}
		}
		if q.OpenOnly && v.OpenCount == 0 {
			continue
		}
		out = append(out, *v)
	}
	if q.Near != nil {
		sort.SliceStable(out, func(a, b int) bool {
			if out[a].DistanceKm != out[b].DistanceKm {
				return out[a].DistanceKm < out[b].DistanceKm
			}
			return out[a].Station.ID < out[b].Station.ID
		})
		if len(out) > q.Limit {
			out = out[:q.Limit]
		}
	}
	return out, nil
}

// NearMe is StationMap around the home of volunteer id, for that
// volunteer (or an admin): the stations within km of it with an open need.
func (e *Engine) NearMe(ctx context.Context, tok *volmatch.Token, id string, km float64) ([]StationView, error) {
	if tok.Role != volmatch.RoleAdmin && (tok.Role != volmatch.RoleVolunteer || tok.Volunteer != id) {
		return nil, forbidden("stations near a volunteer's home are for that volunteer")
	}
	v, err := e.store.Volunteer(ctx, id)
	if err != nil {
		return nil, err
	}
	home := v.Home
	return e.StationMap(ctx, tok, StationQuery{Near: &home, Km: km, OpenOnly: true})
}

// takeable reports whether n has a shift that has not begun at now and has
// a free slot.
func takeable(n *volmatch.Need, now time.Time) bool {
	for _, s := range n.Shifts {
		if s.Start.After(now) && s.Filled < s.Slots {
			return true
		}
	}
	return false
}

// firstStart is the start of n's earliest shift.
func firstStart(n *volmatch.Need) time.Time {
	var t time.Time
	for _, s := range n.Shifts {
		if t.IsZero() || s.Start.Before(t) {
			t = s.Start
		}
	}
	return t
}

// byCount returns the keys of m, the most counted first (ties by key).
func byCount(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if m[out[i]] != m[out[j]] {
			return m[out[i]] > m[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}
