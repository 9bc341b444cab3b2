// Package e2e holds end-to-end tests that run the built volmatch binary as
// separate processes: several `volmatch serve --redis` replicas on one real
// redis-server, driven over HTTP. It has no code of its own.
package e2e
