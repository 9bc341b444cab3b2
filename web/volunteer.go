package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"volmatch"
	"volmatch/engine"
	"volmatch/geo"
	"volmatch/matcher"
	"volmatch/scoring"
)

// The volunteer's pages: the menu with 报名 in one tap, the invitations
// with accept and decline, and their shifts with hours, star level and an
// iCalendar download. Every action is the engine's (SignUp, Accept,
// Decline), so the pages obey the rules the JSON API does. A POST answers
// with a redirect back to its page (post/redirect/get) carrying a message
// key from the catalogue (?msg=), never free text.

// menuSize is how many items the menu page asks for.
const menuSize = 20

// maxOwn is the most invitations or assignments a volunteer's page lists.
const maxOwn = 500

// menuGroup is a group of the menu with its category's name.
type menuGroup struct {
	Category string
	Day      time.Time
	Items    []menuCard
}

// menuData is the menu page.
type menuData struct {
	Notice *notice
	Groups []menuGroup
}

// menuCard is a menu item as the page shows it: whether the volunteer can
// sign up for it here (a menu-mode need) or already holds it, and why it
// suits them.
type menuCard struct {
	matcher.MenuItem
	SignUp bool
	Held   bool
	Why    string
	Place  string // the need's district and street
}

// notice is the message a page shows after an action: its text and
// whether it is good news.
type notice struct {
	Text string
	OK   bool
}

// flashes are the message keys a redirect may carry, good news true.
var flashes = map[string]bool{
	"flash.reserved": true, "flash.requested": true, "flash.accepted": true, "flash.declined": true, "flash.withdrawn": true,
	"refused.full": false, "refused.held": false, "refused.clash": false, "refused.begun": false, "refused.gate": false,
	"refused.notmenu": false, "refused.closed": false, "refused.answered": false, "refused.other": false,
}

// flash returns the notice of the request's ?msg=, if it names one.
func (r *request) flash() *notice {
	key := r.URL.Query().Get("msg")
	ok, known := flashes[key]
	if !known {
		return nil
	}
	return &notice{Text: msg(r.lang, key), OK: ok}
}

// refusals are the message keys of the engine's refusal reasons
// (volmatch.Error.Reason) of a sign-up, an accept or a decline; a gate
// (volmatch.ReasonGate) is "refused.gate".
var refusals = map[string]string{
	volmatch.ReasonSlotFull:    "refused.full",
	volmatch.ReasonAlreadyHeld: "refused.held",
	volmatch.ReasonShiftClash:  "refused.clash",
	volmatch.ReasonShiftBegun:  "refused.begun",
	volmatch.ReasonNotMenu:     "refused.notmenu",
	volmatch.ReasonNeedClosed:  "refused.closed",
	volmatch.ReasonAnswered:    "refused.answered",
}

// refusal returns the message key of an engine refusal of a sign-up, an
// accept or a decline, in words the volunteer acts on: by the refusal's
// reason, never its English wording; "refused.other" for any other.
func refusal(err error) string {
	reason := volmatch.ErrorReason(err)
	if _, ok := volmatch.GateOf(reason); ok {
		return "refused.gate"
	}
	if key, ok := refusals[reason]; ok {
		return key
	}
	return "refused.other"
}

// back redirects to page with message key.
func back(w http.ResponseWriter, r *request, page, key string) {
	http.Redirect(w, r.Request, page+"?msg="+url.QueryEscape(key), http.StatusSeeOther)
}

// needs returns the needs of ids as the caller may see them, by ID; a
// need the caller may not see or that is gone is left out.
func (s *Server) needsByID(ctx context.Context, tok *volmatch.Token, ids []string) (map[string]*volmatch.Need, error) {
	out := map[string]*volmatch.Need{}
	for _, id := range ids {
		if _, ok := out[id]; ok {
			continue
		}
		n, err := s.eng.Need(ctx, tok, id)
		switch volmatch.ErrorCode(err) {
		case "":
			out[id] = n
		case volmatch.ENOTFOUND, volmatch.EFORBIDDEN:
		default:
			return nil, err
		}
	}
	return out, nil
}

