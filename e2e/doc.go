// Package e2e holds end-to-end tests that run the built volmatch binary as
// separate processes and drive them over HTTP on loopback. It has no code
// of its own.
//
// TestReplicas runs several `volmatch serve --redis` replicas on one real
// redis-server. TestSoak sends mixed traffic from several clients while the
// servers are killed with SIGKILL and restarted (bbolt) and redis-server is
// stopped or killed and restarted (Redis), then checks every acknowledged
// write against what is stored: nothing lost, no shift overfilled, no
// volunteer in two overlapping shifts, every reservation with its event. It
// runs about 16 s in `go test`; VOLMATCH_SOAK=5m (`make soak`) runs it
// longer and VOLMATCH_SOAK_SEED changes the seeded traffic mix.
package e2e
