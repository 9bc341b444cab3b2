package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"volmatch"
	"volmatch/api"
)

// callers are the matrix's columns: no token, an unknown token, an expired
// (admin) token, then one token per role and scope. sw1 and vol1 are the
// owners of the records the requests aim at (organisation A and the
// volunteer themself); sw2 and vol2 are another organisation and another
// volunteer.
var callers = []string{"none", "wrong", "expired", "admin", "sw1", "sw2", "vol1", "vol2", "planner"}

// call is one concrete request of a route.
type call struct {
	path string
	body any
}

// access is one row of the matrix: a route as gin registers it, the status
// each caller gets (one per column of callers: 2xx/3xx allow, 401/403
// deny), and the request a caller sends. Requests that change a record aim
// at a fresh one of organisation A (or of volunteer v1) for every call, so
// each call's answer depends only on who asks.
type access struct {
	method, route string
	want          string
	req           func(w *world, who string) call
	static        bool // serves no records (documents, files): no privacy scan
	// public rows serve an organisation's public records (projects): the
	// organisation's ID is no secret in them; the rest is scanned.
	public bool
}

// get returns a request builder of a fixed path.
func get(path string) func(*world, string) call {
	return func(*world, string) call { return call{path: path} }
}

// The statuses of the common kinds of route, in callers order.
const (
	allOpen    = "200 200 200 200 200 200 200 200 200"
	moved      = "404 404 404 404 404 404 404 404 404"
	anyRole    = "401 401 401 200 200 200 200 200 200"
	adminRead  = "401 401 401 200 403 403 403 403 403"
	staffRead  = "401 401 401 200 200 200 403 403 403"
	orgRead    = "401 401 401 200 200 403 403 403 403" // organisation A's staff
	ownRead    = "401 401 401 200 200 403 200 403 403" // organisation A's staff and the volunteer
	selfOnly   = "401 401 401 200 403 403 200 403 403" // admin and the volunteer
	scopedList = "401 401 401 200 200 200 200 200 403" // everyone but planners, each in scope
	readers    = "401 401 401 200 403 403 403 403 200" // aggregates
)