// menu shows the volunteer's menu by category and day, with 报名 on the
// items of menu-mode needs.
func (s *Server) menu(w http.ResponseWriter, r *request) {
	ctx := r.Context()
	m, err := s.eng.Menu(ctx, r.tok, r.tok.Volunteer, engine.MenuOptions{K: menuSize})
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	ids := make([]string, 0, len(m.Items))
	for _, it := range m.Items {
		ids = append(ids, it.Need)
	}
	needs, err := s.needsByID(ctx, r.tok, ids)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	held, err := s.holding(ctx, r.tok)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	me, err := s.eng.Volunteer(ctx, r.tok, r.tok.Volunteer)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	names := categoryNames(r.lang)
	groups := make([]menuGroup, 0, len(m.Groups))
	for _, g := range m.Groups {
		name := cmp.Or(names[g.Category], g.Category)
		var day time.Time
		if len(g.Items) > 0 {
			day = g.Items[0].Start
		}
		cards := make([]menuCard, 0, len(g.Items))
		for _, it := range g.Items {
			n := needs[it.Need]
			c := menuCard{MenuItem: it, SignUp: n != nil && n.Mode == volmatch.ModeMenu,
				Held: held[it.Need+"/"+it.Shift], Why: why(r.lang, it, me.Stats.Completed == 0)}
			if n != nil {
				c.Place = placeName(n)
			}
			cards = append(cards, c)
		}
		groups = append(groups, menuGroup{Category: name, Day: day, Items: cards})
	}
	s.render(w, r.Request, http.StatusOK, "menu", r.view("menu.title", menuData{Notice: r.flash(), Groups: groups}))
}

// holding returns the shifts ("need/shift") the volunteer holds a slot of.
func (s *Server) holding(ctx context.Context, tok *volmatch.Token) (map[string]bool, error) {
	as, _, err := s.eng.Assignments(ctx, tok, volmatch.AssignmentFilter{Volunteer: tok.Volunteer, ListOptions: volmatch.ListOptions{Limit: maxOwn}})
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, a := range as {
		if a.Status.Holds() {
			out[a.Need+"/"+a.Shift] = true
		}
	}
	return out, nil
}

// whyShown is how many of the strongest reasons an item gives.
const whyShown = 2

// why says in a phrase why an item suits the volunteer: its strongest
// breakdown components, or its distance and their free time when it
// carries none. A newcomer's reliability is the scorer's prior, not a
// record, so it is no reason to tell them ("you always keep your word").
func why(lang string, it matcher.MenuItem, newcomer bool) string {
	comps := slices.Clone(it.Breakdown)
	comps = slices.DeleteFunc(comps, func(c volmatch.Component) bool {
		return c.Contribution() <= 0 || newcomer && c.Name == scoring.ComponentReliability
	})
	slices.SortStableFunc(comps, func(a, b volmatch.Component) int { return cmp.Compare(b.Contribution(), a.Contribution()) })
	var parts []string
	for _, c := range comps {
		if len(parts) == whyShown {
			break
		}
		key := "why." + c.Name
		if _, ok := messages[langZH][key]; !ok {
			continue
		}
		if c.Name == scoring.ComponentDistance {
			parts = append(parts, fmt.Sprintf(msg(lang, key), it.DistanceKm))
		} else {
			parts = append(parts, msg(lang, key))
		}
	}
	if len(parts) == 0 {
		parts = []string{fmt.Sprintf(msg(lang, "why."+scoring.ComponentDistance), it.DistanceKm), msg(lang, "why."+scoring.ComponentAvailabilitySlack)}
	}
	return strings.Join(parts, msg(lang, "why.sep"))
}

// signUp signs the volunteer up for the form's shift (报名) and goes back
// to the menu with the outcome.
func (s *Server) signUp(w http.ResponseWriter, r *request) {
	res, err := s.eng.SignUp(r.Context(), r.tok, r.PostFormValue("need"), r.PostFormValue("shift"), engine.SignUpRequest{})
	switch code := volmatch.ErrorCode(err); {
	case err == nil && res.Request != nil:
		back(w, r, "/web/menu", "flash.requested")
	case err == nil:
		back(w, r, "/web/menu", "flash.reserved")
	case code == volmatch.ECONFLICT || code == volmatch.EINVALID:
		back(w, r, "/web/menu", refusal(err))
	default:
		s.fail(w, r.Request, r.lang, err)
	}
}

