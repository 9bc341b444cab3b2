package volmatch_test

import (
	"errors"
	"testing"
	"time"

	"volmatch"
)

func TestWriteModeCheck(t *testing.T) {
	for _, tc := range []struct {
		mode   volmatch.WriteMode
		exists bool
		code   string
	}{
		{volmatch.WriteCreate, false, ""},
		{volmatch.WriteCreate, true, volmatch.ECONFLICT},
		{volmatch.WriteUpdate, true, ""},
		{volmatch.WriteUpdate, false, volmatch.ENOTFOUND},
		{volmatch.WritePut, false, ""},
		{volmatch.WritePut, true, ""},
	} {
		err := tc.mode.Check("pool", "P1", tc.exists)
		if volmatch.ErrorCode(err) != tc.code {
			t.Errorf("WriteMode(%d).Check(exists %v) = %v, want code %q", tc.mode, tc.exists, err, tc.code)
		}
	}
	if got := volmatch.ErrorMessage(volmatch.WriteUpdate.Check("need", "N1", false)); got != "need N1 not found" {
		t.Errorf("Check message = %q, want %q", got, "need N1 not found")
	}
}

// TestWriteRecord: the caller's record changes only when the write
// succeeds, and then holds what the write set.
func TestWriteRecord(t *testing.T) {
	now := monday.Add(time.Hour)
	pool := func() *volmatch.TalentPool {
		return &volmatch.TalentPool{ID: "P1", Name: "心理", Domain: "psychology"}
	}
	for _, tc := range []struct {
		name     string
		pool     *volmatch.TalentPool
		writeErr error
		code     string
		called   bool
	}{
		{"written", pool(), nil, "", true},
		{"invalid", &volmatch.TalentPool{ID: "P1"}, nil, volmatch.EINVALID, false},
		{"refused", pool(), volmatch.Errorf(volmatch.ECONFLICT, "taken"), volmatch.ECONFLICT, true},
		{"failed", pool(), errors.New("disk full"), volmatch.EINTERNAL, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := *tc.pool
			called := false
			err := volmatch.WriteRecord(tc.pool, now, volmatch.WriteCreate, func(c *volmatch.TalentPool) error {
				called = true
				if c == tc.pool {
					t.Errorf("write got the caller's record, want a copy")
				}
				if !c.UpdatedAt.Equal(now) {
					t.Errorf("write got UpdatedAt %v, want %v (stamped)", c.UpdatedAt, now)
				}
				c.Description = "set by the store"
				return tc.writeErr
			})
			if volmatch.ErrorCode(err) != tc.code || called != tc.called {
				t.Fatalf("WriteRecord = %v (write called %v), want code %q (called %v)", err, called, tc.code, tc.called)
			}
			if err != nil {
				if tc.pool.Description != before.Description || !tc.pool.UpdatedAt.Equal(before.UpdatedAt) {
					t.Errorf("WriteRecord(%s) changed the caller's record to %+v", tc.name, tc.pool)
				}
				return
			}
			if tc.pool.Description != "set by the store" || !tc.pool.UpdatedAt.Equal(now) {
				t.Errorf("WriteRecord left %+v, want the written copy", tc.pool)
			}
		})
	}
}

func TestPrepareRecords(t *testing.T) {
	now := monday.Add(time.Hour)
	kept := monday.Add(-time.Hour)
	ss := []*volmatch.Station{
		{ID: "S1", Name: "站", Type: "library", Point: volmatch.Point{Lat: 39.9, Lng: 116.4}},
		{ID: "S2", Name: "站", Type: "park", Point: volmatch.Point{Lat: 39.9, Lng: 116.4}, UpdatedAt: kept},
	}
	cs, err := volmatch.PrepareRecords("stations", ss, now, volmatch.WritePut)
	if err != nil {
		t.Fatalf("PrepareRecords = %v", err)
	}
	if !cs[0].UpdatedAt.Equal(now) || !cs[1].UpdatedAt.Equal(kept) {
		t.Errorf("PrepareRecords(put) UpdatedAt = %v, %v; want now for the empty one and the given time kept", cs[0].UpdatedAt, cs[1].UpdatedAt)
	}
	if cs[0] == ss[0] || !ss[0].UpdatedAt.IsZero() {
		t.Errorf("PrepareRecords stamped the caller's records, want copies")
	}
	ss = append(ss, &volmatch.Station{ID: "S3", Name: "站", Type: "park", Point: volmatch.Point{Lat: 99}})
	_, err = volmatch.PrepareRecords("stations", ss, now, volmatch.WritePut)
	if f := volmatch.ErrorField(err); f != "stations[2].point.lat" || volmatch.ErrorCode(err) != volmatch.EINVALID {
		t.Errorf("PrepareRecords(bad third) = %v (field %q), want EINVALID on stations[2].point.lat", err, f)
	}
}

