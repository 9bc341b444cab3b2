package peers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Postgres is a PostgreSQL cluster started for a benchmark or a test: initdb
// in a temporary folder, the server on a free loopback port, run as an
// unprivileged user (the "postgres" account when started by root, which
// PostgreSQL refuses to run as), stopped by its PID.
type Postgres struct {
	// URL is the connection string of the database "volmatch".
	URL string
	// Dir is the cluster's folder, removed by Stop.
	Dir string

	cmd  *exec.Cmd
	done chan struct{}
}

// PostgresBin returns the folder of initdb and postgres (Debian puts them
// under /usr/lib/postgresql/VERSION/bin, off the PATH), the newest version
// first, or an error saying what to install.
func PostgresBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("peers: PostgreSQL is not installed (apt-get install postgresql postgresql-15-postgis-3, or scripts/deps.sh)")
}

// StartPostgres initialises a cluster in a new temporary folder and starts
// it on a free port of 127.0.0.1 with PostGIS created in database
// "volmatch". Stop it with Stop.
func StartPostgres(ctx context.Context) (*Postgres, error) {
	bin, err := PostgresBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "volmatch-pg-")
	if err != nil {
		return nil, err
	}
	cred, err := unprivileged(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	run := func(name string, args ...string) *exec.Cmd {
		c := exec.CommandContext(ctx, filepath.Join(bin, name), args...)
		c.Dir = dir
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
		c.Env = append(os.Environ(), "LC_ALL=C")
		return c
	}
	if out, err := run("initdb", "-D", data, "-U", "volmatch", "-A", "trust", "-E", "UTF8",
		"--locale=C", "--no-sync").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("peers: initdb: %v: %s", err, lastLines(string(out), 5))
	}
	p := &Postgres{Dir: dir}
	for try := 0; try < 5; try++ {
		var port int
		if port, err = freePort(); err != nil {
			continue
		}
		if err = p.start(run, data, port); err == nil {
			break
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return p, nil
}

func (p *Postgres) start(run func(string, ...string) *exec.Cmd, data string, port int) error {
	logFile := filepath.Join(p.Dir, "postgres.log")
	lf, err := os.Create(logFile)
	if err != nil {
		return err
	}
	defer lf.Close()
	if err := chownLike(logFile, p.Dir); err != nil {
		return err
	}
	// Settings a user serving reads would choose on this machine: memory for
	// the working set, no JIT (it compiles per query and costs more than it
	// saves on queries of milliseconds), no durability work (nothing here is
	// kept).
	cmd := run("postgres", "-D", data, "-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1",
		"-k", p.Dir, "-c", "shared_buffers=1GB", "-c", "work_mem=64MB", "-c", "jit=off",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_wal_size=4GB", "-c", "maintenance_work_mem=512MB")
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("peers: start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	p.cmd, p.done = cmd, done
	p.URL = fmt.Sprintf("postgres://volmatch@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			b, _ := os.ReadFile(logFile)
			p.cmd = nil
			return fmt.Errorf("peers: postgres exited at start: %s", lastLines(string(b), 5))
		default:
		}
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond); err == nil {
			c.Close()
			if err := p.createDatabase(); err == nil {
				p.URL = fmt.Sprintf("postgres://volmatch@127.0.0.1:%d/volmatch?sslmode=disable", port)
				return nil
			} else if !strings.Contains(err.Error(), "starting up") {
				p.Stop()
				return err
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.Stop()
	return fmt.Errorf("peers: postgres on port %d did not answer within 30s", port)
}

// Stop stops the server by its PID (SIGINT: fast shutdown; SIGKILL after
// 10 s) and removes its folder.
func (p *Postgres) Stop() {
	if p.cmd != nil {
		_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
		p.cmd = nil
	}
	os.RemoveAll(p.Dir)
}

// unprivileged returns the credential to run PostgreSQL under (nil: the
// current user) and hands dir to that user.
func unprivileged(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("peers: running as root and no postgres user to run PostgreSQL as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// chownLike gives path the owner of ref.
func chownLike(path, ref string) error {
	fi, err := os.Stat(ref)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) == os.Geteuid() {
		return nil
	}
	return os.Chown(path, int(st.Uid), int(st.Gid))
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
