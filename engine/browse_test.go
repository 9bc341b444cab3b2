package engine_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
)

// far is a point in Tongzhou, about 18 km from fixture.Site: beyond every
// fixture need's reach.
var far = volmatch.Point{Lat: 39.9097, Lng: 116.6566}

func findable(v *volmatch.Volunteer) { v.Consent.Findable = true }

func foundIDs(p engine.FoundPage) []string {
	out := []string{}
	for _, f := range p.Items {
		out = append(out, f.ID)
	}
	slices.Sort(out)
	return out
}

// TestSearchBioOnlyForReaders attacks search as a way to read what the
// masked view drops: before, a social worker found a volunteer by a word
// of their bio (which their view of the volunteer leaves out). Now only a
// caller who reads the whole record (an admin) searches the bio.
func TestSearchBioOnlyForReaders(t *testing.T) {
	ctx := context.Background()
	v := fixture.Volunteer("V1", findable, func(v *volmatch.Volunteer) { v.Bio = "退休教师，业余养蜂二十年。" })
	e, _ := newEngine(t, v, fixture.Volunteer("V2", findable))
	for _, c := range []struct {
		name string
		tok  *volmatch.Token
		q    volmatch.SearchQuery
		want []string
	}{
		{"admin, volunteers", admin, volmatch.SearchQuery{Text: "养蜂", Kind: volmatch.ChangeVolunteer}, []string{"V1"}},
		{"admin, both kinds", admin, volmatch.SearchQuery{Text: "养蜂"}, []string{"V1"}},
		{"admin, one character", admin, volmatch.SearchQuery{Text: "蜂"}, []string{"V1"}},
		{"social worker, volunteers", sw1, volmatch.SearchQuery{Text: "养蜂", Kind: volmatch.ChangeVolunteer}, []string{}},
		{"social worker, both kinds", sw1, volmatch.SearchQuery{Text: "养蜂"}, []string{}},
		{"social worker, one character", sw1, volmatch.SearchQuery{Text: "蜂"}, []string{}},
		{"social worker, the transport asks for private", sw1, volmatch.SearchQuery{Text: "养蜂", Private: true}, []string{}},
		{"social worker, by skill (in the masked view)", sw1, volmatch.SearchQuery{Skill: "first_aid", Kind: volmatch.ChangeVolunteer}, []string{"V1", "V2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := e.Search(ctx, c.tok, c.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := foundIDs(p); !slices.Equal(got, c.want) || p.Total != len(c.want) {
				t.Errorf("Search(%+v) = total %d, %v; want %d, %v", c.q, p.Total, got, len(c.want), c.want)
			}
		})
	}
}

