package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/fixture"
)

func testVolunteers(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	v := fixture.Volunteer("V1")
	must(t, "CreateVolunteer", st.CreateVolunteer(ctx, v))
	got, err := st.Volunteer(ctx, "V1")
	must(t, "Volunteer", err)
	want := fixture.Volunteer("V1")
	got.UpdatedAt, got.Stats = time.Time{}, volmatch.VolunteerStats{}
	sameJSON(t, "Volunteer(V1) after create", got, want)

	wantCode(t, "CreateVolunteer(V1) again", st.CreateVolunteer(ctx, fixture.Volunteer("V1")), volmatch.ECONFLICT)
	_, err = st.Volunteer(ctx, "V404")
	wantCode(t, "Volunteer(V404)", err, volmatch.ENOTFOUND)
	wantCode(t, "UpdateVolunteer(V404)", st.UpdateVolunteer(ctx, fixture.Volunteer("V404")), volmatch.ENOTFOUND)
	wantCode(t, "DeleteVolunteer(V404)", st.DeleteVolunteer(ctx, "V404"), volmatch.ENOTFOUND)
	bad := fixture.Volunteer("V2")
	bad.Name = ""
	wantCode(t, "CreateVolunteer without a name", st.CreateVolunteer(ctx, bad), volmatch.EINVALID)
	_, err = st.Volunteer(ctx, "V2")
	wantCode(t, "Volunteer(V2) after a refused create", err, volmatch.ENOTFOUND)

	u := fixture.Volunteer("V1")
	u.MaxTravelKm = 3
	u.Stats = volmatch.VolunteerStats{Hours: 999} // derived: must not be taken
	must(t, "UpdateVolunteer", st.UpdateVolunteer(ctx, u))
	got, err = st.Volunteer(ctx, "V1")
	must(t, "Volunteer", err)
	if got.MaxTravelKm != 3 {
		t.Errorf("Volunteer(V1).MaxTravelKm = %v after update, want 3", got.MaxTravelKm)
	}
	if got.Stats.Hours != 0 {
		t.Errorf("Volunteer(V1).Stats.Hours = %v after an update that sent 999, want 0 (derived, kept)", got.Stats.Hours)
	}
	wantCode(t, "UpdateVolunteer invalid", st.UpdateVolunteer(ctx, &volmatch.Volunteer{ID: "V1"}), volmatch.EINVALID)

	must(t, "DeleteVolunteer", st.DeleteVolunteer(ctx, "V1"))
	_, err = st.Volunteer(ctx, "V1")
	wantCode(t, "Volunteer(V1) after delete", err, volmatch.ENOTFOUND)
	wantCode(t, "DeleteVolunteer(V1) twice", st.DeleteVolunteer(ctx, "V1"), volmatch.ENOTFOUND)
}

func testPutVolunteers(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	a, b := fixture.Volunteer("V1"), fixture.Volunteer("V2")
	a.Stats = volmatch.VolunteerStats{Hours: 120, Completed: 30, NoShows: 1, Reliability: 0.9}
	a.Hidden = &volmatch.HiddenPreferences{DomainAffinity: map[string]float64{"elderly_care": 0.8}, Responsiveness: 0.5}
	must(t, "PutVolunteers", st.PutVolunteers(ctx, []*volmatch.Volunteer{a, b}))
	got, err := st.Volunteer(ctx, "V1")
	must(t, "Volunteer", err)
	if got.Stats.Hours != 120 || got.Stats.Completed != 30 {
		t.Errorf("Volunteer(V1).Stats = %+v after import, want the imported stats", got.Stats)
	}
	if got.Hidden == nil || got.Hidden.DomainAffinity["elderly_care"] != 0.8 {
		t.Errorf("Volunteer(V1).Hidden = %+v after import, want the imported preferences", got.Hidden)
	}
	// An update keeps Stats and Hidden.
	u := fixture.Volunteer("V1")
	u.Street = "110105002000"
	must(t, "UpdateVolunteer", st.UpdateVolunteer(ctx, u))
	got, err = st.Volunteer(ctx, "V1")
	must(t, "Volunteer", err)
	if got.Street != "110105002000" || got.Stats.Hours != 120 || got.Hidden == nil {
		t.Errorf("Volunteer(V1) after update = street %s stats %+v hidden %v; want the new street, stats and hidden kept", got.Street, got.Stats, got.Hidden)
	}
	// Replacing is allowed; an invalid record fails the batch.
	c := fixture.Volunteer("V3")
	bad := fixture.Volunteer("V4")
	bad.Home = volmatch.Point{}
	refused(t, st, "PutVolunteers with an invalid record", volmatch.EINVALID, func() error {
		return st.PutVolunteers(ctx, []*volmatch.Volunteer{c, bad})
	})
	must(t, "PutVolunteers replace", st.PutVolunteers(ctx, []*volmatch.Volunteer{fixture.Volunteer("V1")}))
	got, err = st.Volunteer(ctx, "V1")
	must(t, "Volunteer", err)
	if got.Hidden != nil || got.Stats.Hours != 0 {
		t.Errorf("Volunteer(V1) after a replacing import = stats %+v hidden %v; want the record as given", got.Stats, got.Hidden)
	}
}

