package e2e_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"volmatch/internal/servetest"
)

// The helpers the end-to-end tests share: the binary built once per run,
// `volmatch serve` processes that can be killed and started again on the
// same address, and HTTP calls as the admin.

const adminSecret = "vm_e2e_admin_secret_0123456789abcdef"

func TestMain(m *testing.M) { servetest.Main(m) }

// proc is a `volmatch serve` process on a fixed loopback address: it can be
// killed (SIGKILL, as a crash would) or stopped (SIGTERM) and started again
// on the same address and data, so clients keep their URL across restarts.
// It is stopped by its PID when the test ends.
type proc struct {
	url  string
	bin  string
	args []string // serve's arguments without --addr
	addr string
	log  *tailBuffer

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	starts int
}

// startServe starts `volmatch serve ARGS --addr 127.0.0.1:PORT` on a free
// port with the admin token and no rate limit, and waits until it serves.
func startServe(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{bin: bin, args: append(args, "--rate", "-1"), log: newTailBuffer(64 << 10)}
	var err error
	for try := 0; try < 5; try++ {
		var port int
		if port, err = freePort(); err != nil {
			continue
		}
		p.addr = fmt.Sprintf("127.0.0.1:%d", port)
		p.url = "http://" + p.addr
		if err = p.start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("start volmatch serve: %v", err)
	}
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("volmatch serve %s log (last lines):\n%s", p.url, tail(p.log.String(), 30))
		}
	})
	return p
}

// startReplica starts `volmatch serve --redis URL` with its own data folder
// (its local search index).
func startReplica(t *testing.T, bin, redisURL string) *proc {
	t.Helper()
	return startServe(t, bin, "--redis", redisURL, "--data", t.TempDir())
}

// start starts the process on p.addr and waits (up to 90 s) until it prints
// the URL it serves on.
func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := exec.Command(p.bin, append([]string{"serve", "--addr", p.addr}, p.args...)...)
	cmd.Env = append(os.Environ(), "VOLMATCH_ADMIN_TOKEN="+adminSecret)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = p.log
	if err := cmd.Start(); err != nil {
		return err
	}
	p.starts++
	done := make(chan struct{})
	ready := make(chan struct{}, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "volmatch: serving on ") {
				ready <- struct{}{}
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(done) }()
	p.cmd, p.done = cmd, done
	select {
	case <-ready:
		return nil
	case <-done:
		p.cmd = nil
		return fmt.Errorf("volmatch serve exited at start:\n%s", tail(p.log.String(), 20))
	case <-time.After(90 * time.Second):
		p.signalLocked(syscall.SIGKILL)
		return fmt.Errorf("volmatch serve did not start within 90s:\n%s", tail(p.log.String(), 20))
	}
}

// restart starts the process again on its address, retrying a few times
// (the port may linger a moment after a kill).
func (p *proc) restart() error {
	var err error
	for try := 0; try < 20; try++ {
		if err = p.start(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// kill stops the process abruptly by its PID (SIGKILL) and waits for it.
func (p *proc) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.signalLocked(syscall.SIGKILL)
}

// stop stops the process gracefully by its PID (SIGTERM; SIGKILL after 15
// s) and waits for it.
func (p *proc) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
		p.cmd = nil
	case <-time.After(15 * time.Second):
		p.signalLocked(syscall.SIGKILL)
	}
}

func (p *proc) signalLocked(sig syscall.Signal) {
	if p.cmd == nil {
		return
	}
	_ = syscall.Kill(p.cmd.Process.Pid, sig)
	<-p.done
	p.cmd = nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written to it (a server's log over a
// long soak would otherwise grow without bound).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (l *tailBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	if over := len(l.b) - l.max; over > 0 {
		l.b = append(l.b[:0], l.b[over:]...)
	}
	return len(p), nil
}

func (l *tailBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

var client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 100}}

// call sends a request as the admin with the shared client and decodes a
// JSON answer into out (when not nil); it returns the status and the
// Content-Type.
func call(method, url string, body, out any) (int, string, error) {
	return callWith(client, method, url, body, out)
}

// callWith sends a request as the admin with c. A transport error (refused,
// reset, timed out) is returned as the error with status 0.
func callWith(c *http.Client, method, url string, body, out any) (int, string, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, "", err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+adminSecret)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		// The answer was cut: the client cannot know the outcome.
		return 0, "", fmt.Errorf("read answer of %s %s (status %d): %w", method, url, resp.StatusCode, err)
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, "", fmt.Errorf("decode %s %s: %w", method, url, err)
		}
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), nil
}

// must sends a request and fails the test unless the status is want.
func must(t *testing.T, want int, method, url string, body, out any) {
	t.Helper()
	got, _, err := call(method, url, body, out)
	if err != nil || got != want {
		t.Fatalf("%s %s = %d, %v, want %d", method, url, got, err, want)
	}
}

// listAll pages through a listing route (limit 1000) and returns every item.
func listAll[T any](t *testing.T, base, path string) []T {
	t.Helper()
	var all []T
	cursor := ""
	for {
		url := base + path + "?limit=1000"
		if cursor != "" {
			url += "&cursor=" + cursor
		}
		var page struct {
			Items []T    `json:"items"`
			Next  string `json:"next"`
		}
		must(t, 200, "GET", url, nil, &page)
		all = append(all, page.Items...)
		if page.Next == "" {
			return all
		}
		cursor = page.Next
	}
}
