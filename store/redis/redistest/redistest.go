// Package redistest starts a real redis-server process for tests: on a free
// loopback port, with an append-only file fsynced on every write in a
// temporary folder, stopped by its PID when the test ends. Tests of
// store/redis, the api and the command line use it to run against the real
// server rather than a fake.
//
//	srv := redistest.Start(t)
//	st, err := redis.Open(ctx, srv.URL(0), redis.Options{})
//
// When redis-server is not installed, Start fails the test if the
// environment variable CI is "true" and skips it otherwise.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is a redis-server process started for a test.
type Server struct {
	// Port is the loopback TCP port the server listens on.
	Port int
	// Dir is the server's working folder, which holds its append-only file.
	Dir string

	bin string
	t   testing.TB

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// Binary returns the path of redis-server, or "" when it is not installed.
func Binary() string {
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return ""
	}
	return p
}

// Require fails the test when redis-server is missing and CI=true, and skips
// it with a clear message otherwise. It returns the binary's path.
func Require(t testing.TB) string {
	t.Helper()
	bin := Binary()
	if bin == "" {
		msg := "redis-server is not installed (apt-get install redis-server, or run make deps)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// Start starts a redis-server on a free loopback port and waits until it
// answers PING. The server is stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Require(t)
	s := &Server{bin: bin, t: t, Dir: t.TempDir()}
	var err error
	for try := 0; try < 5; try++ {
		if s.Port, err = freePort(); err != nil {
			continue
		}
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("redistest: start redis-server: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Addr returns host:port of the server.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// URL returns the redis:// URL of database db on the server.
func (s *Server) URL(db int) string { return fmt.Sprintf("redis://%s/%d", s.Addr(), db) }

// PID returns the process ID of the running server, 0 when stopped.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	logFile := filepath.Join(s.Dir, "redis.log")
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--dir", s.Dir, "--logfile", logFile, "--databases", "64",
		"--daemonize", "no", "--protected-mode", "yes")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done, s.log = cmd, done, logFile
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			b, _ := os.ReadFile(logFile)
			s.cmd = nil
			return fmt.Errorf("redis-server exited at start: %s", lastLines(string(b), 5))
		default:
		}
		if ping(s.Addr()) == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.stopLocked()
	return fmt.Errorf("redis-server on port %d did not answer PING within 10s", s.Port)
}

// Stop stops the server by its PID (SIGTERM, SIGKILL after 10 s) and waits
// for it to exit. The append-only file stays, so Restart brings the data back.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

func (s *Server) stopLocked() {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	s.cmd = nil
}

// Kill stops the server abruptly (SIGKILL by its PID), as a crash would;
// with appendfsync always every acknowledged write is still in the file.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
	s.cmd = nil
}

// Restart starts the server again on the same port and folder (so with the
// same append-only file) and waits until it answers PING.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	var err error
	for try := 0; try < 50; try++ { // the port may linger a moment
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("redistest: restart redis-server on port %d: %v", s.Port, err)
}

// ping sends PING and waits for +PONG (a loading server answers -LOADING).
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
