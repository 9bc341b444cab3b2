// Package volmatch holds the domain of the volunteer-service matching engine:
// volunteers (志愿者), community needs (需求) with their shifts, talent pools
// (分领域专业志愿者人员库), service stations (站点), invitations and
// assignments, the append-only event log, the error codes, and the store
// interfaces that every store implementation satisfies.
//
// The package imports only the standard library. Adapters live in
// sub-packages: index (Bleve and the in-memory feature index), store/bolt,
// store/redis, api (gin); the pure core lives in scoring, matcher and
// evaluation; cmd/volmatch wires the parts together.
//
// Times are absolute (time.Time); everything that depends on the hour of the
// week (availability, time-of-week buckets) is read in Beijing time (UTC+8,
// no daylight saving), see Beijing.
package volmatch
