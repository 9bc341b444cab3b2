// Package bolt is the embedded default store of volmatch: the whole
// volmatch.Store in one bbolt file (DIR/volmatch.db), for one process and no
// server. It is the only package that imports bbolt.
//
// Records are JSON values in one bucket per kind, keyed by ID. Secondary
// buckets index assignments by volunteer and by shift, live invitations by
// volunteer and shift, and keep each shift's fill count. The event log and
// the change feed are keyed by big-endian sequence numbers. Every
// acknowledged write is one bbolt write transaction, fsynced on commit
// unless Options.NoSync is set; bbolt runs write transactions one at a time,
// which is what makes Accept and Reserve atomic.
//
//	st, err := bolt.Open(filepath.Join(dir, "volmatch.db"), bolt.Options{})
//	if err != nil { ... }
//	defer st.Close()
package bolt
