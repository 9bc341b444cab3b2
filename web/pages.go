package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"volmatch"
	"volmatch/taxonomy"
)

// signinData is the sign-in form: the code (from the link), the error
// beside the field and the page asked for before signing in.
type signinData struct {
	Code, Error, Notice string
	Next                string // a same-site path (safeNext), or ""
}

// signinForm shows the sign-in form, the code filled in from a link's
// ?code=. Opening a link does not spend the code (a mail scanner or a
// preview may open it): the person's press of the button does.
func (s *Server) signinForm(w http.ResponseWriter, r *http.Request) {
	headers(w)
	lang := language(w, r, s.secure(r))
	d := signinData{Code: r.URL.Query().Get("code"), Next: safeNext(r.URL.Query().Get("next"))}
	switch {
	case r.URL.Query().Has("ended"):
		d.Notice = msg(lang, "signin.expired")
	case r.URL.Query().Has("out"):
		d.Notice = msg(lang, "signin.out")
	case r.URL.Query().Has("deleted"):
		d.Notice = msg(lang, "delete.done")
	}
	s.signinPage(w, r, lang, http.StatusOK, d)
}

// signinPage renders the form with a fresh double-submit CSRF value.
func (s *Server) signinPage(w http.ResponseWriter, r *http.Request, lang string, status int, d signinData) {
	csrf := randomValue()
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: csrf, Path: "/web/signin", MaxAge: 3600,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	s.render(w, r, status, "signin", view{Lang: lang, Title: msg(lang, "signin.title"), CSRF: csrf, Data: d})
}

