// Package web is volmatch's HTML transport (issue 14): server-rendered
// html/template pages for the people on the front line — social workers
// and volunteers — and the way in for planners, served by the same binary
// as the JSON API and calling the same engine, so both obey one set of
// rules.
//
// Choices: pages are rendered on the server and work before any script
// loads (forms post, links link); htmx (vendored from npm htmx.org with its
// licence, static/htmx.min.js) is loaded for partial updates where they
// help. Every asset is embedded: a page makes no external request. Chinese
// is the default language; ?lang=en (or ?lang=zh) switches and remembers
// the choice in a cookie; every string a page shows is in one catalogue
// (i18n.go).
//
// Sign-in: an admin issues a one-time code (engine.IssueSignIn; `volmatch
// token create --signin` prints the link /web/signin?code=...). Redeeming
// it (a POST from the sign-in form) starts a session: a random secret in an
// HttpOnly, SameSite=Strict cookie (Secure over TLS or when
// Options.Secure), stored only as its hash, ending after
// engine.SessionTTL or at sign-out. Every POST carries a CSRF token in a
// hidden field, derived from the session secret by HMAC and checked in
// constant time; the sign-in form, before a session exists, uses a
// double-submit cookie. A POST without a valid one is refused with 403.
// A page asked for without a session sends the browser to sign in with
// ?next= (a GET's path and query, such as a scanned check-in link), and the
// sign-in goes on there; only a path of this site is followed (safeNext).
// The role matrix (routes_test.go) has a row for every route the pages
// register (routeMux keeps them), with the status for every kind of caller.
//
// The planner dashboard (dashboard.go, /web/dashboard) is a page like the
// others: the session's role (planner or admin) reads the engine's
// evaluation reports; each chart is one table drawn by the vendored Apache
// ECharts (static/vendor/echarts), shown as a data table and downloadable
// as CSV. The JSON API keeps bearer tokens only, so it needs no CSRF
// defence; see dashboard.go for why the dashboard moved here.
//
// The social worker's workspace, one file each: the need form and the
// ranked matches (worker.go), editing, closing and cancelling a need
// (need_edit.go), the taxonomy search as you type (taxonomy.go, an HTML
// fragment any form may use), the batch plan and its commit (batch.go),
// the next dispatch wave (dispatch.go), the day's shifts (today.go), the QR
// check-in (scan.go) and the placement history (history.go).
//
// Every page request is logged with its method, route pattern, status and
// duration only (observe.go); the API counts it in its metrics by the same
// pattern.
// Sign-up (register.go): an admin issues a one-time registration code
// (engine.IssueRegistration; `volmatch token create --register` prints the
// link /web/register?code=...), the stand-in for SMS verification. The
// person fills in one form (a double-submit cookie again, no session yet);
// engine.Register makes the new volunteer, every qualification they claim
// pending, and a session. /web/profile is the same form over their own
// record, with the download of what is held and the deletion of the
// account.
//
// The package uses net/http's ServeMux only: api mounts its Handler for
// "/" and "/web/" (api.Options.Web).
package web
