package evaluation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"volmatch"
)

// DefaultMinGroup is the minimum group size the engine applies when none is
// set: 5, the threshold common in official statistics.
const DefaultMinGroup = 5

// Suppressed names the fields of a report cell (by their JSON names) that
// were withheld because fewer than Filter.MinGroup people are behind them
// (see the package comment). A withheld field is null in JSON and zero in
// Go: read Suppressed before a zero.
type Suppressed []string

// Has reports whether the field named (its JSON name) was withheld.
func (s Suppressed) Has(field string) bool { return slices.Contains(s, field) }

// small reports whether a cell computed from n people must be withheld:
// some people, but fewer than the filter's MinGroup. A cell of nobody says
// nothing about anyone and is shown.
func (l *ledger) small(n int) bool { return n > 0 && n < l.f.MinGroup }

// people counts the distinct volunteers named by the attribute-filtered
// events in the window for which in holds.
func (l *ledger) people(in func(ev *volmatch.Event) bool) int {
	seen := map[string]bool{}
	l.window(func(ev *volmatch.Event) {
		if ev.Volunteer != "" && in(ev) {
			seen[ev.Volunteer] = true
		}
	})
	return len(seen)
}

// ofType returns a predicate true for events of the types.
func ofType(types ...volmatch.EventType) func(ev *volmatch.Event) bool {
	return func(ev *volmatch.Event) bool { return slices.Contains(types, ev.Type) }
}

// reservers adds to set the volunteers who reserved a slot of n (of its
// shift, or of every shift when shift is "").
func (n *needRec) reservers(set map[string]bool, shift string) {
	for s, vs := range n.reserved {
		if shift != "" && s != shift {
			continue
		}
		for v := range vs {
			set[v] = true
		}
	}
}

// withhold zeroes the fields of the struct cell points to that are named
// (by their JSON names) and adds the names to its Suppressed field.
func withhold(cell any, names ...string) {
	v := reflect.ValueOf(cell).Elem()
	t := v.Type()
	sup := v.FieldByName("Suppressed")
	for _, name := range names {
		found := false
		for i := range t.NumField() {
			tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if tag == name {
				v.Field(i).SetZero()
				found = true
				break
			}
		}
		if !found {
			panic(fmt.Sprintf("evaluation: %s has no field %q to withhold", t, name))
		}
		if !slices.Contains(sup.Interface().(Suppressed), name) {
			sup.Set(reflect.Append(sup, reflect.ValueOf(name)))
		}
	}
}

// withNulls returns the JSON object of v (a struct without a MarshalJSON of
// its own) with the fields named in withheld as null, in field order.
func withNulls(v any, withheld Suppressed) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(withheld) == 0 {
		return b, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteByte('{')
	for first := true; dec.More(); first = false {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		if !first {
			out.WriteByte(',')
		}
		key, _ := json.Marshal(tok)
		out.Write(key)
		out.WriteByte(':')
		if withheld.Has(tok.(string)) {
			out.WriteString("null")
		} else {
			out.Write(raw)
		}
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// MarshalJSON writes the withheld fields as null.
func (r RatesReport) MarshalJSON() ([]byte, error) {
	type plain RatesReport
	return withNulls(plain(r), r.Suppressed)
}

// MarshalJSON writes the withheld fields as null.
func (s Satisfaction) MarshalJSON() ([]byte, error) {
	type plain Satisfaction
	return withNulls(plain(s), s.Suppressed)
}

// MarshalJSON writes the withheld fields as null.
func (r HoursReport) MarshalJSON() ([]byte, error) {
	type plain HoursReport
	return withNulls(plain(r), r.Suppressed)
}

// MarshalJSON writes the withheld fields as null.
func (r FairnessReport) MarshalJSON() ([]byte, error) {
	type plain FairnessReport
	return withNulls(plain(r), r.Suppressed)
}

// MarshalJSON writes the withheld fields as null.
func (s FunnelStep) MarshalJSON() ([]byte, error) {
	type plain FunnelStep
	return withNulls(plain(s), s.Suppressed)
}

// MarshalJSON writes the withheld fields as null.
func (d Durations) MarshalJSON() ([]byte, error) {
	type plain Durations
	return withNulls(plain(d), d.Suppressed)
}

// MarshalJSON writes the withheld fields as null.
func (c GapCell) MarshalJSON() ([]byte, error) {
	type plain GapCell
	return withNulls(plain(c), c.Suppressed)
}

// MarshalJSON writes the withheld fields as null.
func (d DistrictGap) MarshalJSON() ([]byte, error) {
	type plain DistrictGap
	return withNulls(plain(d), d.Suppressed)
}

// MarshalJSON writes the withheld fields as null.
func (r RankingReport) MarshalJSON() ([]byte, error) {
	type plain RankingReport
	return withNulls(plain(r), r.Suppressed)
}

// MarshalJSON writes the withheld fields as null.
func (p PositionStat) MarshalJSON() ([]byte, error) {
	type plain PositionStat
	return withNulls(plain(p), p.Suppressed)
}

// MarshalJSON writes the withheld fields as null.
func (w WeekStat) MarshalJSON() ([]byte, error) {
	type plain WeekStat
	return withNulls(plain(w), w.Suppressed)
}

// MarshalJSON writes the withheld fields as null.
func (g GroupReport) MarshalJSON() ([]byte, error) {
	type plain GroupReport
	return withNulls(plain(g), g.Suppressed)
}
