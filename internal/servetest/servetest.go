// Package servetest builds the volmatch command for the tests that run it
// as a process (`volmatch serve` and the other subcommands): once per test
// binary, into a temporary folder that Main removes.
//
//	func TestMain(m *testing.M) { servetest.Main(m) }
//
//	bin := servetest.Binary(t)
package servetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	once sync.Once
	dir  string
	path string
	err  error
)

// Binary builds volmatch/cmd/volmatch once per test run and returns the
// path of the binary; it fails the test when the build fails.
func Binary(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		if dir, err = os.MkdirTemp("", "volmatch-bin-"); err != nil {
			return
		}
		path = filepath.Join(dir, "volmatch")
		// By import path, so that it builds from any package's folder.
		if out, berr := exec.Command("go", "build", "-o", path, "volmatch/cmd/volmatch").CombinedOutput(); berr != nil {
			err = fmt.Errorf("go build volmatch/cmd/volmatch: %v\n%s", berr, out)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// Main runs the tests, removes the folder of the binary built for the run
// and exits with the tests' code.
func Main(m *testing.M) {
	code := m.Run()
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	os.Exit(code)
}