// signin redeems the code of the form for a session.
func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	headers(w)
	lang := language(w, r, s.secure(r))
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	c, err := r.Cookie(signinCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf"), c.Value) {
		s.status(w, r, lang, http.StatusForbidden, "error.csrf")
		return
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	next := safeNext(r.PostFormValue("next"))
	if code == "" {
		s.signinPage(w, r, lang, http.StatusUnprocessableEntity, signinData{Error: msg(lang, "signin.empty"), Next: next})
		return
	}
	secret, sess, err := s.eng.RedeemSignIn(r.Context(), code)
	if volmatch.ErrorCode(err) == volmatch.EUNAUTHORIZED {
		s.signinPage(w, r, lang, http.StatusUnprocessableEntity, signinData{Code: code, Error: msg(lang, "signin.bad"), Next: next})
		return
	} else if err != nil {
		s.fail(w, r, lang, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: "", Path: "/web/signin", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	s.setSession(w, r, secret, sess.ExpiresAt.Sub(sess.CreatedAt))
	if next == "" {
		next = "/" // the home of the role
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// maxNext is the longest page address kept across a sign-in.
const maxNext = 2048

// safeNext returns next when it is a path of this site to go to after
// signing in, "" otherwise. Only a relative path from the root is kept:
// not a scheme or a host ("https://…"), not a path a browser reads as
// another host ("//evil.example", "/\evil.example": browsers take a
// backslash for a slash), nothing with a control character (browsers drop
// a tab or a newline, which would join "/" and "/evil.example"), and not
// the sign-in page itself.
func safeNext(next string) string {
	if next == "" || len(next) > maxNext || next[0] != '/' || strings.HasPrefix(next, "/web/signin") {
		return ""
	}
	for _, c := range next {
		if c == '\\' || c < 0x20 || c == 0x7f || c == utf8.RuneError {
			return ""
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || strings.HasPrefix(u.Path, "//") {
		return ""
	}
	return next
}

// signinURL is the sign-in page that sends the caller on to the page r
// asked for (a GET only: a form's POST cannot be replayed after the
// sign-in); ended says the session has ended.
func signinURL(r *http.Request, ended bool) string {
	q := url.Values{}
	if ended {
		q.Set("ended", "1")
	}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		if next := safeNext(r.URL.RequestURI()); next != "" {
			q.Set("next", next)
		}
	}
	if len(q) == 0 {
		return "/web/signin"
	}
	return "/web/signin?" + q.Encode()
}

// signout ends the session.
func (s *Server) signout(w http.ResponseWriter, r *request) {
	c, _ := r.Cookie(sessionCookie) // page() found it
	if err := s.eng.SignOut(r.Context(), c.Value); err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	s.clearSession(w, r.Request)
	http.Redirect(w, r.Request, "/web/signin?out=1", http.StatusSeeOther)
}

// home sends a caller to the page of their role: a social worker to their
// organisation's needs, a volunteer to their menu, a planner to the
// dashboard; admins get the links to theirs.
func (s *Server) home(w http.ResponseWriter, r *request) {
	switch r.tok.Role {
	case volmatch.RoleSocialWorker:
		http.Redirect(w, r.Request, "/web/needs", http.StatusSeeOther)
		return
	case volmatch.RoleVolunteer:
		http.Redirect(w, r.Request, "/web/menu", http.StatusSeeOther)
		return
	case volmatch.RolePlanner:
		http.Redirect(w, r.Request, "/web/dashboard", http.StatusSeeOther)
		return
	}
	s.render(w, r.Request, http.StatusOK, "home", r.view("home.title", nil))
}

func (r *request) view(title string, data any) view {
	return view{Lang: r.lang, Title: msg(r.lang, title), Tok: r.tok, CSRF: r.csrf, Data: data}
}

// needRow is a need as the list shows it, with the fill of its upcoming
// shifts added up.
type needRow struct {
	Need          *volmatch.Need
	Mode          string
	Status        string
	Shifts        []shiftRow
	Filled, Slots int // over the shifts not yet ended
	Emergency     bool
}

// shiftRow is a shift with its fill state.
type shiftRow struct {
	Start, End    time.Time
	Filled, Slots int
	Full          bool
	Missing       int
	Ended         bool // the shift is over: its empty slots are no longer open
}

// needsData is the needs list.
type needsData struct {
	Rows   []needRow
	Notice string
}

// maxListed is the most needs the list shows (paging is to come).
const maxListed = 200

// needs lists the organisation's needs (every need for an admin) with the
// fill state of each shift.
func (s *Server) needs(w http.ResponseWriter, r *request) {
	ns, _, err := s.eng.Needs(r.Context(), r.tok, volmatch.NeedFilter{Org: r.tok.Org, ListOptions: volmatch.ListOptions{Limit: maxListed}})
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	now := s.eng.Now()
	d := needsData{Rows: make([]needRow, 0, len(ns))}
	if k := r.URL.Query().Get("ended"); k == string(volmatch.NeedClosed) || k == string(volmatch.NeedCancelled) {
		d.Notice = msg(r.lang, "needs.ended."+k)
	}
	for _, n := range ns {
		row := needRow{Need: n, Mode: msg(r.lang, "mode."+string(n.Mode)), Status: msg(r.lang, "status."+string(n.Status)),
			Emergency: n.Urgency == volmatch.UrgencyEmergency}
		if row.Emergency {
			row.Mode = msg(r.lang, "form.mode.emergency")
		}
		for _, sh := range n.Shifts {
			sr := shiftRow{Start: sh.Start, End: sh.End, Filled: sh.Filled, Slots: sh.Slots,
				Full: sh.Filled >= sh.Slots, Missing: max(sh.Slots-sh.Filled, 0), Ended: !now.Before(sh.End)}
			if !sr.Ended {
				row.Filled, row.Slots = row.Filled+sh.Filled, row.Slots+sh.Slots
			}
			row.Shifts = append(row.Shifts, sr)
		}
		d.Rows = append(d.Rows, row)
	}
	s.render(w, r.Request, http.StatusOK, "needs", r.view("needs.title", d))
}

// categoryNames are the taxonomy's top-level names in lang, by key.
func categoryNames(lang string) map[string]string {
	out := map[string]string{}
	for _, d := range taxonomy.Load().Domains() {
		out[d.Key] = d.Name
		if lang == langEN && d.NameEN != "" {
			out[d.Key] = d.NameEN
		}
	}
	return out
}