// matrix is the access control table of every route.
func matrix() []access {
	ev := func(path string) access {
		return access{method: "GET", route: "/v1/evaluation/" + path, want: readers, req: get("/v1/evaluation/" + path)}
	}
	rows := []access{
		{method: "GET", route: "/healthz", want: allOpen, req: get("/healthz")},
		{method: "GET", route: "/readyz", want: allOpen, req: get("/readyz")},
		{method: "GET", route: "/metrics", want: allOpen, req: get("/metrics")},
		{method: "GET", route: "/openapi.json", want: allOpen, req: get("/openapi.json"), static: true},
		{method: "GET", route: "/v1/reference", want: allOpen, req: get("/v1/reference"), static: true},
		{method: "GET", route: "/v1/geo/districts", want: allOpen, req: get("/v1/geo/districts"), static: true},
		// The old dashboard address: 301 to /web/dashboard for everyone,
		// followed by the client to the web pages, which this API-only
		// server does not mount (web.TestDashboardAccess has their matrix).
		{method: "GET", route: "/dashboard", want: moved, req: get("/dashboard"), static: true},
		{method: "GET", route: "/dashboard/*", want: moved, static: true},

		{method: "GET", route: "/v1/me", want: anyRole, req: get("/v1/me")},

		{method: "POST", route: "/v1/needs", want: "401 401 401 201 201 403 403 403 403", req: func(w *world, _ string) call {
			n := w.needValue(w.next(), "org1")
			return call{"/v1/needs", n}
		}},
		{method: "GET", route: "/v1/needs", want: anyRole, req: get("/v1/needs?limit=1000")},
		{method: "GET", route: "/v1/needs/:id", want: "401 401 401 200 200 403 200 200 200", req: get("/v1/needs/n1")},
		{method: "PUT", route: "/v1/needs/:id", want: "401 401 401 200 200 403 403 403 403", req: func(w *world, _ string) call {
			id := w.need("org1", volmatch.UrgencyNormal)
			n := w.needs[id]
			n.Title = "改期后的手语陪同"
			return call{"/v1/needs/" + id, n}
		}},
		{method: "DELETE", route: "/v1/needs/:id", want: "401 401 401 204 204 403 403 403 403", req: func(w *world, _ string) call {
			return call{path: "/v1/needs/" + w.need("org1", volmatch.UrgencyNormal)}
		}},
		{method: "GET", route: "/v1/needs/:id/matches", want: orgRead, req: get("/v1/needs/n1/matches?k=3")},
		{method: "POST", route: "/v1/needs/:id/invites", want: "401 401 401 201 201 403 403 403 403", req: func(w *world, _ string) call {
			return call{"/v1/needs/" + w.need("org1", volmatch.UrgencyNormal) + "/invites", map[string]any{"volunteers": []string{"v3"}}}
		}},
		{method: "POST", route: "/v1/needs/:id/dispatch", want: orgRead, req: func(w *world, _ string) call {
			return call{path: "/v1/needs/" + w.need("org1", volmatch.UrgencyEmergency) + "/dispatch"}
		}},

		{method: "POST", route: "/v1/volunteers", want: "401 401 401 201 403 403 403 403 403", req: func(w *world, _ string) call {
			return call{"/v1/volunteers", volunteer(fmt.Sprintf("fxv%03d", w.next()), "测试", "10000000000", 39.93, 116.44)}
		}},
		{method: "GET", route: "/v1/volunteers", want: staffRead, req: get("/v1/volunteers?limit=1000")},
		{method: "GET", route: "/v1/volunteers/:id", want: "401 401 401 200 200 200 200 403 403", req: get("/v1/volunteers/v1")},
		{method: "PUT", route: "/v1/volunteers/:id", want: selfOnly, req: func(*world, string) call {
			return call{"/v1/volunteers/v1", volunteer("v1", people[0].name, people[0].phone, 39.92, 116.44)}
		}},
		{method: "DELETE", route: "/v1/volunteers/:id", want: "401 401 401 204 403 403 403 403 403", req: func(w *world, _ string) call {
			return call{path: "/v1/volunteers/" + w.volunteer()}
		}},
		{method: "POST", route: "/v1/volunteers/:id/verify", want: staffRead, req: func(w *world, _ string) call {
			return call{"/v1/volunteers/" + w.claimant() + "/verify", map[string]bool{"all": true}}
		}},
		{method: "GET", route: "/v1/volunteers/:id/menu", want: selfOnly, req: get("/v1/volunteers/v1/menu")},

		{method: "POST", route: "/v1/pools", want: "401 401 401 201 403 403 403 403 403", req: func(w *world, _ string) call {
			return call{"/v1/pools", map[string]any{"id": fmt.Sprintf("fxp%03d", w.next()), "name": "语言人才库", "domain": "language"}}
		}},
		{method: "GET", route: "/v1/pools", want: staffRead, req: get("/v1/pools")},
		{method: "GET", route: "/v1/pools/:id", want: staffRead, req: get("/v1/pools/p1")},
		{method: "PUT", route: "/v1/pools/:id", want: adminRead, req: func(*world, string) call {
			return call{"/v1/pools/p1", map[string]any{"id": "p1", "name": "手语人才库", "domain": "language", "members": []string{"v1"}}}
		}},
		{method: "DELETE", route: "/v1/pools/:id", want: "401 401 401 204 403 403 403 403 403", req: func(w *world, _ string) call {
			return call{path: "/v1/pools/" + w.pool()}
		}},

		{method: "POST", route: "/v1/stations", want: "401 401 401 201 403 403 403 403 403", req: func(w *world, _ string) call {
			return call{"/v1/stations", stationBody(fmt.Sprintf("fxs%03d", w.next()))}
		}},
		{method: "GET", route: "/v1/stations", want: anyRole, req: get("/v1/stations")},
		{method: "GET", route: "/v1/stations/:id", want: anyRole, req: get("/v1/stations/st1")},
		{method: "PUT", route: "/v1/stations/:id", want: adminRead, req: func(*world, string) call {
			return call{"/v1/stations/st1", stationBody("st1")}
		}},
		{method: "DELETE", route: "/v1/stations/:id", want: "401 401 401 204 403 403 403 403 403", req: func(w *world, _ string) call {
			return call{path: "/v1/stations/" + w.station()}
		}},

		{method: "GET", route: "/v1/invites", want: scopedList, req: get("/v1/invites?limit=1000")},
		{method: "GET", route: "/v1/invites/:id", want: ownRead, req: func(w *world, _ string) call { return call{path: "/v1/invites/" + w.inv1} }},
		{method: "POST", route: "/v1/invites/:id/accept", want: selfOnly, req: func(w *world, _ string) call {
			return call{path: "/v1/invites/" + w.invite("org1", "v1") + "/accept"}
		}},
		{method: "POST", route: "/v1/invites/:id/decline", want: selfOnly, req: func(w *world, _ string) call {
			return call{path: "/v1/invites/" + w.invite("org1", "v1") + "/decline"}
		}},
		// A sign-up from the menu names v1 for every caller (an admin on
		// their behalf, v1 themself; v2 may not sign v1 up), to a fresh
		// menu-mode need of org1.
		{method: "POST", route: "/v1/needs/:id/shifts/:shift/signup", want: "401 401 401 201 403 403 201 403 403", req: func(w *world, _ string) call {
			n := w.needValue(w.next(), "org1")
			n.Mode = volmatch.ModeMenu
			if err := w.e.st.CreateNeed(context.Background(), &n); err != nil {
				w.e.t.Fatal(err)
			}
			return call{"/v1/needs/" + n.ID + "/shifts/s1/signup", map[string]any{"volunteer": "v1"}}
		}},
		// v1's sign-up request to a fresh menu-mode need of org1 that asks
		// for approval: org1's staff approve it.
		{method: "POST", route: "/v1/invites/:id/approve", want: orgRead, req: func(w *world, _ string) call {
			ctx := context.Background()
			n := w.needValue(w.next(), "org1")
			n.Mode, n.Approval = volmatch.ModeMenu, true
			if err := w.e.st.CreateNeed(ctx, &n); err != nil {
				w.e.t.Fatal(err)
			}
			inv := &volmatch.Invitation{ID: fmt.Sprintf("fxi%03d", w.next()), Need: n.ID, Shift: "s1", Volunteer: "v1", Org: "org1",
				Status: volmatch.InviteSent, SentAt: t0, Origin: volmatch.OriginSignUp}
			if err := w.e.st.CreateInvitation(ctx, inv); err != nil {
				w.e.t.Fatal(err)
			}
			return call{path: "/v1/invites/" + inv.ID + "/approve"}
		}},

		{method: "GET", route: "/v1/assignments", want: scopedList, req: get("/v1/assignments?limit=1000")},
		{method: "GET", route: "/v1/assignments/:id", want: ownRead, req: func(w *world, _ string) call { return call{path: "/v1/assignments/" + w.a1} }},
		{method: "POST", route: "/v1/assignments/:id/checkin", want: ownRead, req: func(w *world, _ string) call {
			return call{path: "/v1/assignments/" + w.assignment() + "/checkin"}
		}},
		{method: "POST", route: "/v1/assignments/:id/checkout", want: ownRead, req: func(w *world, _ string) call {
			return call{path: "/v1/assignments/" + w.assignment(volmatch.StepCheckIn) + "/checkout"}
		}},
		{method: "POST", route: "/v1/assignments/:id/rating", want: orgRead, req: func(w *world, _ string) call {
			return call{"/v1/assignments/" + w.assignment(volmatch.StepCheckIn, volmatch.StepCheckOut) + "/rating", map[string]int{"rating": 4}}
		}},
		{method: "POST", route: "/v1/assignments/:id/no-show", want: orgRead, req: func(w *world, _ string) call {
			return call{path: "/v1/assignments/" + w.assignment() + "/no-show"}
		}},
		{method: "POST", route: "/v1/assignments/:id/cancel", want: ownRead, req: func(w *world, _ string) call {
			return call{path: "/v1/assignments/" + w.assignment() + "/cancel"}
		}},
		{method: "POST", route: "/v1/assignments/batch", want: orgRead, req: func(*world, string) call {
			return call{"/v1/assignments/batch", map[string]any{"needs": []string{"n1"}, "dry_run": true}}
		}},
		// A job is its creator's (sw1 here) and an admin's; to anyone else
		// it does not exist.
		{method: "GET", route: "/v1/jobs/:id", want: "401 401 401 200 200 404 403 403 403", req: func(w *world, _ string) call {
			return call{path: "/v1/jobs/" + w.job()}
		}},

		{method: "POST", route: "/v1/orgs", want: "401 401 401 201 403 403 403 403 403", req: func(w *world, _ string) call {
			return call{"/v1/orgs", map[string]any{"id": fmt.Sprintf("fxo%03d", w.next()), "name": "朝阳社区服务中心", "district": "110105"}}
		}},
		{method: "GET", route: "/v1/orgs", want: adminRead, req: get("/v1/orgs")},
		{method: "GET", route: "/v1/orgs/:id", want: orgRead, req: get("/v1/orgs/org1")},

		// Service records and certificates (certificates_test.go has the
		// hostile cases). v1 served org1 (w.served); a certificate's
		// verification shows what the certificate shows to whoever holds
		// its code or bytes, so it is public and not scanned.
		{method: "GET", route: "/v1/volunteers/:id/record", want: ownRead, req: func(w *world, _ string) call {
			return call{path: "/v1/volunteers/v1/record?" + w.period(0)}
		}},
		{method: "POST", route: "/v1/volunteers/:id/certificates", want: "401 401 401 201 201 403 201 403 403", req: func(w *world, _ string) call {
			w.served()
			return call{"/v1/volunteers/v1/certificates", periodBody(w.next())}
		}},
		{method: "GET", route: "/v1/volunteers/:id/certificates", want: ownRead, req: func(w *world, _ string) call {
			w.certificate()
			return call{path: "/v1/volunteers/v1/certificates"}
		}},
		{method: "GET", route: "/v1/volunteers/:id/stars", want: "401 401 401 200 200 200 200 403 403", req: get("/v1/volunteers/v1/stars")},
		{method: "GET", route: "/v1/certificates/key", want: allOpen, req: get("/v1/certificates/key"), static: true},
		{method: "POST", route: "/v1/certificates/verify", want: allOpen, static: true, req: func(w *world, _ string) call {
			c := w.certificate()
			return call{"/v1/certificates/verify", map[string]any{"record": c.Signed, "signature": c.Signature}}
		}},
		{method: "GET", route: "/v1/certificates/:code", want: ownRead, req: func(w *world, _ string) call {
			return call{path: "/v1/certificates/" + w.certificate().Record.Code}
		}},
		{method: "GET", route: "/v1/certificates/:code/pdf", want: ownRead, req: func(w *world, _ string) call {
			return call{path: "/v1/certificates/" + w.certificate().Record.Code + "/pdf"}
		}},
		{method: "GET", route: "/v1/certificates/:code/verify", want: allOpen, static: true, req: func(w *world, _ string) call {
			return call{path: "/v1/certificates/" + w.certificate().Code + "/verify"}
		}},
		{method: "POST", route: "/v1/openings", want: "401 401 401 201 403 403 403 403 403", req: func(w *world, _ string) call {
			return call{"/v1/openings", map[string]any{"openings": []map[string]any{{"volunteer": w.volunteer(), "hours": 12, "source": "志愿北京", "as_of": t0.Add(-24 * time.Hour)}}}}
		}},
		{method: "POST", route: "/v1/assignments/:id/correct", want: orgRead, req: func(w *world, _ string) call {
			return call{"/v1/assignments/" + w.assignment(volmatch.StepCheckIn, volmatch.StepCheckOut) + "/correct", map[string]any{"hours": 0.01, "reason": "签退时间记错"}}
		}},

		// Points and time savings: a volunteer's own, an admin's; totals
		// for planners. v1 earns on every call (an admin's adjustment).
		{method: "GET", route: "/v1/volunteers/:id/ledger", want: selfOnly, req: get("/v1/volunteers/v1/ledger")},
		{method: "POST", route: "/v1/volunteers/:id/ledger/move", want: selfOnly, req: func(w *world, _ string) call {
			w.credit("v1", 5)
			return call{"/v1/volunteers/v1/ledger/move", map[string]any{"currency": "points", "amount": 5, "reason": "兑换"}}
		}},
		{method: "POST", route: "/v1/volunteers/:id/ledger/adjust", want: adminRead, req: func(*world, string) call {
			return call{"/v1/volunteers/v1/ledger/adjust", map[string]any{"currency": "points", "amount": 5, "reason": "迁移"}}
		}},
		{method: "POST", route: "/v1/assignments/:id/earn", want: orgRead, req: func(w *world, _ string) call {
			return call{path: "/v1/assignments/" + w.earned() + "/earn"}
		}},
		{method: "GET", route: "/v1/ledger/totals", want: readers, req: get("/v1/ledger/totals")},

		{method: "GET", route: "/v1/search", want: anyRole, req: get("/v1/search?q=%E6%89%8B%E8%AF%AD")}, // 手语
		ev("summary"), ev("funnel"), ev("rates"), ev("gaps"), ev("ranking"), ev("fairness"), ev("weekly"),
		{method: "GET", route: "/v1/evaluation/by", want: readers, req: get("/v1/evaluation/by?key=district")},
		// The learning routes: planners and admins only. The world's log is
		// too small to fit, so an allowed adoption meets the engine's
		// refusal (409) and an allowed undo finds nothing to undo (409);
		// api/learning_test.go adopts and undoes for real.
		{method: "GET", route: "/v1/evaluation/learning", want: readers, req: get("/v1/evaluation/learning")},
		{method: "POST", route: "/v1/evaluation/learning/adopt", want: "401 401 401 409 403 403 403 403 409", req: func(*world, string) call {
			return call{"/v1/evaluation/learning/adopt", map[string]string{"proposal": "1-0123456789abcdef"}}
		}},
		{method: "POST", route: "/v1/evaluation/learning/undo", want: "401 401 401 409 403 403 403 403 409", req: func(*world, string) call {
			return call{"/v1/evaluation/learning/undo", map[string]string{"adoption": "W-0123456789abcdef"}}
		}},
	}
	rows = append(rows, incentiveRows()...)
	rows = append(rows, teamRows()...)
	rows = append(rows, trainingRows()...) // training_test.go
	rows = append(rows, projectRows()...)  // project_test.go
	rows = append(rows, exchangeRows()...)
	return rows
}

