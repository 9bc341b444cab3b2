package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"volmatch"
	"volmatch/geo"
	"volmatch/taxonomy"
)

// The volunteer's sign-up (志愿者注册) and profile (issue 14), phone first.
// A person opens the registration link an admin issued (the stand-in for
// SMS verification: see engine.Register), fills in one form and is signed
// in; later the same form, prefilled, edits the profile. The form only
// turns fields into a volmatch.Volunteer and the engine's field errors into
// Chinese sentences beside the fields: every rule (the code works once,
// the phone's form, the home in the street, claims pending until verified)
// is the engine's. The profile also shows what is held (a download of the
// record) and deletes the account after a confirmation.

// registerCookie is the sign-up form's double-submit CSRF value (the
// person has no session yet).
const registerCookie = "vm_register"

// Periods of the availability grid: hours of the day [from, to) in Beijing
// time. Together they span 06:00–22:00.
var periods = [3][2]int{{6, 12}, {12, 18}, {18, 22}}

// travelChoices are the distances (km) the form offers.
var travelChoices = []int{1, 3, 5, 10, 20, 50}

// languageKeys are the languages the form offers (the generator's keys,
// ISO 639 where one exists).
var languageKeys = []string{"zh", "en", "yue", "csl", "ja", "ko", "fr", "ru"}

// certRowsMin is the least number of certificate rows the form offers.
const certRowsMin = 2

// certInput is a certificate row as typed.
type certInput struct {
	N, Num        int // the row's index in the field names, and its number shown
	Name, Expires string
	Status        string // "verified", "pending" or ""
	Options       []choice
}

// checkRow is a checkbox of a list.
type checkRow struct {
	Value, Label, Status string
	Checked              bool
}

// skillRow is a skill with the chosen level.
type skillRow struct {
	Key, Label, Status, Verified string
	Level                        int
}

// skillGroup is a domain's skills.
type skillGroup struct {
	Label  string
	Chosen int
	Rows   []skillRow
}

// availRow is a day of the availability grid.
type availRow struct {
	Day   int // 0 = Monday
	Label string
	Cells [3]bool
}

// volForm is the sign-up or profile form's values and errors by field.
type volForm struct {
	// As typed (or prefilled from the stored record).
	Code                                            string // the registration code (sign-up only)
	Name, Phone, District, Street, Lat, Lng, Travel string
	Consent                                         volmatch.Consent
	skillLevels                                     map[string]int  // skill key -> level 1..3
	trainingSet, languageSet                        map[string]bool // keys ticked
	availCells                                      [7][3]bool      // day (Monday first) x period
	certsTyped                                      []certInput
	clearPrecise                                    bool // "keep only my street's location" ticked

	// What the template shows.
	Precise              bool // a precise home is stored (profile)
	Avail                []availRow
	Skills               []skillGroup
	Certs                []certInput
	Trainings, Languages []checkRow
	Districts, Travels   []choice
	Streets              []choiceGroup
	Periods              [3]string
	Levels               []int // a skill's levels: 0 none, 1 basic, 2 skilled, 3 expert
	Errors               map[string]string
	Notice               string
	Pending              int // claims waiting for verification (profile)

	stored *volmatch.Volunteer // the stored record (profile), nil at sign-up
}

// Err returns the error of field name ("" when none), for the template.
func (f *volForm) Err(name string) string { return f.Errors[name] }

// registerRoutes registers the sign-up and the profile pages.
func (s *Server) registerRoutes() {
	s.mux.HandleFunc("GET /web/register", s.registerForm)
	s.mux.HandleFunc("POST /web/register", s.register)
	s.mux.Handle("GET /web/profile", s.page(volunteers, s.profile))
	s.mux.Handle("POST /web/profile", s.page(volunteers, s.saveProfile))
	s.mux.Handle("GET /web/profile/data", s.page(volunteers, s.profileData))
	s.mux.Handle("GET /web/profile/delete", s.page(volunteers, s.deleteForm))
	s.mux.Handle("POST /web/profile/delete", s.page(volunteers, s.deleteProfile))
}

// registerForm shows the empty sign-up form, the code filled in from a
// link's ?code=. Opening the link does not spend the code; a code that no
// longer works is said at once, before the person fills the form in.
func (s *Server) registerForm(w http.ResponseWriter, r *http.Request) {
	headers(w)
	lang := language(w, r, s.secure(r))
	f := &volForm{Code: strings.TrimSpace(r.URL.Query().Get("code")), Travel: "5", Errors: map[string]string{},
		languageSet: map[string]bool{"zh": true}}
	if f.Code != "" {
		if err := s.eng.CheckRegistration(r.Context(), f.Code); volmatch.ErrorCode(err) == volmatch.EUNAUTHORIZED {
			f.Errors["code"] = msg(lang, "reg.err.code")
		} else if err != nil {
			s.fail(w, r, lang, err)
			return
		}
	}
	s.registerPage(w, r, lang, http.StatusOK, f)
}

