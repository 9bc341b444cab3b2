package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"volmatch"
	"volmatch/engine"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Cookie names.
const (
	sessionCookie = "vm_session" // the session secret
	signinCookie  = "vm_signin"  // the sign-in form's double-submit CSRF value
)

// maxForm is the largest form body a page accepts.
const maxForm = 64 << 10

// Options tune the pages; the zero value gives the defaults.
type Options struct {
	// Secure marks the cookies Secure even when the request came without
	// TLS (behind a TLS-terminating proxy). Over TLS they are Secure
	// always.
	Secure bool
	// Logger receives errors (default: discard). Never personal data.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Server serves the pages. It is safe for concurrent use.
type Server struct {
	eng     *engine.Engine
	opt     Options
	mux     *routeMux
	handler http.Handler // mux with the request log (observe.go)
	pages   map[string]*template.Template
	live    streams // the inbox's live streams (inbox.go)
}

// New returns the pages over the engine.
func New(eng *engine.Engine, o Options) *Server {
	s := &Server{eng: eng, opt: o.withDefaults(), mux: &routeMux{ServeMux: http.NewServeMux()}}
	s.pages = parsePages()
	s.routes()
	s.handler = s.observe(s.mux)
	return s
}

// Handler returns the http.Handler serving "/" and "/web/...".
func (s *Server) Handler() http.Handler { return s.handler }

// ServeHTTP serves a page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// routeMux is the pages' mux, keeping the patterns registered so that the
// role matrix test (web_test.go) can ask that every route has its row.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// roles are the roles a page admits.
type roles []volmatch.Role

var (
	anyone     = roles{volmatch.RoleAdmin, volmatch.RoleSocialWorker, volmatch.RoleVolunteer, volmatch.RolePlanner}
	staffOnly  = roles{volmatch.RoleAdmin, volmatch.RoleSocialWorker}
	volunteers = roles{volmatch.RoleVolunteer}
)

func (rs roles) admit(r volmatch.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// routes is the whole page table.
func (s *Server) routes() {
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/web/static/", http.FileServerFS(static))
	s.mux.Handle("GET /web/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b := staticText(strings.TrimPrefix(r.URL.Path, "/web/static/")); b != nil {
			b.ServeHTTP(w, r) // gzipped, with an ETag
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	}))
	s.mux.HandleFunc("GET /web/signin", s.signinForm)
	s.mux.HandleFunc("POST /web/signin", s.signin)
	s.mux.Handle("POST /web/signout", s.page(anyone, s.signout))
	s.mux.Handle("GET /{$}", s.page(anyone, s.home))
	s.mux.Handle("GET /web/needs", s.page(staffOnly, s.needs))
	s.workerRoutes()
	s.mux.Handle("GET /web/menu", s.page(volunteers, s.menu))
	s.mux.Handle("POST /web/menu/signup", s.page(volunteers, s.signUp))
	s.mux.Handle("GET /web/invitations", s.page(volunteers, s.invitations))
	s.mux.Handle("POST /web/invitations/{id}/accept", s.page(volunteers, s.answer(true)))
	s.mux.Handle("POST /web/invitations/{id}/decline", s.page(volunteers, s.answer(false)))
	s.mux.Handle("GET /web/shifts", s.page(volunteers, s.shifts))
	s.mux.Handle("GET /web/shifts.ics", s.page(volunteers, s.calendar))
	s.dashboardRoutes()
	s.registerRoutes()
	s.inboxRoutes()
	s.recordRoutes() // record.go
	s.offerRoutes()
	s.learningRoutes()
	s.teamRoutes() // team.go
	s.trainingRoutes()
	s.projectRoutes() // project.go
	s.mux.HandleFunc("/", s.notFound)
}

// requestTimeout is each page request's deadline, as the API's default.
const requestTimeout = 60 * time.Second

// request is what a page handler gets: the caller's session, the page
// language and the CSRF token its forms carry.
type request struct {
	*http.Request
	tok  *volmatch.Token
	lang string
	csrf string
}

// page wraps a handler for a signed-in caller of one of rs: no session (or
// an ended one) is sent to sign in (303, and on to the page after it), a caller of another role gets
// 403, a POST without the session's CSRF token 403.
func (s *Server) page(rs roles, h func(w http.ResponseWriter, r *request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The API's rules of a request: a deadline on the work it asks,
		// and a write that began is answered (engine.Request).
		ctx, cancel := context.WithTimeout(engine.Request(r.Context()), requestTimeout)
		defer cancel()
		r = r.WithContext(ctx)
		headers(w)
		lang := language(w, r, s.secure(r))
		secret := ""
		if c, err := r.Cookie(sessionCookie); err == nil {
			secret = c.Value
		}
		tok, err := s.eng.Session(r.Context(), secret)
		if volmatch.ErrorCode(err) == volmatch.EUNAUTHORIZED {
			if secret != "" {
				s.clearSession(w, r)
			}
			http.Redirect(w, r, signinURL(r, secret != ""), http.StatusSeeOther)
			return
		} else if err != nil {
			s.fail(w, r, lang, err)
			return
		}
		req := &request{Request: r, tok: tok, lang: lang, csrf: csrfToken(secret)}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if !sameToken(r.PostFormValue("csrf"), req.csrf) {
				s.status(w, req.Request, lang, http.StatusForbidden, "error.csrf")
				return
			}
		}
		if !rs.admit(tok.Role) {
			s.status(w, r, lang, http.StatusForbidden, "error.forbidden")
			return
		}
		h(w, req)
	})
}

