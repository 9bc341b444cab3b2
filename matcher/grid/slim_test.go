package grid_test

import (
	"reflect"
	"testing"
	"time"
	"unsafe"

	"volmatch"
	"volmatch/matcher/grid"
)

// TestSlim checks that a slim copy keeps every field matching reads, drops
// the personal data, free text and hidden preferences, shares short lists
// between copies, and leaves the original alone.
func TestSlim(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	mk := func(id string) *volmatch.Volunteer {
		return &volmatch.Volunteer{ID: id, Name: "王芳", Phone: "13800000000", Gender: "f", BirthYear: 1980,
			Home: volmatch.Point{Lat: 39.9, Lng: 116.4}, District: "110105", Street: "110105001000", MaxTravelKm: 5,
			Skills:       []volmatch.SkillLevel{{Skill: "first_aid", Level: 2}},
			Certificates: []volmatch.Certificate{{Name: "first_aid_cert", Expires: at("2027-01-02T00:00:00+08:00")}},
			Trainings:    []string{"general_orientation", "first_aid_training", "legal_aid_training"},
			InsuredUntil: at("2027-05-01T00:00:00+08:00"), Languages: []string{"zh"},
			PreferredDomains: []string{"elderly_care", "emergency"},
			Exceptions:       []volmatch.Exception{{Start: at("2026-11-03T08:00:00+08:00"), End: at("2026-11-03T12:00:00+08:00")}},
			Teams:            []string{"team-1"}, Consent: volmatch.Consent{Emergency: true}, Bio: "擅长急救",
			Stats:  volmatch.VolunteerStats{Hours: 12, Reliability: 0.9},
			Hidden: &volmatch.HiddenPreferences{Flakiness: 0.1}, UpdatedAt: at("2026-11-01T00:00:00+08:00")}
	}
	a, b := mk("V1"), mk("V2")
	sa, sb := grid.Slim(a), grid.Slim(b)

	if sa.Name != "" || sa.Phone != "" || sa.Bio != "" || sa.Hidden != nil {
		t.Errorf("Slim kept name %q, phone %q, bio %q, hidden %v; want none", sa.Name, sa.Phone, sa.Bio, sa.Hidden)
	}
	if a.Name != "王芳" || a.Hidden == nil {
		t.Errorf("Slim changed the original: %+v", a)
	}
	want := *a
	want.Name, want.Phone, want.Bio, want.Hidden = "", "", "", nil
	if !reflect.DeepEqual(*sa, want) {
		t.Errorf("Slim(v) =\n%+v\nwant\n%+v", *sa, want)
	}
	// Every string is a copy: none may keep the decoded record's bytes alive.
	id := string([]byte("V-long-record-id"))
	if s := grid.Slim(mk(id)); unsafe.StringData(s.ID) == unsafe.StringData(id) || unsafe.StringData(s.Street) == unsafe.StringData(a.Street) {
		t.Errorf("Slim shares the ID's or the street's bytes with the original")
	}
	if &sa.Languages[0] != &sb.Languages[0] || &sa.PreferredDomains[0] != &sb.PreferredDomains[0] {
		t.Errorf("slim copies do not share their short lists")
	}
	if &sa.Skills[0] == &a.Skills[0] || &sa.Trainings[0] == &a.Trainings[0] {
		t.Errorf("a slim copy shares a slice with the original")
	}
	if grid.Slim(&volmatch.Volunteer{ID: "V3"}).Languages != nil {
		t.Errorf("Slim made a nil list non-nil")
	}
}