// registerPage renders the sign-up form with a fresh double-submit CSRF
// value.
func (s *Server) registerPage(w http.ResponseWriter, r *http.Request, lang string, status int, f *volForm) {
	csrf := randomValue()
	http.SetCookie(w, &http.Cookie{Name: registerCookie, Value: csrf, Path: "/web/register", MaxAge: 3600,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	s.fillChoices(lang, f)
	s.render(w, r, status, "register", view{Lang: lang, Title: msg(lang, "reg.title"), CSRF: csrf, Data: f})
}

// register reads the sign-up form and redeems its code for a new volunteer
// and their session; a field at fault shows the form again with the error
// beside it, nothing written and the code not spent.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	headers(w)
	lang := language(w, r, s.secure(r))
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.tooLarge(w, r, lang, err)
		return
	}
	c, err := r.Cookie(registerCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf"), c.Value) {
		s.status(w, r, lang, http.StatusForbidden, "error.csrf")
		return
	}
	f := readVolForm(r, lang, nil)
	f.Code = strings.TrimSpace(r.PostFormValue("code"))
	if f.Code == "" {
		f.Errors["code"] = msg(lang, "reg.err.nocode")
	}
	v := f.volunteer(lang, nil)
	if len(f.Errors) == 0 {
		secret, sess, _, err := s.eng.Register(r.Context(), f.Code, v)
		switch volmatch.ErrorCode(err) {
		case "":
			// The form's CSRF cookie stays: a replay of the form (the back
			// button) is then told that the code was used.
			s.setSession(w, r, secret, sess.ExpiresAt.Sub(sess.CreatedAt))
			http.Redirect(w, r, "/web/profile?welcome=1", http.StatusSeeOther)
			return
		case volmatch.EUNAUTHORIZED:
			f.Errors["code"] = msg(lang, "reg.err.code")
		case volmatch.EINVALID:
			field, text := volFormError(lang, f, volmatch.ErrorField(err), volmatch.ErrorReason(err))
			f.Errors[field] = text
		default:
			s.fail(w, r, lang, err)
			return
		}
	}
	s.registerPage(w, r, lang, http.StatusUnprocessableEntity, f)
}

// tooLarge answers a form that could not be read: 413 for a body over
// maxForm, 400 otherwise.
func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request, lang string, err error) {
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		s.status(w, r, lang, http.StatusRequestEntityTooLarge, "reg.err.large")
		return
	}
	s.status(w, r, lang, http.StatusBadRequest, "reg.err.form")
}

// profile shows the volunteer's own record in the form, with which claims
// are verified and which pending.
func (s *Server) profile(w http.ResponseWriter, r *request) {
	v, err := s.eng.Volunteer(r.Context(), r.tok, r.tok.Volunteer)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	f := profileForm(v)
	switch {
	case r.URL.Query().Has("welcome"):
		f.Notice = msg(r.lang, "profile.welcome")
	case r.URL.Query().Has("saved"):
		f.Notice = msg(r.lang, "profile.saved")
	}
	s.renderProfile(w, r, http.StatusOK, f)
}

func (s *Server) renderProfile(w http.ResponseWriter, r *request, status int, f *volForm) {
	s.fillChoices(r.lang, f)
	s.render(w, r.Request, status, "profile", r.view("profile.title", f))
}

// saveProfile replaces the volunteer's record with the form's values
// (engine.UpdateVolunteer as themself: a qualification raised or re-added
// goes back to pending). The record is always the session's volunteer:
// nothing in the form names whose it is.
func (s *Server) saveProfile(w http.ResponseWriter, r *request) {
	ctx := r.Context()
	old, err := s.eng.Volunteer(ctx, r.tok, r.tok.Volunteer)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	f := readVolForm(r.Request, r.lang, old)
	v := f.volunteer(r.lang, old)
	if len(f.Errors) == 0 {
		_, err := s.eng.UpdateVolunteer(ctx, r.tok, r.tok.Volunteer, v)
		switch volmatch.ErrorCode(err) {
		case "":
			http.Redirect(w, r.Request, "/web/profile?saved=1", http.StatusSeeOther)
			return
		case volmatch.EINVALID:
			field, text := volFormError(r.lang, f, volmatch.ErrorField(err), volmatch.ErrorReason(err))
			f.Errors[field] = text
		default:
			s.fail(w, r.Request, r.lang, err)
			return
		}
	}
	f.stored = old
	f.markStatus()
	s.renderProfile(w, r, http.StatusUnprocessableEntity, f)
}