func stationBody(id string) map[string]any {
	return map[string]any{"id": id, "name": "朝阳图书馆", "type": "library", "point": map[string]float64{"lat": 39.9, "lng": 116.4}}
}

// world is the seeded state the matrix runs against: organisations org1
// and org2; volunteers v1–v3; need n1 of org1 whose invitation inv1 v1
// accepted (assignment a1); need n2 of org2 whose invitation inv2 v2
// accepted (a2); station st1; pool p1. Its fixture methods write fresh
// records straight to the store.
type world struct {
	e                  *env
	k                  int
	slot               int // the last minute after t0 an assignment's shift starts at
	inv1, a1, inv2, a2 string
	past               bool                   // v1 served org1 (served)
	cert               *api.IssuedCertificate // org1's certificate of v1 (certificate)
	needs              map[string]volmatch.Need
}

func newWorld(t *testing.T, e *env) *world {
	t.Helper()
	w := &world{e: e, needs: map[string]volmatch.Need{}}
	secret := volmatch.NewSecret() // an admin token that expired an hour before the server's clock
	tok := volmatch.Token{Hash: volmatch.HashToken(secret), Role: volmatch.RoleAdmin, CreatedAt: t0.Add(-48 * time.Hour), ExpiresAt: t0.Add(-time.Hour)}
	if err := e.st.CreateToken(context.Background(), &tok); err != nil {
		t.Fatal(err)
	}
	e.tokens["expired"] = secret
	e.seedVolunteers()
	for _, org := range []string{"org1", "org2"} {
		e.must(201, "admin", "POST", "/v1/orgs", map[string]any{"id": org, "name": "社区" + org, "district": "110105"}, nil)
	}
	e.must(201, "sw1", "POST", "/v1/needs", need("n1", "org1"), nil)
	e.must(201, "sw2", "POST", "/v1/needs", need("n2", "org2"), nil)
	accept := func(sw, vol, n, v string) (string, string) {
		var invs api.List[volmatch.Invitation]
		e.must(201, sw, "POST", "/v1/needs/"+n+"/invites", map[string]any{"volunteers": []string{v}}, &invs)
		var a volmatch.Assignment
		e.must(200, vol, "POST", "/v1/invites/"+invs.Items[0].ID+"/accept", nil, &a)
		return invs.Items[0].ID, a.ID
	}
	w.inv1, w.a1 = accept("sw1", "vol1", "n1", "v1")
	w.inv2, w.a2 = accept("sw2", "vol2", "n2", "v2")
	e.must(201, "admin", "POST", "/v1/stations", stationBody("st1"), nil)
	e.must(201, "admin", "POST", "/v1/pools", map[string]any{"id": "p1", "name": "手语人才库", "domain": "language", "members": []string{"v1"}}, nil)
	return w
}

