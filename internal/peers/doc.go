// Package peers holds volmatch's benchmark peers: the same ranking as
// matcher.Rank (the same gates, the same score, the same top k) built the
// way a user would build it with the tools they know, to measure volmatch
// against them in one run (BenchmarkPeers) and to check that each gives the
// same answer (TestPeersEqualVolmatch).
//
//   - PostGIS: PostgreSQL with PostGIS, volunteers in a table with a GiST
//     index on their home point, every gate a WHERE test, the score an SQL
//     expression equal to the scorer's, ORDER BY the score, LIMIT k.
//     StartPostgres runs a throwaway cluster (initdb in a temporary folder,
//     a free loopback port, an unprivileged user).
//   - Bleve: a geo-distance query with a term per required skill; the hits
//     gated and scored in Go by the same scorer.
//
// The peers are never needed to run volmatch; nothing outside the
// benchmarks imports this package. It is the one package that imports a
// PostgreSQL driver (pgx), and the one besides index that imports Bleve,
// for a peer must be built as its users build it rather than through
// volmatch's adapter.
package peers