// profileData sends the volunteer's own record as JSON, as a download:
// what volmatch holds about them (PIPL's right to see and copy).
func (s *Server) profileData(w http.ResponseWriter, r *request) {
	v, err := s.eng.Volunteer(r.Context(), r.tok, r.tok.Volunteer)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="volmatch-`+v.ID+`.json"`)
	_, _ = w.Write(b)
}

// deleteData is the confirmation page.
type deleteData struct {
	Error string
}

// deleteForm asks the volunteer to confirm the deletion of their account.
func (s *Server) deleteForm(w http.ResponseWriter, r *request) {
	s.render(w, r.Request, http.StatusOK, "profile_delete", r.view("delete.title", deleteData{}))
}

// deleteProfile deletes the volunteer's account once confirmed, ends the
// session and says so on the sign-in page.
func (s *Server) deleteProfile(w http.ResponseWriter, r *request) {
	if r.PostFormValue("confirm") != "yes" {
		s.render(w, r.Request, http.StatusUnprocessableEntity, "profile_delete", r.view("delete.title", deleteData{Error: msg(r.lang, "delete.err.confirm")}))
		return
	}
	if err := s.eng.DeleteVolunteer(r.Context(), r.tok, r.tok.Volunteer); err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	s.clearSession(w, r.Request)
	http.Redirect(w, r.Request, "/web/signin?deleted=1", http.StatusSeeOther)
}

// profileForm is the form prefilled from v: the claimed level or expiry
// where a claim is pending, the verified one otherwise.
func profileForm(v *volmatch.Volunteer) *volForm {
	f := &volForm{Name: v.Name, Phone: v.Phone, District: v.District, Street: v.Street, Consent: v.Consent,
		Travel: strconv.FormatFloat(v.MaxTravelKm, 'f', -1, 64), Errors: map[string]string{}, stored: v,
		skillLevels: map[string]int{}, trainingSet: map[string]bool{}, languageSet: map[string]bool{}}
	if st, ok := geo.Beijing().Street(v.Street); ok && v.Home != st.Point {
		f.Precise = true
	}
	for d := range 7 {
		for p, hs := range periods {
			f.availCells[d][p] = anyHour(v.Availability, d, hs)
		}
	}
	claims := v.Claims.Clone()
	if claims == nil {
		claims = &volmatch.Claims{}
	}
	for _, sk := range v.Skills {
		f.skillLevels[sk.Skill] = sk.Level
	}
	for _, sk := range claims.Skills {
		f.skillLevels[sk.Skill] = sk.Level
	}
	exp := map[string]time.Time{}
	var names []string
	for _, c := range append(slices.Clone(v.Certificates), claims.Certificates...) {
		if _, ok := exp[c.Name]; !ok {
			names = append(names, c.Name)
		}
		exp[c.Name] = c.Expires
	}
	for _, n := range names {
		f.certsTyped = append(f.certsTyped, certInput{Name: n, Expires: expiryDate(exp[n])})
	}
	for _, t := range append(slices.Clone(v.Trainings), claims.Trainings...) {
		f.trainingSet[t] = true
	}
	for _, l := range v.Languages {
		f.languageSet[l] = true
	}
	f.markStatus()
	return f
}

// markStatus counts the pending claims of the stored record.
func (f *volForm) markStatus() {
	if c := f.stored.Claims; c != nil {
		f.Pending = len(c.Skills) + len(c.Certificates) + len(c.Trainings)
		if !c.InsuredUntil.IsZero() {
			f.Pending++
		}
	}
}

// anyHour reports whether any hour of [hs[0], hs[1]) of day d is in w.
func anyHour(w volmatch.Week, d int, hs [2]int) bool {
	for h := hs[0]; h < hs[1]; h++ {
		if w.Has(d*24 + h) {
			return true
		}
	}
	return false
}

// readVolForm reads the posted form (old is the stored record, nil at
// sign-up).
func readVolForm(r *http.Request, lang string, old *volmatch.Volunteer) *volForm {
	pf := r.PostForm
	f := &volForm{
		Name: strings.TrimSpace(pf.Get("name")), Phone: strings.TrimSpace(pf.Get("phone")),
		District: pf.Get("district"), Street: pf.Get("street"), Travel: pf.Get("travel"),
		Lat: strings.TrimSpace(pf.Get("lat")), Lng: strings.TrimSpace(pf.Get("lng")),
		clearPrecise: pf.Get("street_only") == "1",
		Consent: volmatch.Consent{ShareContact: pf.Get("share_contact") == "1", Emergency: pf.Get("emergency") == "1",
			Findable: pf.Get("findable") == "1"},
		Errors: map[string]string{}, stored: old,
		skillLevels: map[string]int{}, trainingSet: map[string]bool{}, languageSet: map[string]bool{},
	}
	for _, cell := range pf["avail"] {
		var d, p int
		if _, err := fmt.Sscanf(cell, "%d-%d", &d, &p); err == nil && d >= 0 && d < 7 && p >= 0 && p < 3 {
			f.availCells[d][p] = true
		}
	}
	for k, vs := range pf {
		key, ok := strings.CutPrefix(k, "skill.")
		if !ok || len(vs) == 0 {
			continue
		}
		if l, err := strconv.Atoi(vs[0]); err == nil && l >= 1 && l <= 3 {
			f.skillLevels[key] = l
		} else if vs[0] != "0" && vs[0] != "" {
			f.Errors["skills"] = msg(lang, "reg.err.skills")
		}
	}
	for _, t := range pf["trainings"] {
		f.trainingSet[t] = true
	}
	for _, l := range pf["languages"] {
		f.languageSet[l] = true
	}
	for i := 0; ; i++ {
		n, ok := pf[fmt.Sprintf("cert%d_name", i)]
		if !ok || i >= volmatch.MaxListLen {
			break
		}
		f.certsTyped = append(f.certsTyped, certInput{Name: strings.TrimSpace(n[0]), Expires: strings.TrimSpace(pf.Get(fmt.Sprintf("cert%d_expires", i)))})
	}
	if old != nil {
		if st, ok := geo.Beijing().Street(old.Street); ok && old.Home != st.Point {
			f.Precise = true
		}
	}
	return f
}

// volunteer builds the record of the form over old (the stored record: the
// fields the form does not show are kept; nil at sign-up), recording in
// f.Errors what cannot be read; the engine checks the rest.
func (f *volForm) volunteer(lang string, old *volmatch.Volunteer) *volmatch.Volunteer {
	v := &volmatch.Volunteer{}
	if old != nil {
		c := *old
		v = &c
	}
	v.Name, v.Phone, v.Consent = f.Name, f.Phone, f.Consent
	if f.Name == "" {
		f.Errors["name"] = msg(lang, "reg.err.name")
	}
	if f.Phone == "" {
		f.Errors["phone"] = msg(lang, "reg.err.phone")
	}
	if f.District == "" {
		f.Errors["district"] = msg(lang, "ferr.district")
	}
	if f.Street == "" {
		f.Errors["street"] = msg(lang, "ferr.street")
	}
	moved := old == nil || f.District != old.District || f.Street != old.Street
	v.District, v.Street = f.District, f.Street
	switch {
	case f.Lat != "" || f.Lng != "":
		lat, err1 := strconv.ParseFloat(f.Lat, 64)
		lng, err2 := strconv.ParseFloat(f.Lng, 64)
		if err1 != nil || err2 != nil || math.IsNaN(lat) || math.IsNaN(lng) {
			f.Errors["home"] = msg(lang, "reg.err.home")
			break
		}
		v.Home = gcj02(lat, lng)
	case moved || f.clearPrecise:
		v.Home = volmatch.Point{} // the engine puts it at the street's centre
	}
	if km, err := strconv.ParseFloat(f.Travel, 64); err == nil {
		v.MaxTravelKm = km
	} else {
		f.Errors["travel"] = msg(lang, "reg.err.travel")
	}
	// Availability: a cell changed from the stored grid sets or clears
	// its hours, the others keep the stored hours, so that a pattern
	// finer than the grid survives a save that does not touch it.
	var week volmatch.Week
	if old != nil {
		week = old.Availability
	}
	for d := range 7 {
		for p, hs := range periods {
			was := old != nil && anyHour(old.Availability, d, hs)
			if f.availCells[d][p] == was {
				continue
			}
			for h := hs[0]; h < hs[1]; h++ {
				if f.availCells[d][p] {
					week.Set(d*24 + h)
				} else {
					week[(d*24+h)/64] &^= 1 << (uint(d*24+h) % 64) // Week has no Clear
				}
			}
		}
	}
	v.Availability = week
	if week.Count() == 0 {
		f.Errors["avail"] = msg(lang, "reg.err.avail")
	}
	v.Skills = nil
	for _, k := range sortedKeys(f.skillLevels) {
		v.Skills = append(v.Skills, volmatch.SkillLevel{Skill: k, Level: f.skillLevels[k]})
	}
	v.Certificates = nil
	for i, c := range f.certsTyped {
		switch {
		case c.Name == "" && c.Expires == "":
			continue
		case c.Name == "":
			f.Errors[fmt.Sprintf("cert%d", i)] = msg(lang, "reg.err.cert.name")
			continue
		}
		day, err := time.ParseInLocation("2006-01-02", c.Expires, volmatch.Beijing)
		if err != nil {
			f.Errors[fmt.Sprintf("cert%d", i)] = msg(lang, "reg.err.cert.date")
			continue
		}
		v.Certificates = append(v.Certificates, volmatch.Certificate{Name: c.Name, Expires: f.expiry(c.Name, day)})
	}
	v.Trainings = sortedKeys(f.trainingSet)
	v.Languages = sortedKeys(f.languageSet)
	if old != nil {
		v.Claims = keptClaims(old, v)
	}
	return v
}

// expiryDate is the last day a certificate expiring at t is valid on, as
// the form shows it (Beijing date).
func expiryDate(t time.Time) string {
	return t.Add(-time.Nanosecond).In(volmatch.Beijing).Format("2006-01-02")
}

// expiry is the expiry of certificate name valid through day: the stored
// one when the stored record (a verified value or a pending claim) shows
// that day, so that a save that does not change it changes nothing;
// otherwise the end of day.
func (f *volForm) expiry(name string, day time.Time) time.Time {
	if old := f.stored; old != nil {
		held := slices.Clone(old.Certificates)
		if old.Claims != nil {
			held = append(held, old.Claims.Certificates...)
		}
		for _, x := range held {
			if x.Name == name && expiryDate(x.Expires) == day.Format("2006-01-02") {
				return x.Expires
			}
		}
	}
	return day.AddDate(0, 0, 1)
}

// keptClaims are old's pending claims that v still lists as claimed: a
// claim the volunteer took off the form is withdrawn.
func keptClaims(old, v *volmatch.Volunteer) *volmatch.Claims {
	c := old.Claims.Clone()
	if c == nil {
		return &volmatch.Claims{}
	}
	c.Skills = slices.DeleteFunc(c.Skills, func(s volmatch.SkillLevel) bool { return v.SkillLevelOf(s.Skill) != s.Level })
	c.Certificates = slices.DeleteFunc(c.Certificates, func(x volmatch.Certificate) bool {
		return !slices.ContainsFunc(v.Certificates, func(y volmatch.Certificate) bool { return y.Name == x.Name && y.Expires.Equal(x.Expires) })
	})
	c.Trainings = slices.DeleteFunc(c.Trainings, func(t string) bool { return !slices.Contains(v.Trainings, t) })
	return c
}

// sortedKeys returns the keys of m whose value is not zero, sorted.
func sortedKeys[V comparable](m map[string]V) []string {
	var zero V
	var out []string
	for k, v := range m {
		if v != zero {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// fillChoices sets the lists the form chooses from, marking the chosen
// values and, on the profile, which are verified and which pending.
func (s *Server) fillChoices(lang string, f *volForm) {
	tax := s.eng.Taxonomy()
	city := geo.Beijing()
	f.Districts = []choice{{Value: "", Label: msg(lang, "form.choose")}}
	f.Streets = nil
	for _, d := range city.Districts() {
		f.Districts = append(f.Districts, choice{Value: d.Code, Label: d.Name, Selected: d.Code == f.District})
		g := choiceGroup{Label: d.Name}
		for _, st := range city.StreetsIn(d.Code) {
			g.Options = append(g.Options, choice{Value: st.Code, Label: st.Name, Selected: st.Code == f.Street})
		}
		f.Streets = append(f.Streets, g)
	}
	f.Travels = nil
	listedKm := false
	for _, km := range travelChoices {
		v := strconv.Itoa(km)
		listedKm = listedKm || v == f.Travel
		f.Travels = append(f.Travels, choice{Value: v, Label: fmt.Sprintf(msg(lang, "reg.km"), strconv.Itoa(km)), Selected: v == f.Travel})
	}
	if !listedKm && f.Travel != "" { // a distance an admin set is kept
		f.Travels = append(f.Travels, choice{Value: f.Travel, Label: fmt.Sprintf(msg(lang, "reg.km"), f.Travel), Selected: true})
	}
	f.Levels = []int{0, 1, 2, 3}
	f.Periods = [3]string{msg(lang, "reg.morning"), msg(lang, "reg.afternoon"), msg(lang, "reg.evening")}
	f.Avail = nil
	for d := range 7 {
		f.Avail = append(f.Avail, availRow{Day: d, Label: weekdays[lang][(d+1)%7], Cells: f.availCells[d]})
	}
	var verified, pending volmatch.Claims // what the stored record holds
	var verifiedSkills []volmatch.SkillLevel
	if f.stored != nil {
		verifiedSkills = f.stored.Skills
		verified = volmatch.Claims{Certificates: f.stored.Certificates, Trainings: f.stored.Trainings}
		if f.stored.Claims != nil {
			pending = *f.stored.Claims
		}
	}
	status := func(isPending, isVerified bool) string {
		switch {
		case isPending:
			return "pending"
		case isVerified:
			return "verified"
		}
		return ""
	}
	// Skills by domain; a key the record holds outside the list is kept
	// in a group of its own, so that a save does not drop it.
	// Groups in the taxonomy's order of domains (professional domains,
	// then community services).
	listed := map[string]bool{}
	groups := map[string]*skillGroup{}
	var order []string
	for _, d := range tax.Domains() {
		groups[d.Key] = &skillGroup{Label: termName(lang, d.Name, d.NameEN)}
		order = append(order, d.Key)
	}
	for _, sk := range tax.Skills() {
		g, ok := groups[tax.DomainOf(sk.Key)]
		if !ok {
			continue // under no domain: shown with the others when held
		}
		listed[sk.Key] = true
		g.Rows = append(g.Rows, f.skillRow(lang, sk.Key, termName(lang, sk.Name, sk.NameEN), verifiedSkills, pending.Skills, status))
	}
	other := &skillGroup{Label: msg(lang, "reg.other")}
	for _, k := range sortedKeys(f.skillLevels) {
		if !listed[k] {
			label := k
			if sk, ok := tax.Skill(k); ok {
				label = termName(lang, sk.Name, sk.NameEN)
			}
			other.Rows = append(other.Rows, f.skillRow(lang, k, label, verifiedSkills, pending.Skills, status))
		}
	}
	f.Skills = nil
	for _, dom := range order {
		if len(groups[dom].Rows) > 0 {
			f.Skills = append(f.Skills, *groups[dom])
		}
	}
	if len(other.Rows) > 0 {
		f.Skills = append(f.Skills, *other)
	}
	for i := range f.Skills {
		for _, r := range f.Skills[i].Rows {
			if r.Level > 0 {
				f.Skills[i].Chosen++
			}
		}
	}
	// Certificates: the typed rows and at least one empty one more.
	f.Certs = nil
	rows := append(slices.Clone(f.certsTyped), certInput{})
	for len(rows) < certRowsMin {
		rows = append(rows, certInput{})
	}
	for i, c := range rows {
		c.N, c.Num = i, i+1
		c.Options = []choice{{Value: "", Label: msg(lang, "reg.cert.none")}}
		known := false
		for _, t := range tax.Certificates() {
			c.Options = append(c.Options, choice{Value: t.Key, Label: vocabName(lang, t), Selected: t.Key == c.Name})
			known = known || t.Key == c.Name
		}
		if !known && c.Name != "" {
			c.Options = append(c.Options, choice{Value: c.Name, Label: c.Name, Selected: true})
		}
		if c.Name != "" && f.stored != nil {
			same := func(x volmatch.Certificate) bool { return x.Name == c.Name && expiryDate(x.Expires) == c.Expires }
			c.Status = status(slices.ContainsFunc(pending.Certificates, same), slices.ContainsFunc(verified.Certificates, same))
		}
		f.Certs = append(f.Certs, c)
	}
	f.Trainings = nil
	seen := map[string]bool{}
	for _, t := range tax.Trainings() {
		seen[t.Key] = true
		f.Trainings = append(f.Trainings, checkRow{Value: t.Key, Label: vocabName(lang, t), Checked: f.trainingSet[t.Key],
			Status: status(slices.Contains(pending.Trainings, t.Key), slices.Contains(verified.Trainings, t.Key))})
	}
	for _, t := range sortedKeys(f.trainingSet) {
		if !seen[t] {
			f.Trainings = append(f.Trainings, checkRow{Value: t, Label: t, Checked: true,
				Status: status(slices.Contains(pending.Trainings, t), slices.Contains(verified.Trainings, t))})
		}
	}
	f.Languages = nil
	seen = map[string]bool{}
	for _, l := range languageKeys {
		seen[l] = true
		f.Languages = append(f.Languages, checkRow{Value: l, Label: msg(lang, "lang."+l), Checked: f.languageSet[l]})
	}
	for _, l := range sortedKeys(f.languageSet) {
		if !seen[l] {
			f.Languages = append(f.Languages, checkRow{Value: l, Label: l, Checked: true})
		}
	}
}

// vocabName is a certificate's or training's name in lang: the taxonomy
// names them in Chinese only, so English shows the key in words with the
// Chinese name (first_aid_cert: "First aid cert (红十字救护员证)").
func vocabName(lang string, t taxonomy.Term) string {
	if lang != langEN {
		return t.Name
	}
	words := strings.ReplaceAll(t.Key, "_", " ")
	return strings.ToUpper(words[:1]) + words[1:] + " (" + t.Name + ")"
}

// skillRow is skill key's row: the chosen level and, on the profile,
// whether it is verified or pending (and the verified level under a
// pending raise).
func (f *volForm) skillRow(lang, key, label string, verified, pending []volmatch.SkillLevel, status func(bool, bool) string) skillRow {
	r := skillRow{Key: key, Label: label, Level: f.skillLevels[key]}
	if f.stored == nil || r.Level == 0 {
		return r
	}
	vl := 0
	for _, s := range verified {
		if s.Skill == key {
			vl = s.Level
		}
	}
	isPending := slices.ContainsFunc(pending, func(s volmatch.SkillLevel) bool { return s.Skill == key && s.Level == r.Level })
	r.Status = status(isPending, vl == r.Level)
	if isPending && vl > 0 {
		r.Verified = msg(lang, fmt.Sprintf("reg.level.%d", vl))
	}
	return r
}

// volFormError maps an engine field error (its field and reason, never
// its English wording) to the form field it belongs beside and a sentence
// a person acts on.
func volFormError(lang string, f *volForm, field, reason string) (string, string) {
	base, _, _ := strings.Cut(strings.TrimPrefix(field, "claims."), "[")
	switch base {
	case "name":
		switch {
		case reason == volmatch.ReasonTooLong:
			return "name", fmt.Sprintf(msg(lang, "reg.err.name.long"), volmatch.MaxNameLen)
		case f.Name == "":
			return "name", msg(lang, "reg.err.name")
		}
		return "name", msg(lang, "reg.err.name.chars")
	case "phone":
		return "phone", msg(lang, "reg.err.phone")
	case "district":
		return "district", msg(lang, "ferr.district")
	case "street":
		if f.Street != "" {
			return "street", msg(lang, "reg.err.street.district")
		}
		return "street", msg(lang, "ferr.street")
	case "home":
		return "home", msg(lang, "reg.err.home.street")
	case "max_travel_km":
		return "travel", msg(lang, "reg.err.travel")
	case "availability":
		return "avail", msg(lang, "reg.err.avail")
	case "skills":
		return "skills", msg(lang, "reg.err.skills")
	case "certificates":
		return "certs", msg(lang, "reg.err.certs")
	case "trainings":
		return "trainings", msg(lang, "reg.err.trainings")
	case "languages":
		return "languages", msg(lang, "reg.err.languages")
	}
	return "form", msg(lang, "ferr.other")
}

// gcj02 converts a WGS-84 point (what a browser's geolocation gives) to
// GCJ-02, the datum of the street points (the published conversion; a
// point outside China is returned unchanged). Rounded to 1e-5 degree
// (about a metre).
func gcj02(lat, lng float64) volmatch.Point {
	round := func(x float64) float64 { return math.Round(x*1e5) / 1e5 }
	if lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271 {
		return volmatch.Point{Lat: round(lat), Lng: round(lng)}
	}
	const a, ee = 6378245.0, 0.00669342162296594323
	x, y := lng-105.0, lat-35.0
	dLat := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	dLat += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	dLat += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	dLat += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	dLng := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	dLng += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	dLng += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	dLng += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	rad := lat / 180.0 * math.Pi
	magic := math.Sin(rad)
	magic = 1 - ee*magic*magic
	sq := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((a * (1 - ee)) / (magic * sq) * math.Pi)
	dLng = (dLng * 180.0) / (a / sq * math.Cos(rad) * math.Pi)
	return volmatch.Point{Lat: round(lat + dLat), Lng: round(lng + dLng)}
}

// parseRegisterPages parses the sign-up and profile templates with the
// layout and the shared form into pages.
func parseRegisterPages(pages map[string]*template.Template, funcs template.FuncMap) {
	for _, name := range []string{"register", "profile"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/volform.html", "templates/"+name+".html"))
	}
	pages["profile_delete"] = template.Must(template.New("profile_delete").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/profile_delete.html"))
}

func init() {
	for k, v := range map[string]string{
		"nav.profile":             "我的资料",
		"signin.new":              "第一次来？",
		"signin.register":         "用注册码注册成为志愿者",
		"reg.title":               "志愿者注册",
		"reg.intro":               "欢迎加入！填好下面几项就能注册。除了姓名、手机号、所在街道和有空的时间，其余都可以以后再补。",
		"reg.f.code":              "注册码",
		"reg.code.hint":           "打开管理员发给您的注册链接会自动填好；也可以手动输入，以 vm_ 开头。注册码只能用一次。",
		"reg.privacy":             "我们只保存您所在街道的位置（除非您选择分享精确位置）。您的姓名和手机号只在您接受机构邀请并同意分享后才会显示给该机构。您随时可以在“我的资料”里查看、修改或删除这些信息。",
		"reg.submit":              "注册",
		"reg.have":                "已经有账号了？",
		"reg.signin":              "去登录",
		"reg.err.code":            "注册码无效、已经用过或已过期。请向管理员索取新的注册链接。",
		"reg.err.nocode":          "请填写注册码（在管理员发给您的注册链接里）。",
		"reg.err.large":           "提交的内容太多了，请精简后再试。",
		"reg.err.form":            "无法读取提交的表单，请返回页面后重新提交。",
		"reg.err.name":            "请填写您的姓名。",
		"reg.err.name.long":       "姓名太长了，请不超过 %d 个字。",
		"reg.err.name.chars":      "姓名里有看不见的特殊字符，请删掉后重新输入。",
		"reg.err.phone":           "请填写 11 位手机号码，例如 13812345678。",
		"reg.err.street.district": "所选街道不在所选的区内，请重新选择街道。",
		"reg.err.home":            "没能读取精确位置，请再点一次“使用我的精确位置”，或者不分享精确位置。",
		"reg.err.home.street":     "您分享的精确位置不在所选街道内。请选择您实际所在的街道，或勾选“只保存街道位置”。",
		"reg.err.travel":          "请选择您愿意去多远的地方服务。",
		"reg.err.avail":           "请至少勾选一个您有空的时段，这样我们才能为您推荐服务。",
		"reg.err.skills":          "技能水平请从列表中选择。",
		"reg.err.certs":           "证书填写有误，请检查证书名称和有效期。",
		"reg.err.cert.name":       "请选择证书名称，或者清空这一行的有效期。",
		"reg.err.cert.date":       "请填写证书的有效期（到哪一天为止）。",
		"reg.err.trainings":       "培训项目有误，请重新勾选。",
		"reg.err.languages":       "语言有误，请重新勾选。",
		"reg.who":                 "您是谁",
		"reg.f.name":              "姓名",
		"reg.f.phone":             "手机号",
		"reg.phone.hint":          "机构联系您时使用。不会公开显示。",
		"reg.where":               "您在哪里",
		"reg.where.hint":          "选择您家所在的区和街道（乡镇）。我们按街道为您推荐附近的服务，不需要详细地址。",
		"reg.precise":             "使用我的精确位置（可选）",
		"reg.precise.hint":        "只有您点这个按钮，浏览器才会读取位置；推荐的距离会更准。不点也完全可以。",
		"reg.precise.got":         "已读取精确位置，提交后保存。",
		"reg.precise.fail":        "没能读取位置。不影响注册，将使用街道位置。",
		"reg.precise.stored":      "目前保存的是您分享的精确位置。",
		"reg.precise.clear":       "只保存街道位置（删除精确位置）",
		"reg.precise.undo":        "不分享精确位置",
		"reg.precise.undone":      "已撤销，将只保存街道位置。",
		"reg.f.travel":            "愿意去多远的地方服务",
		"reg.km":                  "%s 公里以内",
		"reg.when":                "您什么时候有空",
		"reg.when.hint":           "勾选每周通常有空的时段：上午 6–12 点，下午 12–18 点，晚上 18–22 点。",
		"reg.day":                 "星期",
		"reg.morning":             "上午",
		"reg.afternoon":           "下午",
		"reg.evening":             "晚上",
		"reg.skills":              "您会什么",
		"reg.skills.hint":         "点开类别，为会的技能选择水平。填写的技能需机构核实后才生效。",
		"reg.chosen":              "已选 %d 项",
		"reg.level.0":             "不选",
		"reg.level.1":             "入门",
		"reg.level.2":             "熟练",
		"reg.level.3":             "专业",
		"reg.other":               "其他",
		"claim.pending":           "待核实",
		"claim.verified":          "已核实",
		"claim.verified.level":    "（已核实：%s）",
		"reg.certs":               "证书",
		"reg.certs.hint":          "如有证书，选择名称并填写有效期。证书需机构核实后才生效。",
		"reg.cert":                "证书 %d",
		"reg.cert.name":           "证书名称",
		"reg.cert.expires":        "有效期至",
		"reg.cert.none":           "（无）",
		"reg.trainings":           "参加过的培训",
		"reg.trainings.hint":      "培训需机构核实后才生效。有些服务岗位要求先培训再上岗。",
		"reg.languages":           "会说的语言",
		"lang.zh":                 "普通话",
		"lang.en":                 "英语",
		"lang.yue":                "粤语",
		"lang.csl":                "中国手语",
		"lang.ja":                 "日语",
		"lang.ko":                 "韩语",
		"lang.fr":                 "法语",
		"lang.ru":                 "俄语",
		"reg.consent":             "您的选择（个人信息保护）",
		"reg.consent.hint":        "依照《个人信息保护法》，以下每一项都需要您主动同意，默认不勾选。不勾选也能注册和报名；您随时可以在“我的资料”里撤回。",
		"reg.c.share":             "接受邀请后，把我的姓名和手机号告诉该机构",
		"reg.c.share.hint":        "只告诉您接受了邀请的那个机构，方便他们联系您安排服务。不勾选时，机构只能看到您的姓氏和手机号后四位。",
		"reg.c.emergency":         "发生紧急情况时，可以请我参加应急志愿服务",
		"reg.c.emergency.hint":    "例如防汛、疫情、突发事件时按距离通知附近的志愿者。",
		"reg.c.findable":          "允许各机构的社工找到我",
		"reg.c.findable.hint":     "勾选后，任何机构的社工都能搜到您（只显示姓氏，不显示手机号和住址）。不勾选时，只有需求适合您的机构能看到您。",
		"profile.title":           "我的资料",
		"profile.welcome":         "注册成功，欢迎您！您填写的技能、证书和培训正在等待机构核实。",
		"profile.saved":           "已保存。",
		"profile.pending":         "有 %d 项资质在等待机构核实，核实后才会用于匹配。",
		"profile.submit":          "保存",
		"profile.rights":          "我的个人信息",
		"profile.rights.intro":    "您可以随时查看我们保存的关于您的全部信息，也可以注销账号。",
		"profile.data":            "下载我的信息（JSON 文件）",
		"profile.delete":          "注销账号…",
		"delete.title":            "注销账号",
		"delete.intro":            "注销后：",
		"delete.what1":            "您的姓名、手机号、位置、技能和空闲时间会被删除，无法恢复。",
		"delete.what2":            "您会立即退出登录，所有登录链接失效。",
		"delete.what3":            "已完成的服务记录（时长、评价）按规定保留，只以志愿者编号标识，不含您的姓名和手机号。",
		"delete.confirm":          "我明白，确定注销我的账号",
		"delete.err.confirm":      "请先勾选“我明白，确定注销我的账号”。",
		"delete.submit":           "注销账号",
		"delete.cancel":           "不注销，返回",
		"delete.done":             "您的账号已注销，信息已删除。",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"nav.profile":             "My profile",
		"signin.new":              "New here?",
		"signin.register":         "Sign up as a volunteer with a registration code",
		"reg.title":               "Volunteer sign-up",
		"reg.intro":               "Welcome! Fill in the form below to sign up. Only your name, phone, street and free times are needed now; the rest can wait.",
		"reg.f.code":              "Registration code",
		"reg.code.hint":           "Filled in when you open the registration link an administrator sent you; or type it, starting with vm_. A code works once.",
		"reg.privacy":             "We keep only your street's location (unless you choose to share a precise one). Your name and phone are shown to an organisation only after you accept its invitation and agree to share them. You can see, change or delete all of this under My profile at any time.",
		"reg.submit":              "Sign up",
		"reg.have":                "Already have an account?",
		"reg.signin":              "Sign in",
		"reg.err.code":            "The registration code is not valid, was used already or has expired. Ask an administrator for a new registration link.",
		"reg.err.nocode":          "Enter the registration code (it is in the registration link an administrator sent you).",
		"reg.err.large":           "Too much was sent. Shorten it and try again.",
		"reg.err.form":            "The form could not be read. Go back to the page and send it again.",
		"reg.err.name":            "Enter your name.",
		"reg.err.name.long":       "The name is too long: at most %d characters.",
		"reg.err.name.chars":      "The name holds invisible special characters. Delete it and type it again.",
		"reg.err.phone":           "Enter an 11-digit mobile number, such as 13812345678.",
		"reg.err.street.district": "The street is not in the chosen district. Choose the street again.",
		"reg.err.home":            "The precise location could not be read. Press \"Use my precise location\" again, or do not share it.",
		"reg.err.home.street":     "The precise location you shared is not in the chosen street. Choose the street you live in, or tick \"Keep only my street's location\".",
		"reg.err.travel":          "Choose how far you will travel to serve.",
		"reg.err.avail":           "Tick at least one time you are usually free, so that we can suggest services to you.",
		"reg.err.skills":          "Choose each skill's level from the list.",
		"reg.err.certs":           "A certificate is wrong: check its name and its expiry.",
		"reg.err.cert.name":       "Choose the certificate, or clear this row's date.",
		"reg.err.cert.date":       "Enter the date the certificate is valid until.",
		"reg.err.trainings":       "A training is wrong; tick them again.",
		"reg.err.languages":       "A language is wrong; tick them again.",
		"reg.who":                 "About you",
		"reg.f.name":              "Name",
		"reg.f.phone":             "Mobile phone",
		"reg.phone.hint":          "For organisations to reach you. Never shown publicly.",
		"reg.where":               "Where you live",
		"reg.where.hint":          "Choose the district and street (township) of your home. We suggest services near your street; no address is needed.",
		"reg.precise":             "Use my precise location (optional)",
		"reg.precise.hint":        "Your browser reads your location only if you press this; distances are then more exact. You need not.",
		"reg.precise.got":         "Precise location read; it is saved when you send the form.",
		"reg.precise.fail":        "The location could not be read. No matter: your street's location is used.",
		"reg.precise.stored":      "A precise location you shared is stored now.",
		"reg.precise.clear":       "Keep only my street's location (delete the precise one)",
		"reg.precise.undo":        "Do not share my precise location",
		"reg.precise.undone":      "Undone: only your street's location will be kept.",
		"reg.f.travel":            "How far you will travel",
		"reg.km":                  "Within %s km",
		"reg.when":                "When you are free",
		"reg.when.hint":           "Tick the times of the week you are usually free: morning 6–12, afternoon 12–18, evening 18–22.",
		"reg.day":                 "Day",
		"reg.morning":             "Morning",
		"reg.afternoon":           "Afternoon",
		"reg.evening":             "Evening",
		"reg.skills":              "What you can do",
		"reg.skills.hint":         "Open a category and choose a level for the skills you have. Skills count once an organisation verifies them.",
		"reg.chosen":              "%d chosen",
		"reg.level.0":             "None",
		"reg.level.1":             "Basic",
		"reg.level.2":             "Skilled",
		"reg.level.3":             "Expert",
		"reg.other":               "Other",
		"claim.pending":           "Pending",
		"claim.verified":          "Verified",
		"claim.verified.level":    "(verified: %s)",
		"reg.certs":               "Certificates",
		"reg.certs.hint":          "If you hold a certificate, choose it and enter its expiry. Certificates count once an organisation verifies them.",
		"reg.cert":                "Certificate %d",
		"reg.cert.name":           "Certificate",
		"reg.cert.expires":        "Valid until",
		"reg.cert.none":           "(none)",
		"reg.trainings":           "Trainings you completed",
		"reg.trainings.hint":      "Trainings count once an organisation verifies them. Some posts need training first.",
		"reg.languages":           "Languages you speak",
		"lang.zh":                 "Mandarin",
		"lang.en":                 "English",
		"lang.yue":                "Cantonese",
		"lang.csl":                "Chinese Sign Language",
		"lang.ja":                 "Japanese",
		"lang.ko":                 "Korean",
		"lang.fr":                 "French",
		"lang.ru":                 "Russian",
		"reg.consent":             "Your choices (personal information)",
		"reg.consent.hint":        "Under the Personal Information Protection Law each of these needs your own yes, and none is ticked for you. You can sign up and serve without them, and withdraw any under My profile at any time.",
		"reg.c.share":             "After I accept an invitation, give that organisation my name and phone",
		"reg.c.share.hint":        "Only the organisation whose invitation you accepted, so that it can arrange the service with you. Without this it sees only your family name and the last four digits of your phone.",
		"reg.c.emergency":         "Ask me to help in emergencies",
		"reg.c.emergency.hint":    "Such as floods, epidemics or incidents, when volunteers near the place are called by distance.",
		"reg.c.findable":          "Let social workers of any organisation find me",
		"reg.c.findable.hint":     "Then any organisation's social workers can find you (family name only; never your phone or home). Without this only organisations whose needs suit you see you.",
		"profile.title":           "My profile",
		"profile.welcome":         "You are signed up. Welcome! The skills, certificates and trainings you entered wait for an organisation to verify them.",
		"profile.saved":           "Saved.",
		"profile.pending":         "Qualifications waiting for an organisation to verify them: %d. They count for matching once verified.",
		"profile.submit":          "Save",
		"profile.rights":          "Your personal information",
		"profile.rights.intro":    "You can see everything we hold about you at any time, and delete your account.",
		"profile.data":            "Download my information (JSON file)",
		"profile.delete":          "Delete my account…",
		"delete.title":            "Delete my account",
		"delete.intro":            "When you delete your account:",
		"delete.what1":            "Your name, phone, location, skills and free times are deleted for good.",
		"delete.what2":            "You are signed out at once and every sign-in link stops working.",
		"delete.what3":            "The record of services you completed (hours, ratings) is kept as the rules require, under your volunteer number only, without your name or phone.",
		"delete.confirm":          "I understand: delete my account",
		"delete.err.confirm":      "Tick \"I understand: delete my account\" first.",
		"delete.submit":           "Delete my account",
		"delete.cancel":           "Keep it and go back",
		"delete.done":             "Your account is deleted, and your information with it.",
	} {
		messages[langEN][k] = v
	}
}