func testNeeds(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	n := need("N1", "O1", shift("S1", 24, 3, 2), shift("S2", 48, 3, 1))
	n.Shifts[0].Filled = 5 // derived: must be ignored
	must(t, "CreateNeed", st.CreateNeed(ctx, n))
	got, err := st.Need(ctx, "N1")
	must(t, "Need", err)
	if got.Status != volmatch.NeedOpen {
		t.Errorf("Need(N1).Status = %q, want open", got.Status)
	}
	if !got.PostedAt.Equal(at(-24)) {
		t.Errorf("Need(N1).PostedAt = %v, want %v (given)", got.PostedAt, at(-24))
	}
	if got.Shifts[0].Filled != 0 {
		t.Errorf("Need(N1).Shifts[0].Filled = %d, want 0 (never taken from the client)", got.Shifts[0].Filled)
	}
	want := need("N1", "O1", shift("S1", 24, 3, 2), shift("S2", 48, 3, 1))
	want.Status = volmatch.NeedOpen
	got.UpdatedAt = time.Time{}
	sameJSON(t, "Need(N1)", got, want)

	posted := eventsOf(allEvents(t, st), volmatch.EventNeedPosted)
	if len(posted) != 1 {
		t.Fatalf("need.posted events = %d, want 1", len(posted))
	}
	e := posted[0]
	if e.Need != "N1" || e.Org != "O1" || e.District != "110105" || e.Domain != "elderly_care" ||
		e.TargetGroup != volmatch.TargetElderly || e.Eligible != 7 || len(e.Shifts) != 2 || !e.At.Equal(at(-24)) {
		t.Errorf("need.posted = %+v, want need N1 of O1 in 110105, elderly_care, eligible 7, 2 shifts, at %v", e, at(-24))
	}

	// Status and PostedAt default when empty.
	n2 := need("N2", "O1", shift("S1", 24, 3, 2))
	n2.PostedAt = time.Time{}
	must(t, "CreateNeed N2", st.CreateNeed(ctx, n2))
	got, err = st.Need(ctx, "N2")
	must(t, "Need", err)
	if got.Status != volmatch.NeedOpen || got.PostedAt.IsZero() {
		t.Errorf("Need(N2) status %q posted %v, want open and a posting time", got.Status, got.PostedAt)
	}

	wantCode(t, "CreateNeed(N1) again", st.CreateNeed(ctx, need("N1", "O1", shift("S1", 24, 3, 2))), volmatch.ECONFLICT)
	_, err = st.Need(ctx, "N404")
	wantCode(t, "Need(N404)", err, volmatch.ENOTFOUND)
	wantCode(t, "UpdateNeed(N404)", st.UpdateNeed(ctx, need("N404", "O1", shift("S1", 24, 3, 2))), volmatch.ENOTFOUND)
	wantCode(t, "DeleteNeed(N404)", st.DeleteNeed(ctx, "N404"), volmatch.ENOTFOUND)

	u := need("N1", "O1", shift("S1", 24, 3, 4))
	u.Title = "新标题"
	must(t, "UpdateNeed", st.UpdateNeed(ctx, u))
	got, err = st.Need(ctx, "N1")
	must(t, "Need", err)
	if got.Title != "新标题" || len(got.Shifts) != 1 || got.Shifts[0].Slots != 4 {
		t.Errorf("Need(N1) after update = title %q shifts %+v, want the new title and one shift of 4 slots", got.Title, got.Shifts)
	}

	u.Status = volmatch.NeedClosed
	must(t, "UpdateNeed close", st.UpdateNeed(ctx, u))
	closed := eventsOf(allEvents(t, st), volmatch.EventNeedClosed)
	if len(closed) != 1 || closed[0].Need != "N1" {
		t.Errorf("need.closed events = %+v, want one for N1", closed)
	}
	must(t, "UpdateNeed closed again", st.UpdateNeed(ctx, u))
	if c := eventsOf(allEvents(t, st), volmatch.EventNeedClosed); len(c) != 1 {
		t.Errorf("need.closed events after a second update of a closed need = %d, want 1", len(c))
	}

	must(t, "DeleteNeed", st.DeleteNeed(ctx, "N2"))
	_, err = st.Need(ctx, "N2")
	wantCode(t, "Need(N2) after delete", err, volmatch.ENOTFOUND)
}

