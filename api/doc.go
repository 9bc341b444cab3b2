// Package api is the HTTP service of volmatch on gin: the route table, bearer
// token roles, privacy of volunteers' contact details, strict request
// decoding with problem+json errors (RFC 9457), Prometheus metrics and the
// OpenAPI document.
//
// # Using it
//
//	eng := engine.New(st, text, taxonomy.Load(), engine.Options{})
//	_ = eng.Start(ctx)
//	srv := api.New(eng, api.Options{})
//	http.ListenAndServe(addr, srv.Handler())
//
// api is a transport: it binds and checks the shape of a request, calls the
// engine, and renders the answer or the error. Every rule of the domain
// (who may see and change what, masking, the flows' validation, the events
// written) lives in the engine, so the web pages obey the same rules.
//
// # Conventions for adding an endpoint
//
//   - Every route is registered in routes.go, in the one function
//     (*Server).routes, one line each: method, path, roles, op, handler.
//     The op (an Op, declared in ops.go) documents it for the OpenAPI
//     document: summary,
//     parameters, request and response types (Go values whose JSON schema is
//     derived by reflection). A route outside the table does not exist, and a
//     test checks that gin's routes and the document agree.
//   - A handler is about 20 lines: decode (s.decode for bodies, the query
//     helpers for parameters), call the engine with principal(c) (the role
//     check is done by the table; record-level scope by the engine), respond
//     with c.JSON. Errors go through s.fail(c, err) and nothing else.
//   - Request and response types live in this package (types.go).
//   - Lists answer {"items": [...], "next": "..."}; limit (1..1000, default
//     100) and cursor (the opaque "next" of the previous page) are read by
//     listOptions.
//
// # Decisions
//
// Status codes. An EINVALID error from decoding (malformed JSON, a value of
// the wrong type, an unknown field, more than one JSON value, an empty body)
// or from a malformed query parameter answers 400 Bad Request: the request
// was not understood. A body that decodes but breaks a rule of the domain
// (a required field left empty, coordinates out of range, a shift ending
// before it starts, slots below 1, an unknown skill key) answers 422
// Unprocessable Content: JSON cannot tell a missing field from an empty one,
// so "missing required field" is a rule of the domain. Either way the
// problem's "field" member names the field (a JSON path like
// "shifts[0].end"). The mapping from error codes to statuses is the one
// table in errors.go. A refusal a client tells apart carries the extension
// member "reason" (volmatch.Error.Reason: "slot_full", "shift_clash",
// "shift_begun", "gate:skill", ...), stable where "detail"'s wording is not.
//
// Roles. admin may do everything. A social worker is scoped to an
// organisation: they create, change and delete needs of that organisation
// only (a need they post takes their organisation; naming another is 403),
// see matches, send invitations and manage assignments of those needs, and
// read volunteers masked. Needs are public postings without personal data,
// so every role may read and search them; writes are scoped. A volunteer
// reads and replaces their own record (unmasked to themself), lists and
// answers their own invitations, lists their assignments, checks in and out
// and cancels their own. A planner reads needs and stations and (with issue
// 5) the evaluation aggregates; never a volunteer, a pool (its members are
// people), an invitation or an assignment. Talent pools and stations are
// written by admins only.
//
// Privacy. A volunteer's name and phone reach a social worker only when the
// volunteer accepted an invitation of that worker's organisation and gave
// Consent.ShareContact; otherwise the record is Masked. Hidden preferences are
// never returned. The request log carries method, route, status, latency and
// role only: no query string, body or path values (they may hold names).
//
// Writes and search. After every successful write the engine catches the
// indexes up, so the write is visible to search and matching at once (read
// your writes); the engine's follower catches up writes of other replicas
// in the background.
//
// Matching modes (modes.go): a volunteer's menu (GET
// /v1/volunteers/{id}/menu), batch assignment with a dry run or an
// all-or-nothing commit (POST /v1/assignments/batch) and emergency dispatch
// by waves (POST /v1/needs/{id}/dispatch). Matches, invitations and menus
// offer only shifts that start after the engine's clock.
//
// Evaluation (evaluation.go): /v1/evaluation/* for planners and admins,
// aggregates only, computed by the engine from an in-memory copy of the
// event log that reads only the events after the last one seen. The planner
// dashboard is a web page (package web, /web/dashboard, behind the pages'
// sign-in); /dashboard redirects there. dashboard.go serves the public
// reference data (/v1/reference, /v1/geo/districts).
//
// Sending invitations to several volunteers is one store write: a clash
// found by the store refuses the whole batch and writes nothing.
package api