func (w *world) next() int { w.k++; return w.k }

// job stores a finished batch job started by sw1.
func (w *world) job() string {
	j := &volmatch.Job{ID: fmt.Sprintf("job-%04d", w.next()), Kind: "batch", Owner: volmatch.HashToken(w.e.tokens["sw1"]),
		Status: volmatch.JobSucceeded, Total: 1, Committed: 1, ChunkSize: 1, Chunks: 1, FailedChunk: -1, CreatedAt: t0, UpdatedAt: t0}
	if err := w.e.st.CreateJob(context.Background(), j); err != nil {
		w.e.t.Fatal(err)
	}
	return j.ID
}

// needValue is fixture need number k of org, its shift apart from every
// other fixture's (so one volunteer can hold them all).
func (w *world) needValue(k int, org string) volmatch.Need {
	n := need(fmt.Sprintf("fx%03d", k), org)
	off := time.Duration(72+4*k) * time.Hour
	n.Shifts[0].Start, n.Shifts[0].End = n.Shifts[0].Start.Add(off), n.Shifts[0].End.Add(off)
	return n
}

// need stores a fresh open need of org.
func (w *world) need(org string, u volmatch.Urgency) string {
	w.e.t.Helper()
	n := w.needValue(w.next(), org)
	n.Urgency = u
	if err := w.e.st.CreateNeed(context.Background(), &n); err != nil {
		w.e.t.Fatal(err)
	}
	n.Status, n.PostedAt, n.UpdatedAt = "", time.Time{}, time.Time{}
	w.needs[n.ID] = n
	return n.ID
}