func testNeedShiftRules(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(3), need("N1", "O1", shift("S1", 24, 3, 3), shift("S2", 48, 3, 2)))
	_, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: "V000"}, {Need: "N1", Shift: "S1", Volunteer: "V001"}}, at(0))
	must(t, "Reserve", err)

	cases := []struct {
		name   string
		shifts []volmatch.Shift
		code   string
	}{
		{"remove a held shift", []volmatch.Shift{shift("S2", 48, 3, 2)}, volmatch.ECONFLICT},
		{"move a held shift", []volmatch.Shift{shift("S1", 25, 3, 3), shift("S2", 48, 3, 2)}, volmatch.ECONFLICT},
		{"shrink below filled", []volmatch.Shift{shift("S1", 24, 3, 1), shift("S2", 48, 3, 2)}, volmatch.ECONFLICT},
		{"shrink to filled", []volmatch.Shift{shift("S1", 24, 3, 2), shift("S2", 48, 3, 2)}, ""},
		{"move and drop an empty shift", []volmatch.Shift{shift("S1", 24, 3, 5), shift("S3", 72, 2, 1)}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := need("N1", "O1", c.shifts...)
			before := takeSnapshot(t, st)
			err := st.UpdateNeed(ctx, n)
			wantCode(t, "UpdateNeed: "+c.name, err, c.code)
			if c.code != "" {
				unchanged(t, "UpdateNeed: "+c.name, st, before)
			}
		})
	}
	if f := filled(t, st, "N1", "S1"); f != 2 {
		t.Errorf("Need(N1) S1 filled = %d after updates, want 2", f)
	}
	wantCode(t, "DeleteNeed(N1) holding assignments", st.DeleteNeed(ctx, "N1"), volmatch.ECONFLICT)
}

func testPutNeeds(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	must(t, "CreateNeed N1", st.CreateNeed(ctx, need("N1", "O1", shift("S1", 24, 3, 2))))
	ns := []*volmatch.Need{need("N1", "O1", shift("S1", 24, 3, 5)), need("N2", "O2", shift("S1", 24, 3, 2)), need("N3", "O2", shift("S1", 30, 3, 2))}
	must(t, "PutNeeds", st.PutNeeds(ctx, ns))
	posted := eventsOf(allEvents(t, st), volmatch.EventNeedPosted)
	var ids []string
	for _, e := range posted {
		ids = append(ids, e.Need)
	}
	if fmt.Sprint(ids) != "[N1 N2 N3]" {
		t.Errorf("need.posted for %v, want [N1 N2 N3] (one for each new need)", ids)
	}
	got, err := st.Need(ctx, "N1")
	must(t, "Need", err)
	if got.Shifts[0].Slots != 5 {
		t.Errorf("Need(N1) slots = %d after PutNeeds, want 5", got.Shifts[0].Slots)
	}
	bad := need("N4", "O1", shift("S1", 24, 3, 2))
	bad.RadiusKm = 0
	refused(t, st, "PutNeeds with an invalid need", volmatch.EINVALID, func() error {
		return st.PutNeeds(ctx, []*volmatch.Need{need("N5", "O1", shift("S1", 24, 3, 2)), bad})
	})
}