func TestStamp(t *testing.T) {
	now, given := monday.Add(time.Hour), monday.Add(-time.Hour)
	for _, tc := range []struct {
		mode        volmatch.WriteMode
		updated     time.Time
		wantUpdated time.Time
		freshStats  bool
	}{
		{volmatch.WriteCreate, given, now, true},
		{volmatch.WriteUpdate, given, now, false},
		{volmatch.WritePut, given, given, false},
		{volmatch.WritePut, time.Time{}, now, false},
	} {
		v := &volmatch.Volunteer{UpdatedAt: tc.updated, Stats: volmatch.VolunteerStats{Hours: 5}}
		v.Stamp(now, tc.mode)
		if !v.UpdatedAt.Equal(tc.wantUpdated) {
			t.Errorf("Volunteer.Stamp(mode %d) UpdatedAt = %v, want %v", tc.mode, v.UpdatedAt, tc.wantUpdated)
		}
		if fresh := v.Stats.Hours == 0 && v.Stats.Reliability > 0; fresh != tc.freshStats {
			t.Errorf("Volunteer.Stamp(mode %d) Stats = %+v, want fresh %v", tc.mode, v.Stats, tc.freshStats)
		}
	}
	tok := &volmatch.Token{CreatedAt: given}
	tok.Stamp(now, volmatch.WriteCreate)
	if !tok.CreatedAt.Equal(given) {
		t.Errorf("Token.Stamp kept CreatedAt %v, want the given %v", tok.CreatedAt, given)
	}
	v := &volmatch.Volunteer{ID: "V1"}
	v.KeepDerived(&volmatch.Volunteer{Stats: volmatch.VolunteerStats{Hours: 7}, Hidden: &volmatch.HiddenPreferences{Responsiveness: 0.5}})
	if v.Stats.Hours != 7 || v.Hidden == nil {
		t.Errorf("KeepDerived = stats %+v hidden %v, want the old ones", v.Stats, v.Hidden)
	}
}

func TestNeedPrepareStore(t *testing.T) {
	now := monday.Add(time.Hour)
	n := validNeed()
	n.Shifts[0].Filled = 3 // from a client: never stored
	stored, ev, err := n.PrepareStore(nil, now, volmatch.WriteCreate)
	if err != nil {
		t.Fatalf("PrepareStore(new) = %v", err)
	}
	if stored.Shifts[0].Filled != 0 || n.Shifts[0].Filled != 3 {
		t.Errorf("PrepareStore stored Filled %d (caller's %d), want 0 stored and the caller's copy untouched", stored.Shifts[0].Filled, n.Shifts[0].Filled)
	}
	if ev == nil || ev.Type != volmatch.EventNeedPosted || n.Status != volmatch.NeedOpen {
		t.Errorf("PrepareStore(new) event %+v status %q, want need.posted and open", ev, n.Status)
	}
	old := validNeed()
	old.Status = volmatch.NeedOpen
	if _, _, err := validNeed().PrepareStore(old, now, volmatch.WriteCreate); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("PrepareStore(create over a stored need) = %v, want ECONFLICT", err)
	}
	if _, _, err := validNeed().PrepareStore(nil, now, volmatch.WriteUpdate); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("PrepareStore(update of a missing need) = %v, want ENOTFOUND", err)
	}
	if _, ev, err := validNeed().PrepareStore(old, now, volmatch.WritePut); err != nil || ev != nil {
		t.Errorf("PrepareStore(put over an open need) = %+v, %v; want no event", ev, err)
	}
	c := n.Clone()
	c.Shifts[0].Slots = 99
	if n.Shifts[0].Slots == 99 {
		t.Errorf("Need.Clone shares its shifts with the original")
	}
}

