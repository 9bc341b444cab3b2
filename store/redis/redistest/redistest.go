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
	"io"
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

	bin   string
	t     testing.TB
	extra []string

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
	return startWith(t)
}

// StartCluster starts a one-node Redis Cluster (cluster mode on, every slot
// assigned to the node) and waits until the cluster state is ok; connect
// with ClusterURL.
func StartCluster(t testing.TB) *Server {
	t.Helper()
	s := startWith(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	if _, err := command(s.Addr(), "CLUSTER ADDSLOTSRANGE 0 16383"); err != nil {
		t.Fatalf("redistest: assign cluster slots: %v", err)
	}
	for i := 0; ; i++ {
		info, err := command(s.Addr(), "CLUSTER INFO")
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return s
		}
		if i == 500 {
			t.Fatalf("redistest: the one-node cluster did not become ok: %v %s", err, info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// StartClusterN starts a Redis Cluster of n master nodes on loopback (n
// redis-server processes in cluster mode that meet each other), the 16,384
// slots split evenly between them in order, and waits until every node
// reports the cluster ok. Connect through any node's ClusterURL.
func StartClusterN(t testing.TB, n int) []*Server {
	t.Helper()
	nodes := make([]*Server, n)
	for i := range nodes {
		nodes[i] = startWith(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	}
	for _, s := range nodes[1:] {
		if _, err := command(nodes[0].Addr(), fmt.Sprintf("CLUSTER MEET 127.0.0.1 %d", s.Port)); err != nil {
			t.Fatalf("redistest: cluster meet: %v", err)
		}
	}
	for i, s := range nodes {
		lo, hi := i*16384/n, (i+1)*16384/n-1
		if _, err := command(s.Addr(), fmt.Sprintf("CLUSTER ADDSLOTSRANGE %d %d", lo, hi)); err != nil {
			t.Fatalf("redistest: assign cluster slots %d-%d: %v", lo, hi, err)
		}
	}
	for _, s := range nodes {
		for i := 0; ; i++ {
			info, err := command(s.Addr(), "CLUSTER INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d", n)) {
				break
			}
			if i == 1000 {
				t.Fatalf("redistest: the %d-node cluster did not become ok: %v %s", n, err, info)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nodes
}

// ClusterURL returns the redis+cluster:// URL of a server from StartCluster.
func (s *Server) ClusterURL() string { return "redis+cluster://" + s.Addr() }

func startWith(t testing.TB, extra ...string) *Server {
	t.Helper()
	bin := Require(t)
	s := &Server{bin: bin, t: t, Dir: t.TempDir(), extra: extra}
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
	args := append([]string{
		"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--dir", s.Dir, "--logfile", logFile, "--databases", "64",
		"--daemonize", "no", "--protected-mode", "yes"}, s.extra...)
	cmd := exec.Command(s.bin, args...)
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

// Calls returns how many times the server has run each of the commands
// named (lower case, as INFO commandstats names them: "get", "evalsha"),
// summed; those called from scripts count too. A test counts what reached
// the server by the difference of two calls.
func (s *Server) Calls(cmds ...string) int {
	s.t.Helper()
	info, err := command(s.Addr(), "INFO commandstats")
	if err != nil {
		s.t.Fatalf("redistest: INFO commandstats on port %d: %v", s.Port, err)
	}
	n := 0
	for _, cmd := range cmds {
		_, rest, ok := strings.Cut(info, "cmdstat_"+cmd+":calls=")
		if !ok {
			continue // never called
		}
		end := strings.IndexByte(rest, ',')
		c, err := strconv.Atoi(rest[:max(end, 0)])
		if err != nil {
			s.t.Fatalf("redistest: INFO commandstats: cannot read the calls of %s in %q", cmd, rest)
		}
		n += c
	}
	return n
}

// ping sends PING and waits for +PONG (a loading server answers -LOADING).
func ping(addr string) error {
	line, err := command(addr, "PING")
	if err != nil {
		return err
	}
	if line != "PONG" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// command sends one inline command and returns a simple or bulk string
// answer; an error answer is an error.
func command(addr, cmd string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "+"):
		return line[1:], nil
	case strings.HasPrefix(line, "$"):
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("%s answered %q", cmd, line)
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return "", err
		}
		return string(b[:n]), nil
	}
	return "", fmt.Errorf("%s answered %q", cmd, line)
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