// inviteCard is an invitation as the page shows it.
type inviteCard struct {
	ID         string
	Title      string
	Place      string
	Start, End time.Time
	Why        string
	Request    bool // the volunteer's own sign-up request, awaiting approval
	// Team, TeamName and Leads: a team invitation (team.go), which only
	// its leader accepts, for everyone.
	Team, TeamName string
	Leads          bool
}

// placeName is the district and street of a need in words.
func placeName(n *volmatch.Need) string {
	g := geo.Beijing()
	if st, ok := g.Street(n.Street); ok {
		return st.DistrictName + " " + st.Name
	}
	if d, ok := g.District(n.District); ok {
		return d.Name
	}
	return ""
}

// invitationsData is the invitations page.
type invitationsData struct {
	Notice      *notice
	Invitations []inviteCard
}

// invitations lists the volunteer's open invitations (and their sign-up
// requests awaiting approval), each with accept and decline.
func (s *Server) invitations(w http.ResponseWriter, r *request) {
	ctx := r.Context()
	invs, _, err := s.eng.Invitations(ctx, r.tok, volmatch.InvitationFilter{Volunteer: r.tok.Volunteer, Status: volmatch.InviteSent,
		ListOptions: volmatch.ListOptions{Limit: maxOwn}})
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	ids := make([]string, 0, len(invs))
	for _, inv := range invs {
		ids = append(ids, inv.Need)
	}
	needs, err := s.needsByID(ctx, r.tok, ids)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	cards := make([]inviteCard, 0, len(invs))
	for _, inv := range invs {
		n := needs[inv.Need]
		if n == nil {
			continue
		}
		sh, ok := n.Shift(inv.Shift)
		if !ok {
			continue
		}
		c := inviteCard{ID: inv.ID, Title: n.Title, Place: placeName(n), Start: sh.Start, End: sh.End,
			Request: inv.Origin == volmatch.OriginSignUp}
		if c.Team = inv.Team; c.Team != "" {
			c.TeamName = inv.Team
			if t, err := s.eng.Team(ctx, r.tok, inv.Team); err == nil {
				c.TeamName, c.Leads = t.Name, t.Leads
			}
		}
		switch {
		case c.Request:
			c.Why = msg(r.lang, "invite.request")
		case inv.Rank > 0:
			c.Why = fmt.Sprintf(msg(r.lang, "invite.ranked"), inv.Rank, inv.Score)
		default:
			c.Why = msg(r.lang, "invite.chosen")
		}
		cards = append(cards, c)
	}
	slices.SortStableFunc(cards, func(a, b inviteCard) int { return a.Start.Compare(b.Start) })
	s.render(w, r.Request, http.StatusOK, "invitations", r.view("invite.title", invitationsData{Notice: r.flash(), Invitations: cards}))
}

// answer accepts or declines invitation {id} and goes back to the list.
func (s *Server) answer(accept bool) func(w http.ResponseWriter, r *request) {
	return func(w http.ResponseWriter, r *request) {
		id := r.PathValue("id")
		page := "/web/invitations"
		if r.PostFormValue("from") == "inbox" { // answered in the inbox: back there
			page = "/web/inbox"
		}
		var err error
		ok := "flash.declined"
		if accept {
			_, err = s.eng.Accept(r.Context(), r.tok, id)
			ok = "flash.accepted"
		} else {
			var inv *volmatch.Invitation
			inv, err = s.eng.Decline(r.Context(), r.tok, id)
			if err == nil && inv.Origin == volmatch.OriginSignUp {
				ok = "flash.withdrawn"
			}
		}
		switch code := volmatch.ErrorCode(err); {
		case err == nil:
			back(w, r, page, ok)
		case code == volmatch.ECONFLICT || code == volmatch.EINVALID:
			back(w, r, page, refusal(err))
		default:
			s.fail(w, r.Request, r.lang, err)
		}
	}
}

// shiftCard is an assignment as the page shows it.
type shiftCard struct {
	ID         string
	Title      string
	Place      string
	Start, End time.Time
	Status     string
	Hours      float64
}

// starLevel is a volunteer's star level and their progress to the next.
type starLevel struct {
	Hours   float64
	Level   int     // 0..5
	Next    float64 // hours of the next level; 0 at the top
	ToGo    float64 // hours still to serve for it
	Percent int     // progress from this level to the next, 0..100
	Stars   string  // ★ for each level reached, ☆ for each to come
}