func TestInvitationCheck(t *testing.T) {
	n := validNeed()
	n.Status = volmatch.NeedOpen
	closed := validNeed()
	closed.Status = volmatch.NeedClosed
	inv := volmatch.Invitation{ID: "I1", Need: "N1", Shift: "s1", Volunteer: "V1"}
	for _, tc := range []struct {
		name      string
		inv       volmatch.Invitation
		taken     bool
		need      *volmatch.Need
		volunteer bool
		live      string
		code      string
	}{
		{"fine", inv, false, n, true, "", ""},
		{"taken before all", inv, true, nil, false, "I0", volmatch.ECONFLICT},
		{"no need", inv, false, nil, false, "", volmatch.ENOTFOUND},
		{"need closed", inv, false, closed, true, "", volmatch.ECONFLICT},
		{"no shift", volmatch.Invitation{ID: "I1", Need: "N1", Shift: "s9", Volunteer: "V1"}, false, n, true, "", volmatch.ENOTFOUND},
		{"no volunteer", inv, false, n, false, "I0", volmatch.ENOTFOUND},
		{"live", inv, false, n, true, "I0", volmatch.ECONFLICT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh, err := tc.inv.Check(tc.taken, tc.need, tc.volunteer, tc.live)
			if volmatch.ErrorCode(err) != tc.code {
				t.Fatalf("Check = %v, want code %q", err, tc.code)
			}
			if err == nil && sh.ID != "s1" {
				t.Errorf("Check shift = %q, want s1", sh.ID)
			}
		})
	}
	ev := inv.SentEvent(n, n.Shifts[0])
	if ev.Type != volmatch.EventInviteSent || ev.Invite != "I1" || !ev.ShiftStart.Equal(n.Shifts[0].Start) {
		t.Errorf("SentEvent = %+v, want invite.sent of I1 with the shift's times", ev)
	}
}

func TestReservationFind(t *testing.T) {
	n := validNeed()
	r := volmatch.Reservation{Need: "N1", Shift: "s1", Volunteer: "V1"}
	if sh, err := r.Find(n, volmatch.ECONFLICT); err != nil || sh.ID != "s1" {
		t.Errorf("Find = %v, %v; want shift s1", sh, err)
	}
	if _, err := r.Find(nil, volmatch.ECONFLICT); volmatch.ErrorCode(err) != volmatch.ECONFLICT {
		t.Errorf("Find(no need, ECONFLICT) = %v, want ECONFLICT", err)
	}
	r.Shift = "s9"
	if _, err := r.Find(n, volmatch.ENOTFOUND); volmatch.ErrorCode(err) != volmatch.ENOTFOUND {
		t.Errorf("Find(no shift, ENOTFOUND) = %v, want ENOTFOUND", err)
	}
	a := volmatch.NewAssignment(n, n.Shifts[0], "V1", "I1", monday)
	a.ID = "A1"
	if ev := a.AcceptedEvent(n); ev.Type != volmatch.EventInviteAccepted || ev.Assignment != "A1" || ev.Invite != "I1" || !ev.At.Equal(monday) {
		t.Errorf("AcceptedEvent = %+v, want invite.accepted of A1 for I1 at %v", ev, monday)
	}
}

func TestPrepareEvents(t *testing.T) {
	evs := []volmatch.Event{{Type: volmatch.EventMatchShown}, {Type: volmatch.EventMatchShown, At: monday}}
	out, err := volmatch.PrepareEvents(evs, monday.Add(time.Hour))
	if err != nil || !out[0].At.Equal(monday.Add(time.Hour)) || !out[1].At.Equal(monday) || !evs[0].At.IsZero() {
		t.Errorf("PrepareEvents = %+v, %v; want the empty At set on a copy and the given one kept", out, err)
	}
	_, err = volmatch.PrepareEvents([]volmatch.Event{{Type: volmatch.EventMatchShown}, {}}, monday)
	if f := volmatch.ErrorField(err); f != "events[1].type" {
		t.Errorf("PrepareEvents(no type) field = %q (%v), want events[1].type", f, err)
	}
	if err := volmatch.AtIndex("events", -1, volmatch.FieldError("type", "x")); volmatch.ErrorField(err) != "type" {
		t.Errorf("AtIndex(-1) field = %q, want the error unchanged", volmatch.ErrorField(err))
	}
}