// invite stores a sent invitation of a fresh need of org to vol.
func (w *world) invite(org, vol string) string {
	w.e.t.Helper()
	inv := &volmatch.Invitation{ID: fmt.Sprintf("fxi%03d", w.next()), Need: w.need(org, volmatch.UrgencyNormal), Shift: "s1",
		Volunteer: vol, Org: org, Status: volmatch.InviteSent, SentAt: t0}
	if err := w.e.st.CreateInvitation(context.Background(), inv); err != nil {
		w.e.t.Fatal(err)
	}
	return inv.ID
}

// assignment reserves v1 a slot of a fresh need of org1 and takes steps.
// The need's one-minute shift starts within 2 h after the server's clock
// (t0), a minute after the last one, so that a check-in or a check-out at
// the clock falls in the shift's window (volmatch.CheckInEarly) and v1 can
// hold them all.
func (w *world) assignment(steps ...volmatch.StepKind) string {
	w.e.t.Helper()
	ctx := context.Background()
	w.slot++
	if w.slot > 120 {
		w.e.t.Fatal("world: more than 120 assignments")
	}
	n := w.needValue(w.next(), "org1")
	n.Shifts[0].Start = t0.Add(time.Duration(w.slot) * time.Minute)
	n.Shifts[0].End = n.Shifts[0].Start.Add(time.Minute)
	if err := w.e.st.CreateNeed(ctx, &n); err != nil {
		w.e.t.Fatal(err)
	}
	as, err := w.e.st.Reserve(ctx, []volmatch.Reservation{{Need: n.ID, Shift: "s1", Volunteer: "v1"}}, t0)
	if err != nil {
		w.e.t.Fatal(err)
	}
	for _, k := range steps {
		if _, err := w.e.st.Advance(ctx, as[0].ID, volmatch.Step{Kind: k, At: t0}); err != nil {
			w.e.t.Fatal(err)
		}
	}
	return as[0].ID
}

