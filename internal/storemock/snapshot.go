package storemock

import (
	"context"
	"encoding/json"

	"volmatch"
)

// state is what an all-or-nothing flow that failed must leave as it found
// it: every record and the event log (the change feed, which the indexes
// follow, may grow: it names records to read again, and an undone write
// leaves entries for the records it put back).
type state struct {
	Volunteers  []*volmatch.Volunteer
	Needs       []*volmatch.Need
	Pools       []*volmatch.TalentPool
	Stations    []*volmatch.Station
	Invitations []*volmatch.Invitation
	Assignments []*volmatch.Assignment
	Events      []volmatch.Event
}

// Snapshot renders st's records and event log as JSON, to compare before
// and after a flow.
func Snapshot(ctx context.Context, st volmatch.Store) (string, error) {
	var s state
	if err := st.EachVolunteer(ctx, func(v *volmatch.Volunteer) error { s.Volunteers = append(s.Volunteers, v); return nil }); err != nil {
		return "", err
	}
	if err := st.EachNeed(ctx, func(n *volmatch.Need) error { s.Needs = append(s.Needs, n); return nil }); err != nil {
		return "", err
	}
	var err error
	if s.Pools, err = all(func(o volmatch.ListOptions) ([]*volmatch.TalentPool, string, error) { return st.Pools(ctx, o) }); err != nil {
		return "", err
	}
	if s.Stations, err = all(func(o volmatch.ListOptions) ([]*volmatch.Station, string, error) { return st.Stations(ctx, o) }); err != nil {
		return "", err
	}
	if s.Invitations, err = all(func(o volmatch.ListOptions) ([]*volmatch.Invitation, string, error) {
		return st.Invitations(ctx, volmatch.InvitationFilter{ListOptions: o})
	}); err != nil {
		return "", err
	}
	if s.Assignments, err = all(func(o volmatch.ListOptions) ([]*volmatch.Assignment, string, error) {
		return st.Assignments(ctx, volmatch.AssignmentFilter{ListOptions: o})
	}); err != nil {
		return "", err
	}
	for after := uint64(0); ; {
		evs, err := st.Events(ctx, after, 1000)
		if err != nil {
			return "", err
		}
		if len(evs) == 0 {
			break
		}
		s.Events = append(s.Events, evs...)
		after = evs[len(evs)-1].Seq
	}
	b, err := json.Marshal(s)
	return string(b), err
}

func all[T any](page func(volmatch.ListOptions) ([]*T, string, error)) ([]*T, error) {
	var out []*T
	for o := (volmatch.ListOptions{Limit: 1000}); ; {
		xs, next, err := page(o)
		if err != nil {
			return nil, err
		}
		out = append(out, xs...)
		if next == "" {
			return out, nil
		}
		o.After = next
	}
}