func testPools(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	p := &volmatch.TalentPool{ID: "P1", Name: "心理人才库", Domain: "psychology", Members: []string{"V1", "V2"}}
	must(t, "CreatePool", st.CreatePool(ctx, p))
	got, err := st.Pool(ctx, "P1")
	must(t, "Pool", err)
	got.UpdatedAt = time.Time{}
	sameJSON(t, "Pool(P1)", got, &volmatch.TalentPool{ID: "P1", Name: "心理人才库", Domain: "psychology", Members: []string{"V1", "V2"}})
	wantCode(t, "CreatePool again", st.CreatePool(ctx, &volmatch.TalentPool{ID: "P1", Name: "x", Domain: "law"}), volmatch.ECONFLICT)
	wantCode(t, "CreatePool invalid", st.CreatePool(ctx, &volmatch.TalentPool{ID: "P2"}), volmatch.EINVALID)
	_, err = st.Pool(ctx, "P404")
	wantCode(t, "Pool(P404)", err, volmatch.ENOTFOUND)
	wantCode(t, "UpdatePool(P404)", st.UpdatePool(ctx, &volmatch.TalentPool{ID: "P404", Name: "x", Domain: "law"}), volmatch.ENOTFOUND)
	wantCode(t, "DeletePool(P404)", st.DeletePool(ctx, "P404"), volmatch.ENOTFOUND)
	must(t, "UpdatePool", st.UpdatePool(ctx, &volmatch.TalentPool{ID: "P1", Name: "心理人才库", Domain: "psychology", Members: []string{"V3"}}))
	got, err = st.Pool(ctx, "P1")
	must(t, "Pool", err)
	if fmt.Sprint(got.Members) != "[V3]" {
		t.Errorf("Pool(P1).Members = %v after update, want [V3]", got.Members)
	}
	must(t, "PutPools", st.PutPools(ctx, []*volmatch.TalentPool{{ID: "P2", Name: "法律", Domain: "law"}, {ID: "P0", Name: "教育", Domain: "education"}}))
	ps, next, err := st.Pools(ctx, volmatch.ListOptions{})
	must(t, "Pools", err)
	if len(ps) != 3 || ps[0].ID != "P0" || ps[2].ID != "P2" || next != "" {
		t.Errorf("Pools() = %d pools, next %q; want P0, P1, P2 and no next page", len(ps), next)
	}
	ps, next, err = st.Pools(ctx, volmatch.ListOptions{Limit: 2})
	must(t, "Pools", err)
	if len(ps) != 2 || next != "P1" {
		t.Errorf("Pools(limit 2) = %d, next %q; want 2 and next P1", len(ps), next)
	}
	must(t, "DeletePool", st.DeletePool(ctx, "P1"))
	_, err = st.Pool(ctx, "P1")
	wantCode(t, "Pool(P1) after delete", err, volmatch.ENOTFOUND)
}

func testStations(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	s := &volmatch.Station{ID: "ST1", Name: "朝阳区图书馆站", Type: "library", Point: volmatch.Point{Lat: 39.92, Lng: 116.48}, District: "110105"}
	must(t, "CreateStation", st.CreateStation(ctx, s))
	got, err := st.Station(ctx, "ST1")
	must(t, "Station", err)
	got.UpdatedAt = time.Time{}
	sameJSON(t, "Station(ST1)", got, &volmatch.Station{ID: "ST1", Name: "朝阳区图书馆站", Type: "library", Point: volmatch.Point{Lat: 39.92, Lng: 116.48}, District: "110105"})
	wantCode(t, "CreateStation again", st.CreateStation(ctx, s), volmatch.ECONFLICT)
	wantCode(t, "CreateStation invalid", st.CreateStation(ctx, &volmatch.Station{ID: "ST2", Name: "x", Type: "park"}), volmatch.EINVALID)
	_, err = st.Station(ctx, "ST404")
	wantCode(t, "Station(ST404)", err, volmatch.ENOTFOUND)
	wantCode(t, "UpdateStation(ST404)", st.UpdateStation(ctx, &volmatch.Station{ID: "ST404", Name: "x", Type: "park", Point: s.Point}), volmatch.ENOTFOUND)
	wantCode(t, "DeleteStation(ST404)", st.DeleteStation(ctx, "ST404"), volmatch.ENOTFOUND)
	u := *s
	u.Name = "新站"
	must(t, "UpdateStation", st.UpdateStation(ctx, &u))
	got, err = st.Station(ctx, "ST1")
	must(t, "Station", err)
	if got.Name != "新站" {
		t.Errorf("Station(ST1).Name = %q after update, want 新站", got.Name)
	}
	must(t, "PutStations", st.PutStations(ctx, []*volmatch.Station{{ID: "ST2", Name: "公园站", Type: "park", Point: s.Point}}))
	ss, next, err := st.Stations(ctx, volmatch.ListOptions{})
	must(t, "Stations", err)
	if len(ss) != 2 || ss[0].ID != "ST1" || ss[1].ID != "ST2" || next != "" {
		t.Errorf("Stations() = %d, next %q; want ST1, ST2 and no next page", len(ss), next)
	}
	must(t, "DeleteStation", st.DeleteStation(ctx, "ST1"))
	_, err = st.Station(ctx, "ST1")
	wantCode(t, "Station(ST1) after delete", err, volmatch.ENOTFOUND)
}