// TestSearchCountsOnlyOwnNeeds attacks the counts: before, a social
// worker's total counted every organisation's matching needs, and the
// first page, filled by the index with other organisations' needs and
// filtered afterwards, came back empty.
func TestSearchCountsOnlyOwnNeeds(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t)
	post := func(tok *volmatch.Token, id, org string) {
		t.Helper()
		if _, err := e.PostNeed(ctx, tok, fixture.Need(id, fixture.Org(org), fixture.Title("心理疏导陪伴"))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 {
		post(sw2, fmt.Sprintf("A%02d", i), "O2") // first by ID
	}
	for i := range 3 {
		post(sw1, fmt.Sprintf("Z%02d", i), "O1")
	}
	for _, q := range []volmatch.SearchQuery{
		{Text: "心理疏导", Kind: volmatch.ChangeNeed, Limit: 3},
		{Text: "心理疏导", Limit: 3},
		{Kind: volmatch.ChangeNeed, Near: &fixture.Site, WithinKm: 5, Limit: 3},
	} {
		p, err := e.Search(ctx, sw1, q)
		if err != nil {
			t.Fatal(err)
		}
		if got := foundIDs(p); p.Total != 3 || !slices.Equal(got, []string{"Z00", "Z01", "Z02"}) {
			t.Errorf("Search(%+v) as O1 = total %d, %v; want 3, [Z00 Z01 Z02]", q, p.Total, got)
		}
	}
	if _, err := e.Search(ctx, sw1, volmatch.SearchQuery{Text: "心理疏导", Org: "O2"}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("Search(org O2) as O1 = %v, want EFORBIDDEN", err)
	}
	p, err := e.Search(ctx, admin, volmatch.SearchQuery{Text: "心理疏导", Limit: 3})
	if err != nil || p.Total != 33 {
		t.Errorf("Search as admin = total %d, %v; want 33", p.Total, err)
	}
}

// TestBrowse attacks who a social worker may browse: before, they listed,
// searched and read every volunteer of the city with birth year, gender and
// street. Now (engine/access.go, "Who may browse whom") only the candidates
// of their organisation's open needs, the volunteers it invited or
// assigned, and those who opted into being found; every route holds it,
// the totals too.
func TestBrowse(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t,
		fixture.Volunteer("VC"),                            // candidate for O1's N1
		fixture.Volunteer("VF", fixture.At(far), findable), // findable
		fixture.Volunteer("VI"),                            // invited by O1 for N2, which closed
		fixture.Volunteer("VX", fixture.At(far)),           // none of these
	)
	// N2 first: VC and VI are both its candidates; O1 invites VI, closes N2.
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N2")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Invite(ctx, sw1, "N2", engine.InviteRequest{Volunteers: []string{"VI"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CloseNeed(ctx, sw1, "N2"); err != nil {
		t.Fatal(err)
	}
	// N1 reaches VC only: VI does not speak the language it requires.
	if err := e.Store().UpdateVolunteer(ctx, fixture.Volunteer("VI", fixture.Languages("en"))); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1", fixture.Requires(volmatch.Requirements{Languages: []string{"zh"}}))); err != nil {
		t.Fatal(err)
	}

	want := map[*volmatch.Token][]string{
		admin: {"VC", "VF", "VI", "VX"},
		sw1:   {"VC", "VF", "VI"},
		sw2:   {"VF"}, // O2 has no needs and invited nobody
	}
	names := map[*volmatch.Token]string{admin: "admin", sw1: "sw1", sw2: "sw2"}
	for _, tok := range []*volmatch.Token{admin, sw1, sw2} {
		t.Run(names[tok], func(t *testing.T) {
			vs, next, err := e.Volunteers(ctx, tok, volmatch.VolunteerFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vs {
				got = append(got, v.ID)
			}
			if !slices.Equal(got, want[tok]) || next != "" {
				t.Errorf("Volunteers = %v next %q, want %v", got, next, want[tok])
			}
			for _, q := range []volmatch.SearchQuery{
				{Kind: volmatch.ChangeVolunteer},
				{Kind: volmatch.ChangeVolunteer, Skill: "first_aid"},
				{Kind: volmatch.ChangeVolunteer, Near: &fixture.Site},
				{Near: &fixture.Site, District: fixture.District},
			} {
				p, err := e.Search(ctx, tok, q)
				if err != nil {
					t.Fatal(err)
				}
				var vols []string
				for _, f := range p.Items {
					if f.Kind == volmatch.ChangeVolunteer {
						vols = append(vols, f.ID)
					}
				}
				slices.Sort(vols)
				needs := len(p.Items) - len(vols)
				if !slices.Equal(vols, want[tok]) || p.Total != len(want[tok])+needs {
					t.Errorf("Search(%+v) = total %d, volunteers %v; want %d, %v", q, p.Total, vols, len(want[tok])+needs, want[tok])
				}
			}
			for _, id := range []string{"VC", "VF", "VI", "VX", "VMISSING"} {
				_, err := e.Volunteer(ctx, tok, id)
				allowed := slices.Contains(want[tok], id)
				switch {
				case allowed && err != nil:
					t.Errorf("Volunteer(%s) = %v, want it", id, err)
				case !allowed && tok != admin && volmatch.ErrorCode(err) != volmatch.EFORBIDDEN:
					t.Errorf("Volunteer(%s) = %v, want EFORBIDDEN", id, err)
				}
			}
		})
	}

	// Paging: one a page, every page full while more follow.
	var pages []string
	after := ""
	for range 10 {
		vs, next, err := e.Volunteers(ctx, sw1, volmatch.VolunteerFilter{ListOptions: volmatch.ListOptions{Limit: 1, After: after}})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			pages = append(pages, v.ID)
		}
		if next == "" {
			break
		}
		if len(vs) != 1 {
			t.Fatalf("page after %q = %d volunteers with a next page, want 1", after, len(vs))
		}
		after = next
	}
	if !slices.Equal(pages, want[sw1]) {
		t.Errorf("pages of one = %v, want %v", pages, want[sw1])
	}

	// Refused outright.
	if _, _, err := e.Volunteers(ctx, sw1, volmatch.VolunteerFilter{Street: fixture.Street}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
		t.Errorf("Volunteers(street) as sw1 = %v, want EFORBIDDEN", err)
	}
	for _, tok := range []*volmatch.Token{planner, volunteerToken("VC")} {
		if _, _, err := e.Volunteers(ctx, tok, volmatch.VolunteerFilter{}); volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
			t.Errorf("Volunteers as %s = %v, want EFORBIDDEN", tok.Role, err)
		}
	}
}