// csrfToken is the CSRF token of a session: an HMAC of a fixed label
// under the session secret, so that it needs no storage and only the
// holder of the cookie can know it.
func csrfToken(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	io.WriteString(m, "volmatch web csrf")
	return hex.EncodeToString(m.Sum(nil))
}

// sameToken compares a sent token with the expected one in constant time;
// an empty one never matches.
func sameToken(got, want string) bool {
	return got != "" && want != "" && hmac.Equal([]byte(got), []byte(want))
}

// secure reports whether cookies are to be marked Secure.
func (s *Server) secure(r *http.Request) bool { return s.opt.Secure || r.TLS != nil }

// setSession sets the session cookie for as long as the session lasts
// (MaxAge: the browser's clock need not agree with the server's).
func (s *Server) setSession(w http.ResponseWriter, r *http.Request, secret string, lasts time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", MaxAge: int(lasts.Seconds()),
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
}

func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
}

// headers sets what every page answers with: no caching of personal
// pages, no framing, no referrer (a sign-in link's code must not leak),
// and only the page's own files.
func headers(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
}

// view is what every template gets.
type view struct {
	Lang  string
	Path  string
	Title string
	Tok   *volmatch.Token
	CSRF  string
	Data  any
	// LangHref, when set, is the language switch's link: a page whose
	// query matters (the dashboard's filter) keeps it across the switch.
	LangHref template.URL
	// Unread is a volunteer's unread notifications, for the navigation.
	Unread int
	// OrgName is a social worker's organisation by name (its ID when it
	// cannot be read), for the navigation.
	OrgName string
}

// render writes page name with status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	v.Path = r.URL.Path
	if v.Tok != nil && v.Tok.Role == volmatch.RoleVolunteer {
		v.Unread = s.unread(r.Context(), v.Tok)
	}
	if v.Tok != nil && v.Tok.Org != "" {
		v.OrgName = v.Tok.Org
		if o, err := s.eng.Organisation(r.Context(), v.Tok, v.Tok.Org); err == nil && o.Name != "" {
			v.OrgName = o.Name
		}
	}
	t := s.pages[name]
	var b bufWriter
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		s.opt.Logger.Error("web: render", "page", name, "err", err)
		http.Error(w, msg(v.Lang, "error.internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

type bufWriter []byte

func (b *bufWriter) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }

// status renders the error page with a message.
func (s *Server) status(w http.ResponseWriter, r *http.Request, lang string, code int, key string) {
	s.render(w, r, code, "error", view{Lang: lang, Title: msg(lang, "error.title"), Data: msg(lang, key)})
}

// fail renders an engine error: its code gives the status.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, lang string, err error) {
	switch volmatch.ErrorCode(err) {
	case volmatch.EFORBIDDEN:
		s.status(w, r, lang, http.StatusForbidden, "error.forbidden")
	case volmatch.ENOTFOUND:
		s.status(w, r, lang, http.StatusNotFound, "error.notfound")
	default:
		if r.Context().Err() == nil {
			s.opt.Logger.Error("web: page failed", "route", Route(r), "code", volmatch.ErrorCode(err))
		}
		s.status(w, r, lang, http.StatusInternalServerError, "error.internal")
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	headers(w)
	s.status(w, r, language(w, r, s.secure(r)), http.StatusNotFound, "error.notfound")
}

// randomValue returns 32 random bytes in hex.
func randomValue() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// parsePages parses each page template with the layout.
func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"t":  msg,
		"tf": func(lang, key string, args ...any) string { return fmt.Sprintf(msg(lang, key), args...) },
		"day": func(lang string, t time.Time) string {
			t = t.In(volmatch.Beijing)
			return t.Format(msg(lang, "day.format")) + " " + weekdays[lang][t.Weekday()]
		},
		"clock": func(t time.Time) string { return t.In(volmatch.Beijing).Format("15:04") },
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"signin", "home", "needs", "menu", "error", "invitations", "shifts"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	parseWorkerPages(pages, funcs)
	parseDashboardPage(pages, funcs)
	parseRegisterPages(pages, funcs)
	parseInboxPage(pages, funcs)
	parseRecordPages(pages, funcs) // record.go
	parseOfferPage(pages, funcs)
	parseLearningPage(pages, funcs)
	parseTeamPages(pages, funcs) // team.go
	parseTrainingPage(pages, funcs)
	parseProjectPages(pages, funcs) // project.go
	return pages
}
