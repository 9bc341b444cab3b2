// Package testlog gives tests a log sink that the goroutines of a server or
// an engine may write to while the test reads it:
//
//	var logs testlog.Buffer
//	logger := slog.New(slog.NewTextHandler(&logs, nil))
//	... strings.Contains(logs.String(), "...")
package testlog

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer safe for concurrent writes and reads. The zero
// value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