// TestBrowseView checks what a social worker sees of a volunteer: birth
// year, gender and street only once the volunteer accepted their
// organisation's invitation, the contact only with consent too.
func TestBrowseView(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t, fixture.Volunteer("V1"), fixture.Volunteer("V2", func(v *volmatch.Volunteer) { v.Consent.ShareContact = false }))
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1")); err != nil {
		t.Fatal(err)
	}
	v, err := e.Volunteer(ctx, sw1, "V1")
	if err != nil {
		t.Fatal(err)
	}
	if v.BirthYear != 0 || v.Gender != "" || v.Street != "" || v.District != fixture.District || v.Name == "测试志愿者" {
		t.Errorf("V1 before accepting = birth %d gender %q street %q district %q name %q; want none, none, none, %s, masked",
			v.BirthYear, v.Gender, v.Street, v.District, v.Name, fixture.District)
	}
	invs, err := e.Invite(ctx, sw1, "N1", engine.InviteRequest{Volunteers: []string{"V1", "V2"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range invs {
		if _, err := e.Accept(ctx, volunteerToken(inv.Volunteer), inv.ID); err != nil {
			t.Fatal(err)
		}
	}
	if v, err = e.Volunteer(ctx, sw1, "V1"); err != nil || v.Name != "测试志愿者" || v.Street != fixture.Street || v.BirthYear != 1990 {
		t.Errorf("V1 after accepting = %q %q %d, %v; want the whole record", v.Name, v.Street, v.BirthYear, err)
	}
	if v, err = e.Volunteer(ctx, sw1, "V2"); err != nil || v.Name == "测试志愿者" || v.Street != fixture.Street || v.BirthYear != 1990 {
		t.Errorf("V2 after accepting without consent to share = %q %q %d, %v; want masked with street and birth year", v.Name, v.Street, v.BirthYear, err)
	}
	if v, err = e.Volunteer(ctx, sw2, "V1"); err == nil {
		t.Errorf("V1 as sw2 = %+v, want EFORBIDDEN (O2 has no needs)", v)
	}
}

// TestSearchBounded attacks the cost of a search: before, every character
// of q became a wildcard clause, and 249-character queries ran for minutes
// past the request's deadline. Now q is bounded on every transport, and a
// done context stops a search at once.
func TestSearchBounded(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t, fixture.Volunteers(3)...)
	if _, err := e.PostNeed(ctx, sw1, fixture.Need("N1")); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("老 ", 124) + "老" // 249 characters
	for _, text := range []string{long, strings.Repeat("老", 65), "老 人 心 理 疏 导 手 语 急"} {
		for _, tok := range []*volmatch.Token{admin, sw1, volunteerToken("V000")} {
			if _, err := e.Search(ctx, tok, volmatch.SearchQuery{Text: text}); volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != "q" {
				t.Errorf("Search(%d characters) as %s = %v, want EINVALID on q", len([]rune(text)), tok.Role, err)
			}
		}
	}
	if p, err := e.Search(ctx, sw1, volmatch.SearchQuery{Text: strings.Repeat("老", 64)}); err != nil || p.Total != 0 {
		t.Errorf("Search(64 characters) = %d, %v; want 0 hits, no error", p.Total, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	for _, tok := range []*volmatch.Token{admin, sw1} {
		start := time.Now()
		_, err := e.Search(cctx, tok, volmatch.SearchQuery{Text: "助老"})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Search with a cancelled context as %s = %v, want context.Canceled", tok.Role, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Search with a cancelled context took %v", d)
		}
	}
}

// TestContactAfterSignUp: a volunteer who signed up from an organisation's
// menu took its service as one who accepted its invitation did, so its
// social workers see the contact the volunteer consents to share (before,
// the sign-up left it masked and the worker could not call the volunteer
// about the shift); without consent it stays masked.
func TestContactAfterSignUp(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t, fixture.Volunteer("V1"), fixture.Volunteer("V2", func(v *volmatch.Volunteer) { v.Consent.ShareContact = false }))
	n := fixture.Need("N1")
	n.Mode = volmatch.ModeMenu
	if _, err := e.PostNeed(ctx, sw1, n); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"V1", "V2"} {
		if _, err := e.SignUp(ctx, volunteerToken(id), "N1", n.Shifts[0].ID, engine.SignUpRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := e.Volunteer(ctx, sw1, "V1"); err != nil || v.Phone != "13800000000" {
		t.Errorf("V1 after signing up = phone %q, %v; want the whole record", v.Phone, err)
	}
	if v, err := e.Volunteer(ctx, sw1, "V2"); err != nil || v.Phone == "13800000000" || v.Street != fixture.Street {
		t.Errorf("V2 after signing up without consent = phone %q street %q, %v; want masked, with street", v.Phone, v.Street, err)
	}
}