// starOf returns the star level of verified hours (engine.StarProgress).
func starOf(hours float64) starLevel {
	p := engine.StarProgress(hours)
	return starLevel{Hours: p.Hours, Level: p.Level, Next: p.Next, ToGo: p.ToGo, Percent: p.Percent,
		Stars: strings.Repeat("★", p.Level) + strings.Repeat("☆", len(volmatch.StarHours)-p.Level)}
}

// shiftsData is the my-shifts page.
type shiftsData struct {
	Upcoming, Past []shiftCard
	Star           starLevel
	QR             map[string]*checkInQR // by assignment: the check-in codes (scan.go)
}

// myShifts returns the volunteer's assignments as cards, upcoming (holding
// and not ended, soonest first) and past (latest first).
func (s *Server) myShifts(ctx context.Context, r *request) (up, past []shiftCard, err error) {
	as, _, err := s.eng.Assignments(ctx, r.tok, volmatch.AssignmentFilter{Volunteer: r.tok.Volunteer, ListOptions: volmatch.ListOptions{Limit: maxOwn}})
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, 0, len(as))
	for _, a := range as {
		ids = append(ids, a.Need)
	}
	needs, err := s.needsByID(ctx, r.tok, ids)
	if err != nil {
		return nil, nil, err
	}
	now := s.eng.Now()
	for _, a := range as {
		c := shiftCard{ID: a.ID, Start: a.Start, End: a.End, Status: msg(r.lang, "assign."+string(a.Status)), Hours: a.Hours}
		if n := needs[a.Need]; n != nil {
			c.Title, c.Place = n.Title, placeName(n)
		}
		if (a.Status == volmatch.AssignReserved || a.Status == volmatch.AssignCheckedIn) && a.End.After(now) {
			up = append(up, c)
		} else {
			past = append(past, c)
		}
	}
	slices.SortStableFunc(up, func(a, b shiftCard) int { return a.Start.Compare(b.Start) })
	slices.SortStableFunc(past, func(a, b shiftCard) int { return b.Start.Compare(a.Start) })
	return up, past, nil
}

// shifts shows the volunteer's upcoming and past shifts, their hours and
// star level.
func (s *Server) shifts(w http.ResponseWriter, r *request) {
	up, past, err := s.myShifts(r.Context(), r)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	st, err := s.eng.Stars(r.Context(), r.tok, r.tok.Volunteer) // verified hours, opening balance included
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	s.render(w, r.Request, http.StatusOK, "shifts", r.view("shifts.title", shiftsData{Upcoming: up, Past: past, Star: starOf(st.Hours), QR: s.checkInQRs(r, up)}))
}

// calendar serves the upcoming shifts as an iCalendar file (RFC 5545).
func (s *Server) calendar(w http.ResponseWriter, r *request) {
	up, _, err := s.myShifts(r.Context(), r)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="volmatch-shifts.ics"`)
	_, _ = w.Write([]byte(iCalendar(up, s.eng.Now())))
}

// icsTime is the UTC form of a time in iCalendar.
const icsTime = "20060102T150405Z"

// iCalendar returns the shifts as a calendar, one VEVENT each, with CRLF
// line endings and lines folded at 75 octets.
func iCalendar(shifts []shiftCard, stamp time.Time) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(foldICS(s)); b.WriteString("\r\n") }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//volmatch//volunteer shifts//ZH")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + escapeICS("志愿服务班次"))
	for _, c := range shifts {
		line("BEGIN:VEVENT")
		line("UID:" + c.ID + "@volmatch")
		line("DTSTAMP:" + stamp.UTC().Format(icsTime))
		line("DTSTART:" + c.Start.UTC().Format(icsTime))
		line("DTEND:" + c.End.UTC().Format(icsTime))
		line("SUMMARY:" + escapeICS(cmp.Or(c.Title, "志愿服务")))
		if c.Place != "" {
			line("LOCATION:" + escapeICS(c.Place))
		}
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.String()
}

// escapeICS escapes a TEXT value.
func escapeICS(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// foldICS folds a content line into lines of at most 75 octets, never
// inside a UTF-8 character; a continuation line starts with a space.
func foldICS(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		size := len(string(r))
		if n+size > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += size
	}
	return b.String()
}