func testTokens(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	secret := "vm_test_secret"
	tok := &volmatch.Token{Hash: volmatch.HashToken(secret), Role: volmatch.RoleSocialWorker, Org: "O1", Name: "社工", CreatedAt: at(0)}
	must(t, "CreateToken", st.CreateToken(ctx, tok))
	got, err := st.TokenByHash(ctx, volmatch.HashToken(secret))
	must(t, "TokenByHash", err)
	sameJSON(t, "TokenByHash", got, &volmatch.Token{Hash: volmatch.HashToken(secret), Role: volmatch.RoleSocialWorker, Org: "O1", Name: "社工", CreatedAt: at(0)})
	dup := *tok
	dup.Role, dup.Org = volmatch.RoleAdmin, ""
	wantCode(t, "CreateToken with an existing hash", st.CreateToken(ctx, &dup), volmatch.ECONFLICT)
	_, err = st.TokenByHash(ctx, volmatch.HashToken("other"))
	wantCode(t, "TokenByHash(unknown)", err, volmatch.ENOTFOUND)
	wantCode(t, "CreateToken invalid role", st.CreateToken(ctx, &volmatch.Token{Hash: volmatch.HashToken("x"), Role: "root"}), volmatch.EINVALID)
	_, err = st.TokenByHash(ctx, volmatch.HashToken("x"))
	wantCode(t, "TokenByHash after a refused create", err, volmatch.ENOTFOUND)
}

func testListVolunteers(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	var vs []*volmatch.Volunteer
	for i := 0; i < 25; i++ {
		v := fixture.Volunteer(fmt.Sprintf("V%02d", (i*7)%25)) // IDs written out of order
		if i%3 == 0 {
			v.District = "110108"
		}
		if i%2 == 0 {
			v.Pools = []string{"P1"}
			v.Skills = []volmatch.SkillLevel{{Skill: "law", Level: 3}}
		}
		vs = append(vs, v)
	}
	must(t, "PutVolunteers", st.PutVolunteers(ctx, vs))
	filters := []volmatch.VolunteerFilter{
		{},
		{District: "110108"},
		{Pool: "P1"},
		{Skill: "law", District: "110105"},
		{Skill: "first_aid"},
		{Street: "nowhere"},
	}
	for _, f := range filters {
		var want []string
		for _, v := range vs {
			if f.Match(v) {
				want = append(want, v.ID)
			}
		}
		sort.Strings(want)
		for _, limit := range []int{1, 4, 7, 100} {
			name := fmt.Sprintf("%+v limit %d", f, limit)
			var got []string
			g := f
			g.Limit = limit
			for pages := 0; ; pages++ {
				if pages > 30 {
					t.Fatalf("Volunteers(%s): more than 30 pages", name)
				}
				page, next, err := st.Volunteers(ctx, g)
				must(t, "Volunteers", err)
				if len(page) > limit {
					t.Fatalf("Volunteers(%s) page of %d, want at most %d", name, len(page), limit)
				}
				for _, v := range page {
					got = append(got, v.ID)
				}
				if next == "" {
					break
				}
				if len(page) == 0 || next != page[len(page)-1].ID {
					t.Fatalf("Volunteers(%s) next %q, want the last ID of a non-empty page", name, next)
				}
				g.After = next
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("Volunteers(%s) pages joined = %v, want %v", name, got, want)
			}
		}
	}
}