func (w *world) volunteer() string {
	w.e.t.Helper()
	v := volunteer(fmt.Sprintf("fxv%03d", w.next()), "测试", "10000000000", 39.93, 116.44)
	if err := w.e.st.CreateVolunteer(context.Background(), &v); err != nil {
		w.e.t.Fatal(err)
	}
	return v.ID
}

// claimant stores a fresh volunteer with a pending claim (a training) for
// staff to verify.
func (w *world) claimant() string {
	w.e.t.Helper()
	v := volunteer(fmt.Sprintf("fxv%03d", w.next()), "测试", "10000000000", 39.93, 116.44)
	v.Claims = &volmatch.Claims{Trainings: []string{"sign_language"}}
	v.Consent.Findable = true // organisations verify only volunteers they may browse
	if err := w.e.st.CreateVolunteer(context.Background(), &v); err != nil {
		w.e.t.Fatal(err)
	}
	return v.ID
}

func (w *world) pool() string {
	w.e.t.Helper()
	p := &volmatch.TalentPool{ID: fmt.Sprintf("fxp%03d", w.next()), Name: "语言人才库", Domain: "language"}
	if err := w.e.st.CreatePool(context.Background(), p); err != nil {
		w.e.t.Fatal(err)
	}
	return p.ID
}

func (w *world) station() string {
	w.e.t.Helper()
	s := &volmatch.Station{ID: fmt.Sprintf("fxs%03d", w.next()), Name: "站", Type: "park", Point: volmatch.Point{Lat: 39.9, Lng: 116.4}}
	if err := w.e.st.CreateStation(context.Background(), s); err != nil {
		w.e.t.Fatal(err)
	}
	return s.ID
}

