package bolt_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"volmatch"
	"volmatch/store/bolt"
	"volmatch/store/storetest"
)

// TestBulk writes volunteers with PutVolunteersBulk into one store and with
// PutVolunteers into another, and checks that both hold the same records
// and change feeds, that EachVolunteerBatch reads every volunteer in ID
// order, and that after ReleaseMapped the store still reads.
func TestBulk(t *testing.T) {
	ctx := context.Background()
	open := func() *bolt.Store {
		st, err := bolt.Open(filepath.Join(t.TempDir(), bolt.FileName), bolt.Options{NoSync: true, Now: storetest.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	bulk, plain := open(), open()
	const n = 9000 // more than one batch of EachVolunteerBatch
	var vs []*volmatch.Volunteer
	for i := range n {
		v := &volmatch.Volunteer{ID: fmt.Sprintf("V%06d", i), Name: "志愿者", Phone: "13800000000", Bio: "会急救",
			Hidden: &volmatch.HiddenPreferences{DomainAffinity: map[string]float64{"elderly_care": 0.5}}, Home: volmatch.Point{Lat: 39.9, Lng: 116.4},
			MaxTravelKm: float64(i % 20), Skills: []volmatch.SkillLevel{{Skill: "first_aid", Level: 1 + i%3}}}
		vs = append(vs, v)
	}
	for lo := 0; lo < n; lo += 3000 {
		chunk := vs[lo:min(n, lo+3000)]
		if err := bulk.PutVolunteersBulk(ctx, chunk); err != nil {
			t.Fatalf("PutVolunteersBulk: %v", err)
		}
		if err := plain.PutVolunteers(ctx, chunk); err != nil {
			t.Fatalf("PutVolunteers: %v", err)
		}
	}
	if err := bulk.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	bad := []*volmatch.Volunteer{{ID: "V-bad"}}
	if err := bulk.PutVolunteersBulk(ctx, bad); volmatch.ErrorCode(err) != volmatch.EINVALID {
		t.Errorf("PutVolunteersBulk(no name) = %v, want EINVALID", err)
	}

	var got []*volmatch.Volunteer
	calls := 0
	err := bulk.EachVolunteerBatch(ctx, func(b []*volmatch.Volunteer) error {
		calls++
		got = append(got, b...)
		return nil
	})
	if err != nil || len(got) != n || calls < 2 {
		t.Fatalf("EachVolunteerBatch = %v, %d volunteers in %d calls; want %d in at least 2", err, len(got), calls, n)
	}
	i := 0
	err = plain.EachVolunteer(ctx, func(v *volmatch.Volunteer) error {
		a, _ := json.Marshal(v)
		b, _ := json.Marshal(got[i])
		if string(a) != string(b) {
			t.Fatalf("volunteer %d: bulk %s, plain %s", i, b, a)
		}
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []*bolt.Store{bulk, plain} {
		last, err := st.LastChange(ctx)
		if err != nil || last != n {
			t.Errorf("LastChange() = %d, %v; want %d", last, err, n)
		}
	}
	cs, err := bulk.Changes(ctx, n-1, 10)
	if err != nil || len(cs) != 1 || cs[0].ID != vs[n-1].ID || cs[0].Kind != volmatch.ChangeVolunteer {
		t.Errorf("Changes(after %d) = %+v, %v; want volunteer %s", n-1, cs, err, vs[n-1].ID)
	}

	// The slim walk: the same volunteers without name, phone, bio, hidden.
	var slim []*volmatch.Volunteer
	if err := bulk.EachVolunteerSlim(ctx, func(b []*volmatch.Volunteer) error { slim = append(slim, b...); return nil }); err != nil {
		t.Fatalf("EachVolunteerSlim: %v", err)
	}
	if len(slim) != n {
		t.Fatalf("EachVolunteerSlim gave %d volunteers, want %d", len(slim), n)
	}
	for i, v := range slim {
		want := *got[i]
		want.Name, want.Phone, want.Bio, want.Hidden = "", "", "", nil
		a, _ := json.Marshal(&want)
		b, _ := json.Marshal(v)
		if string(a) != string(b) {
			t.Fatalf("slim volunteer %d = %s, want %s", i, b, a)
		}
	}

	if err := bulk.ReleaseMapped(); err != nil {
		t.Fatalf("ReleaseMapped: %v", err)
	}
	v, err := bulk.Volunteer(ctx, "V001234")
	if err != nil || v.MaxTravelKm != 1234%20 {
		t.Errorf("Volunteer(V012345) after ReleaseMapped = %+v, %v", v, err)
	}

	stop := fmt.Errorf("stop")
	if err := bulk.EachVolunteerBatch(ctx, func([]*volmatch.Volunteer) error { return stop }); err != stop {
		t.Errorf("EachVolunteerBatch with a failing fn = %v, want %v", err, stop)
	}
}
