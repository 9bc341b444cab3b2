// Package redis is the shared store of volmatch: the whole volmatch.Store
// in Redis (go-redis v9), so that several API replicas serve one state. It
// is the only package that imports go-redis.
//
//	st, err := redis.Open(ctx, "redis://127.0.0.1:6379/0", redis.Options{})
//	if err != nil { ... }   // EUNAVAILABLE when the server cannot be reached
//	defer st.Close()
//
// # Keys
//
// Every key of one deployment carries the same hash tag, {vm} by default
// (Options.Namespace):
//
//	{vm}:vol:ID  {vm}:vst:ID        volunteer JSON (Stats zero); its stats hash
//	{vm}:need:ID {vm}:fill:ID        need JSON (Filled zero); shift -> fill count
//	{vm}:nver                        need ID -> version stamp, new on each write
//	{vm}:pool:ID {vm}:station:ID {vm}:tok:HASH
//	{vm}:inv:ID  {vm}:live           invitation JSON; VOL:NEED:SHIFT -> live invitation
//	{vm}:asg:ID  {vm}:held:VOL       assignment JSON; the volunteer's holding
//	                                 assignments -> NEED \t SHIFT \t START \t END
//	{vm}:ids:KIND                    sorted set of IDs (score 0): ZRANGEBYLEX pages
//	{vm}:ix:asgvol:V  {vm}:ix:asgshift:N:S  {vm}:ix:asgneed:N   assignment indexes
//	{vm}:events {vm}:seq:events      the event log: a stream with IDs SEQ-0
//	{vm}:evt:TYPE {vm}:evtix:from    the events of one type: a stream of IDs SEQ-0
//	                                 (no payload; EventsOf reads them); the Seq
//	                                 from which the log is so indexed (an earlier
//	                                 log is scanned)
//	{vm}:changes {vm}:seq:changes    the change feed: a stream with IDs SEQ-0,
//	                                 fields k (kind), i (ID), d (1: deleted), x (1:
//	                                 derived figures only, volmatch.Change.Derived)
//	{vm}:seq:asg                     assignment counter (IDs A000000000001 on)
//	{vm}:partner:ID {vm}:offer:ID    partner JSON; offer JSON with its redeemed count
//	{vm}:redemption:ID               redemption JSON (its ledger spend: txn:redeem-ID)
//	{vm}:offervol:OFFER:VOL          a volunteer's count of an offer (per-volunteer limit)
//	{vm}:imported:KEY                a service imported from another deployment
//	                                 (KEY = issuer key ID:service ID)
//	{vm}:course:ID {vm}:seats:ID     course JSON (Enrolled zero); session -> seats held
//	{vm}:enr:ID  {vm}:tenr:VOL       enrolment JSON; the volunteer's seat-holding
//	                                 enrolments -> COURSE \t SESSION \t START \t END
//	{vm}:ix:enrvol:V  {vm}:ix:enrcourse:C   enrolment indexes (training.go)
//
// # Atomicity
//
// Every write is one Lua script, so it is applied whole or not at all, and
// each appends its events and changes in the same script (Seq is a counter
// INCRed there: dense, in commit order). A reservation (Accept, Reserve) is
// one script that checks, in the order and words of
// volmatch.CheckReservation, the slot capacity (fill:N) and the volunteer's
// overlapping shifts (held:V, times as fixed-width sortable nanoseconds),
// then writes the assignment, the fill count, the held interval, the load,
// the invitation, the invite.accepted event and the changes. Reserve runs
// one script over the whole batch, each reservation counting the ones
// before it: all or nothing. Advance writes the step, the stats, the freed
// slot and the event in one script.
//
// Writes that depend on a record read first (update a need, accept,
// advance) are compare-and-set: the script checks the record (or the need's
// version stamp) is as read, answers RETRY otherwise, and the Go side reads
// again; reservations on one shift never retry because of each other, only
// when the need itself changes.
//
// # One round trip per accept
//
// An accept's check (the engine's rules: who may answer, the hard gates)
// runs in Go between a read and the reservation script, which reserves only
// while the invitation's JSON, the need's version and the volunteer's JSON
// are as checked. Each replica keeps the invitations it sent or read and
// the volunteers it read for an accept (recent.go: two generations, at
// most 2^17 invitations and 2^15 volunteers) besides its needs
// (needCache); when all three are held, check runs on them and the
// reservation script is the accept's only call. A record changed on
// another replica makes the script answer RETRY, and the accept reads the
// three from the store and checks again; a refusal of check is given only
// on records read from the store, never on held ones.
//
// # Pipelines
//
// The script calls of the hot path (every write but an import's and a
// reservation batch's, an accept's read and reservation, the typed event reads) go through
// a pipe (pipe.go): a few sender goroutines each take the calls waiting
// when they are free and send them in one pipeline, so concurrent requests
// share their round trips instead of paying one write and one read each.
// Redis runs each script of a pipeline whole, so what a call checks and
// writes is the same as alone. Imports and reservation batches use the
// bulk client and wait for their reply.
//
// # Redis Cluster
//
// A reservation touches the need's keys and the volunteer's keys, and every
// write appends to the one change stream, so all keys of a deployment share
// one hash tag and hence one slot: correct under any concurrency, but one
// deployment's data lives on one shard (Cluster then gives failover and a
// shared installation, not spread). Deployments with different namespaces
// land in different slots. Spreading bulk records (volunteer bodies) over
// slots would make their writes two-step (record, then ledger), which this
// store does not do: correctness first. TestClusterConformance runs the
// conformance suite through the cluster client on a one-node cluster.
//
// # Failures
//
// Dial, read and write are bounded by Options.Timeout (1 s) and go-redis
// does not retry (a retried script could run twice when only its reply was
// lost), so an unreachable server gives EUNAVAILABLE quickly; the pool
// dials again on the next call, so a restarted server is used without
// restarting the process. With appendonly yes and appendfsync always, every
// acknowledged write survives a server restart. A call that fails with
// EUNAVAILABLE after its script reached the server may still have been
// applied (its reply was lost); it was not acknowledged.
package redis