// secrets returns what each caller must never find in an answer: the
// other volunteers' IDs, names and phones for a volunteer; every
// volunteer's for a planner; for a social worker, the names and phones of
// the volunteers who did not accept their organisation's invitation, and
// every record of the other organisation.
func (w *world) secrets(who string) []string {
	person := func(i int, withID bool) []string {
		s := []string{people[i].name, people[i].phone}
		if withID {
			s = append(s, `"`+people[i].id+`"`)
		}
		return s
	}
	var out []string
	switch who {
	case "planner":
		out = append(append(person(0, true), person(1, true)...), person(2, true)...)
	case "vol1":
		out = append(person(1, true), person(2, true)...)
	case "vol2":
		out = append(person(0, true), person(2, true)...)
	case "sw1":
		out = append(append(person(1, false), person(2, false)...), `"org2"`, `"n2"`, w.inv2, w.a2)
	case "sw2":
		out = append(append(person(0, false), person(2, false)...), `"org1"`, `"n1"`, w.inv1, w.a1)
	}
	return append(out, `"hidden"`)
}

// outcome is one call of the matrix as made.
type outcome struct {
	row    access
	who    string
	path   string
	want   int
	status int
	body   []byte
}

// runMatrix makes every call of the matrix: each route e serves, as every
// caller. It reports routes without a row and rows without a route.
func runMatrix(t *testing.T, e *env, w *world) []outcome {
	t.Helper()
	rows := matrix()
	byRoute := map[string]access{}
	for _, r := range rows {
		if len(strings.Fields(r.want)) != len(callers) {
			t.Fatalf("row %s %s has %d statuses, want %d", r.method, r.route, len(strings.Fields(r.want)), len(callers))
		}
		byRoute[r.method+" "+r.route] = r
	}
	used := map[string]bool{}
	var out []outcome
	for _, rt := range e.api.Routes() {
		key := rt.Method + " " + rt.Path
		r, ok := byRoute[key]
		if !ok && rt.Method == "GET" && strings.HasPrefix(rt.Path, "/dashboard/") {
			key = "GET /dashboard/*"
			r, ok = byRoute[key]
			r.req = get(rt.Path)
		}
		if !ok {
			t.Errorf("route %s %s has no row in the access matrix", rt.Method, rt.Path)
			continue
		}
		used[key] = true
		for i, who := range callers {
			c := r.req(w, who)
			var want int
			fmt.Sscan(strings.Fields(r.want)[i], &want)
			var before snapshot
			deny := want == http.StatusUnauthorized || want == http.StatusForbidden
			// A refused request writes nothing (checked where a write could
			// happen: every method but GET, and the matches, which log).
			deny = deny && (rt.Method != "GET" || strings.HasSuffix(rt.Path, "/matches"))
			if deny {
				before = e.snapshot()
			}
			as := who
			if who == "none" {
				as = ""
			}
			status, body := e.do(as, rt.Method, c.path, c.body, nil)
			out = append(out, outcome{row: r, who: who, path: c.path, want: want, status: status, body: body})
			if deny && status == want {
				if after := e.snapshot(); after != before {
					t.Errorf("%s %s as %s was refused but wrote: before %+v, after %+v", rt.Method, c.path, who, before, after)
				}
			}
		}
	}
	for key := range byRoute {
		if !used[key] {
			t.Errorf("matrix row %s matches no route", key)
		}
	}
	return out
}