func testListNeeds(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	var ns []*volmatch.Need
	for i := 0; i < 12; i++ {
		n := need(fmt.Sprintf("N%02d", i), fmt.Sprintf("O%d", i%3), shift("S1", 24, 3, 2))
		if i%4 == 0 {
			n.Status = volmatch.NeedClosed
		}
		if i%5 == 0 {
			n.Urgency = volmatch.UrgencyEmergency
			n.Mode = volmatch.ModeMenu
		}
		ns = append(ns, n)
	}
	must(t, "PutNeeds", st.PutNeeds(ctx, ns))
	for _, n := range ns {
		if n.Status == "" {
			n.Status = volmatch.NeedOpen
		}
	}
	for _, f := range []volmatch.NeedFilter{{}, {Org: "O1"}, {Status: volmatch.NeedOpen}, {Status: volmatch.NeedClosed, Org: "O0"},
		{Urgency: volmatch.UrgencyEmergency}, {Mode: volmatch.ModeMenu, Domain: "elderly_care", District: "110105"}, {Domain: "law"}} {
		var want []string
		for _, n := range ns {
			if f.Match(n) {
				want = append(want, n.ID)
			}
		}
		var got []string
		g := f
		g.Limit = 2
		for _, n := range pages(t, "Needs", func(after string) ([]*volmatch.Need, string, error) {
			g.After = after
			return st.Needs(ctx, g)
		}) {
			got = append(got, n.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Needs(%+v) pages joined = %v, want %v", f, got, want)
		}
	}
}

func testListLimits(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	must(t, "PutVolunteers", st.PutVolunteers(ctx, fixture.Volunteers(1001)))
	page, next, err := st.Volunteers(ctx, volmatch.VolunteerFilter{})
	must(t, "Volunteers", err)
	if len(page) != 100 || next != "V099" {
		t.Errorf("Volunteers(limit 0) = %d, next %q; want 100 and next V099", len(page), next)
	}
	page, next, err = st.Volunteers(ctx, volmatch.VolunteerFilter{ListOptions: volmatch.ListOptions{Limit: 5000}})
	must(t, "Volunteers", err)
	if len(page) != 1000 || next == "" {
		t.Errorf("Volunteers(limit 5000) = %d, next %q; want 1000 (the maximum) and a next page", len(page), next)
	}
	page, next, err = st.Volunteers(ctx, volmatch.VolunteerFilter{ListOptions: volmatch.ListOptions{After: "V995", Limit: 10}})
	must(t, "Volunteers", err)
	// In ID order V1000 sorts before V101, so V996..V999 are the last four.
	if len(page) != 4 || page[0].ID != "V996" || next != "" {
		t.Errorf("Volunteers(after V995) = %d from %v, next %q; want 4 from V996 and no next page", len(page), idsOf(page), next)
	}
}

func testEach(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	seed(t, st, fixture.Volunteers(1203), need("N2", "O1", shift("S1", 24, 3, 2)), need("N1", "O1", shift("S1", 24, 3, 2)))
	_, err := st.Reserve(ctx, []volmatch.Reservation{{Need: "N1", Shift: "S1", Volunteer: "V007"}}, at(0))
	must(t, "Reserve", err)
	var ids []string
	must(t, "EachVolunteer", st.EachVolunteer(ctx, func(v *volmatch.Volunteer) error { ids = append(ids, v.ID); return nil }))
	if len(ids) != 1203 || ids[0] != "V000" || ids[1202] != "V999" {
		t.Fatalf("EachVolunteer visited %d, want 1203 in ID order", len(ids))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("EachVolunteer order: %s after %s", ids[i], ids[i-1])
		}
	}
	var needs []string
	must(t, "EachNeed", st.EachNeed(ctx, func(n *volmatch.Need) error {
		needs = append(needs, fmt.Sprintf("%s:%d", n.ID, n.Shifts[0].Filled))
		return nil
	}))
	if fmt.Sprint(needs) != "[N1:1 N2:0]" {
		t.Errorf("EachNeed = %v, want [N1:1 N2:0] (ID order, with fills)", needs)
	}
	stop := fmt.Errorf("stop")
	n := 0
	err = st.EachVolunteer(ctx, func(*volmatch.Volunteer) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("EachVolunteer with a failing fn = %v after %d calls, want the fn's error after 1", err, n)
	}
}

func idsOf(vs []*volmatch.Volunteer) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}
