package volmatch_test

import (
	"fmt"
	"strings"
	"testing"

	"volmatch"
	"volmatch/internal/fixture"
)

// validator is a record whose Validate a client's write goes through.
type validator interface{ Validate() error }

// TestTextLimits: every free-text field and list of every record a client
// writes has a limit; at the limit (in characters: Chinese counts as one)
// the record is valid, one over it is EINVALID naming the field and the
// limit.
func TestTextLimits(t *testing.T) {
	type edit struct {
		field string
		limit int
		// build returns a valid record whose field holds s (a list field
		// holds n items).
		build func(s string) validator
	}
	vol := func(f func(v *volmatch.Volunteer, s string)) func(string) validator {
		return func(s string) validator { v := fixture.Volunteer("V1"); f(v, s); return v }
	}
	need := func(f func(n *volmatch.Need, s string)) func(string) validator {
		return func(s string) validator { n := fixture.Need("N1"); f(n, s); return n }
	}
	pool := func(f func(p *volmatch.TalentPool, s string)) func(string) validator {
		return func(s string) validator {
			p := &volmatch.TalentPool{ID: "P1", Name: "心理人才库", Domain: "psychology"}
			f(p, s)
			return p
		}
	}
	station := func(f func(st *volmatch.Station, s string)) func(string) validator {
		return func(s string) validator {
			st := &volmatch.Station{ID: "S1", Name: "图书馆站", Type: "library", Point: fixture.Site}
			f(st, s)
			return st
		}
	}
	recipient := func(n *volmatch.Need) *volmatch.RecipientPreferences {
		if n.Recipient == nil {
			n.Recipient = &volmatch.RecipientPreferences{}
		}
		return n.Recipient
	}
	// items returns a list of n distinct short items.
	items := func(s string) []string {
		out := make([]string, len([]rune(s)))
		for i := range out {
			out[i] = fmt.Sprintf("t%d", i)
		}
		return out
	}
	cases := []edit{
		{"name", volmatch.MaxNameLen, vol(func(v *volmatch.Volunteer, s string) { v.Name = s })},
		{"phone", volmatch.MaxPhoneLen, vol(func(v *volmatch.Volunteer, s string) { v.Phone = s })},
		{"bio", volmatch.MaxBioLen, vol(func(v *volmatch.Volunteer, s string) { v.Bio = s })},
		{"district", volmatch.MaxCodeLen, vol(func(v *volmatch.Volunteer, s string) { v.District = s })},
		{"street", volmatch.MaxCodeLen, vol(func(v *volmatch.Volunteer, s string) { v.Street = s })},
		{"trainings[0]", volmatch.MaxCodeLen, vol(func(v *volmatch.Volunteer, s string) { v.Trainings = []string{s} })},
		{"languages[0]", volmatch.MaxCodeLen, vol(func(v *volmatch.Volunteer, s string) { v.Languages = []string{s} })},
		{"certificates[0].name", volmatch.MaxCodeLen, vol(func(v *volmatch.Volunteer, s string) { v.Certificates[0].Name = s })},
		{"skills[0].skill", volmatch.MaxCodeLen, vol(func(v *volmatch.Volunteer, s string) { v.Skills[0].Skill = s })},
		{"teams[0]", volmatch.MaxCodeLen, vol(func(v *volmatch.Volunteer, s string) { v.Teams = []string{s} })},
		{"pools[0]", volmatch.MaxCodeLen, vol(func(v *volmatch.Volunteer, s string) { v.Pools = []string{s} })},
		{"preferred_domains[0]", volmatch.MaxCodeLen, vol(func(v *volmatch.Volunteer, s string) { v.PreferredDomains = []string{s} })},
		{"trainings", volmatch.MaxListLen, vol(func(v *volmatch.Volunteer, s string) { v.Trainings = items(s) })},
		{"teams", volmatch.MaxListLen, vol(func(v *volmatch.Volunteer, s string) { v.Teams = items(s) })},

		{"title", volmatch.MaxTitleLen, need(func(n *volmatch.Need, s string) { n.Title = s })},
		{"description", volmatch.MaxDescriptionLen, need(func(n *volmatch.Need, s string) { n.Description = s })},
		{"domain", volmatch.MaxCodeLen, need(func(n *volmatch.Need, s string) { n.Domain = s })},
		{"district", volmatch.MaxCodeLen, need(func(n *volmatch.Need, s string) { n.District = s })},
		{"street", volmatch.MaxCodeLen, need(func(n *volmatch.Need, s string) { n.Street = s })},
		{"station", volmatch.MaxCodeLen, need(func(n *volmatch.Need, s string) { n.Station = s })},
		{"recipient.notes", volmatch.MaxNotesLen, need(func(n *volmatch.Need, s string) { recipient(n).Notes = s })},
		{"recipient.languages[0]", volmatch.MaxCodeLen, need(func(n *volmatch.Need, s string) { recipient(n).Languages = []string{s} })},
		{"requires.certificates[0]", volmatch.MaxCodeLen, need(func(n *volmatch.Need, s string) { n.Requires.Certificates = []string{s} })},
		{"requires.trainings", volmatch.MaxListLen, need(func(n *volmatch.Need, s string) { n.Requires.Trainings = items(s) })},

		{"name", volmatch.MaxNameLen, pool(func(p *volmatch.TalentPool, s string) { p.Name = s })},
		{"description", volmatch.MaxDescriptionLen, pool(func(p *volmatch.TalentPool, s string) { p.Description = s })},
		{"name", volmatch.MaxNameLen, station(func(st *volmatch.Station, s string) { st.Name = s })},
		{"type", volmatch.MaxCodeLen, station(func(st *volmatch.Station, s string) { st.Type = s })},
		{"street", volmatch.MaxCodeLen, station(func(st *volmatch.Station, s string) { st.Street = s })},

		{"name", volmatch.MaxNameLen, func(s string) validator {
			return &volmatch.Token{Hash: volmatch.HashToken("x"), Role: volmatch.RolePlanner, Name: s}
		}},
		{"name", volmatch.MaxNameLen, func(s string) validator { return &volmatch.Organisation{ID: "O1", Name: s} }},
		{"district", volmatch.MaxCodeLen, func(s string) validator { return &volmatch.Organisation{ID: "O1", Name: "社区", District: s} }},
		{"reason", volmatch.MaxReasonLen, func(s string) validator { return volmatch.Step{Kind: volmatch.StepCancel, Reason: s} }},
	}
	for _, tc := range cases {
		rec := tc.build("x")
		t.Run(fmt.Sprintf("%T.%s", rec, tc.field), func(t *testing.T) {
			// Chinese characters: three bytes each, one character each.
			at := strings.Repeat("长", tc.limit)
			if err := tc.build(at).Validate(); err != nil {
				t.Fatalf("Validate(%s of %d characters) = %v, want nil", tc.field, tc.limit, err)
			}
			err := tc.build(at + "x").Validate()
			if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != tc.field {
				t.Fatalf("Validate(%s of %d characters) = %v, want EINVALID on %s", tc.field, tc.limit+1, err, tc.field)
			}
			if msg := volmatch.ErrorMessage(err); !strings.Contains(msg, fmt.Sprint(tc.limit)) {
				t.Errorf("Validate(%s too long) says %q, want the limit %d", tc.field, msg, tc.limit)
			}
		})
	}
}

// TestHugeBio: the bio of 340,000 characters that was accepted and slowed
// every later search is refused.
func TestHugeBio(t *testing.T) {
	v := fixture.Volunteer("V1")
	v.Bio = strings.Repeat("志愿服务", 85000)
	err := v.Validate()
	if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != "bio" {
		t.Fatalf("Validate(bio of 340000 characters) = %v, want EINVALID on bio", err)
	}
	if want := "must be at most 2000 characters, got 340000"; volmatch.ErrorMessage(err) != want {
		t.Errorf("Validate(bio of 340000 characters) says %q, want %q", volmatch.ErrorMessage(err), want)
	}
}