// TestAccessMatrix calls every route as every caller and checks the answer
// against the matrix: the status (allow or deny, and which), the problem
// document and WWW-Authenticate of a refusal, and that no allowed answer
// shows the caller what is out of their scope (names, phones and IDs of
// other volunteers; another organisation's records; anything personal to
// a planner).
func TestAccessMatrix(t *testing.T) {
	e := newEnv(t, api.Options{})
	w := newWorld(t, e)
	out := runMatrix(t, e, w)
	routes := map[string]bool{}
	for _, o := range out {
		routes[o.row.method+" "+o.path] = true
		what := fmt.Sprintf("%s %s as %s", o.row.method, o.path, o.who)
		if o.status != o.want {
			t.Errorf("%s = %d %.200q, want %d", what, o.status, o.body, o.want)
			continue
		}
		if o.status >= 400 {
			if !strings.Contains(string(o.body), fmt.Sprintf(`"status":%d`, o.status)) {
				t.Errorf("%s refused with %.200s, want a problem document", what, o.body)
			}
			continue
		}
		if o.row.static {
			continue
		}
		for _, s := range w.secrets(o.who) {
			if o.row.public && (s == `"org1"` || s == `"org2"`) {
				continue
			}
			if strings.Contains(string(o.body), s) {
				t.Errorf("%s shows %q: %.300q", what, s, o.body)
			}
		}
	}
	// Hours and times are the organisation's to record: the volunteer
	// themself may check in, out and cancel, but not state them.
	at := t0.Add(time.Hour)
	for _, c := range []struct {
		who, step string
		steps     []volmatch.StepKind
		body      any
		want      int
	}{
		{"vol1", "checkout", []volmatch.StepKind{volmatch.StepCheckIn}, map[string]float64{"hours": 150}, 403},
		{"vol1", "checkout", []volmatch.StepKind{volmatch.StepCheckIn}, map[string]any{"at": at}, 403},
		{"vol1", "checkin", nil, map[string]any{"at": at}, 403},
		{"vol1", "cancel", nil, map[string]any{"at": at}, 403},
		{"sw1", "checkout", []volmatch.StepKind{volmatch.StepCheckIn}, map[string]float64{"hours": 0.01}, 200}, // within the one-minute shift
		{"vol1", "checkout", []volmatch.StepKind{volmatch.StepCheckIn}, nil, 200},
	} {
		id := w.assignment(c.steps...)
		before := e.snapshot()
		if got, b := e.do(c.who, "POST", "/v1/assignments/"+id+"/"+c.step, c.body, nil); got != c.want {
			t.Errorf("POST %s %v as %s = %d %.200s, want %d", c.step, c.body, c.who, got, b, c.want)
		}
		if after := e.snapshot(); c.want == 403 && after != before {
			t.Errorf("POST %s %v as %s was refused but wrote", c.step, c.body, c.who)
		}
	}
	// What the owners see (a check that the scan above looks at real
	// answers).
	if _, b := e.do("vol1", "GET", "/v1/volunteers/v1", nil, nil); !strings.Contains(string(b), people[0].phone) {
		t.Errorf("GET /v1/volunteers/v1 as vol1 = %.200s, want their own phone", b)
	}
	if _, b := e.do("sw1", "GET", "/v1/needs?limit=1000", nil, nil); !strings.Contains(string(b), `"n1"`) || strings.Contains(string(b), `"n2"`) {
		t.Errorf("GET /v1/needs as sw1 = %.300s, want n1 and not n2", b)
	}
	// An expired token says so.
	req, _ := http.NewRequest("GET", e.srv.URL+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens["expired"])
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != 401 || !strings.Contains(h, "invalid_token") {
		t.Errorf("GET /v1/me with an expired token = %d WWW-Authenticate %q, want 401 invalid_token", resp.StatusCode, h)
	}
	t.Logf("access matrix: %d routes × %d callers = %d calls", len(out)/len(callers), len(callers), len(out))
}

// TestTokenExpiry checks that a token stops working at its expiry on the
// server's clock, even while it is cached.
func TestTokenExpiry(t *testing.T) {
	var now atomic.Int64 // the server's clock, in Unix nanoseconds
	now.Store(t0.UnixNano())
	e := newEnv(t, api.Options{Now: func() time.Time { return time.Unix(0, now.Load()) }})
	secret := volmatch.NewSecret()
	tok := volmatch.Token{Hash: volmatch.HashToken(secret), Role: volmatch.RolePlanner, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := e.st.CreateToken(context.Background(), &tok); err != nil {
		t.Fatal(err)
	}
	e.tokens["short"] = secret
	e.must(200, "short", "GET", "/v1/me", nil, nil) // cached from here on
	now.Store(t0.Add(59 * time.Minute).UnixNano())
	e.must(200, "short", "GET", "/v1/me", nil, nil)
	now.Store(t0.Add(time.Hour).UnixNano())
	var p api.Problem
	e.must(401, "short", "GET", "/v1/me", nil, &p)
	if !strings.Contains(p.Detail, "expired") {
		t.Errorf("expired token problem = %+v, want it to say expired", p)
	}
}
