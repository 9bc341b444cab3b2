package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"volmatch"
	"volmatch/internal/servetest"
)

func TestMain(m *testing.M) { servetest.Main(m) }

// proc is a running volmatch process whose stdout lines are collected.
type proc struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr *bytes.Buffer
	mu     *sync.Mutex
	done   chan error
}

func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(servetest.Binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, lines: make(chan string, 1000), stderr: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan error, 1)}
	cmd.Stderr = lockedWriter{p.mu, p.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	return p
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// waitLine returns the first stdout line with prefix, failing when the
// process ends first.
func (p *proc) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	for l := range p.lines {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t.Fatalf("process ended without printing %q; stderr:\n%s", prefix, p.stderr.String())
	return ""
}

func call(t *testing.T, method, u, token string, body any, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %s: %v", method, u, b, err)
		}
	}
	return resp.StatusCode
}

func crashNeed(i int) volmatch.Need {
	t0 := time.Date(2026, 11, 3, 9, 0, 0, 0, volmatch.Beijing)
	return volmatch.Need{
		ID: fmt.Sprintf("crash-%04d", i), Org: "org1", Title: fmt.Sprintf("社区应急演练第%d场", i),
		Domain: "emergency_response", TargetGroup: volmatch.TargetResidents, Mode: volmatch.ModeConcentrated,
		Urgency: volmatch.UrgencyNormal, Point: volmatch.Point{Lat: 39.9 + float64(i)*1e-5, Lng: 116.48}, // in Chaoyang (110105)
		District: "110105", RadiusKm: 5,
		Shifts: []volmatch.Shift{{ID: "s1", Start: t0, End: t0.Add(2 * time.Hour), Slots: 3}},
	}
}

// TestServeCrash kills the server (SIGKILL) during a burst of 200
// concurrent creates, restarts it on the same data folder and finds every
// acknowledged need in the store and in the search index.
func TestServeCrash(t *testing.T) {
	data := t.TempDir()
	const admin = "crash-test-admin-secret-0123456789abcdef"
	env := []string{AdminTokenEnv + "=" + admin}
	args := []string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--rate", "-1"}
	p := start(t, env, args...)
	base := strings.TrimPrefix(p.waitLine(t, "volmatch: serving on "), "volmatch: serving on ")

	// 200 concurrent clients create needs one after another until the
	// server dies; it is killed once 300 creates are acknowledged.
	var mu sync.Mutex
	var acked []string
	lost := 0
	var wg sync.WaitGroup
	var once sync.Once
	client := &http.Client{Timeout: 30 * time.Second}
	for w := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				id := w*20 + k
				b, _ := json.Marshal(crashNeed(id))
				req, _ := http.NewRequest("POST", base+"/v1/needs", bytes.NewReader(b))
				req.Header.Set("Authorization", "Bearer "+admin)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					mu.Lock()
					lost++ // the server died before answering: not acknowledged
					mu.Unlock()
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					t.Errorf("create %d = %d", id, resp.StatusCode)
					return
				}
				mu.Lock()
				acked = append(acked, crashNeed(id).ID)
				n := len(acked)
				mu.Unlock()
				if n == 300 {
					once.Do(func() { _ = p.cmd.Process.Signal(syscall.SIGKILL) })
				}
			}
		}()
	}
	wg.Wait()
	<-p.done
	t.Logf("%d creates acknowledged, %d cut off by SIGKILL", len(acked), lost)
	if lost == 0 {
		t.Fatalf("the burst ended (%d acknowledged) before the kill", len(acked))
	}

	p2 := start(t, env, args...)
	base = strings.TrimPrefix(p2.waitLine(t, "volmatch: serving on "), "volmatch: serving on ")
	if s := call(t, "GET", base+"/readyz", "", nil, nil); s != 200 {
		t.Fatalf("readyz after restart = %d", s)
	}
	for _, id := range acked {
		if s := call(t, "GET", base+"/v1/needs/"+id, admin, nil, nil); s != 200 {
			t.Errorf("acknowledged need %s after restart: GET = %d, want 200", id, s)
		}
	}
	found := map[string]bool{}
	for offset := 0; ; offset += 100 {
		var sr struct {
			Items []struct{ ID string }
			Next  string
		}
		q := url.Values{"q": {"演练"}, "kind": {"need"}, "limit": {"100"}, "offset": {fmt.Sprint(offset)}}
		if s := call(t, "GET", base+"/v1/search?"+q.Encode(), admin, nil, &sr); s != 200 {
			t.Fatalf("search after restart = %d", s)
		}
		for _, it := range sr.Items {
			found[it.ID] = true
		}
		if sr.Next == "" {
			break
		}
	}
	for _, id := range acked {
		if !found[id] {
			t.Errorf("acknowledged need %s is not found by search after restart", id)
		}
	}
	// Graceful shutdown on SIGTERM.
	_ = p2.cmd.Process.Signal(syscall.SIGTERM)
	for range p2.lines {
	}
	if err := <-p2.done; err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
}

// TestDemoSmoke runs a small demo and uses every printed token.
func TestDemoSmoke(t *testing.T) {
	data := filepath.Join(t.TempDir(), "demo")
	p := start(t, nil, "demo", "--data", data, "--volunteers", "2000", "--needs", "200", "--weeks", "1",
		"--addr", "127.0.0.1:0", "--rate", "-1")
	base := strings.TrimSpace(strings.TrimPrefix(p.waitLine(t, "URL: "), "URL: "))
	p.waitLine(t, "Tokens")
	toks := map[string][2]string{} // role -> secret, scope
	for len(toks) < 4 {
		f := strings.Fields(p.waitLine(t, "  "))
		if len(f) < 2 {
			continue
		}
		scope := ""
		if len(f) > 2 {
			scope = strings.Trim(f[2], "()")
		}
		toks[f[0]] = [2]string{f[1], scope}
	}
	for role, tok := range toks {
		var me struct{ Role, Org, Volunteer string }
		if s := call(t, "GET", base+"/v1/me", tok[0], nil, &me); s != 200 || me.Role != role {
			t.Errorf("GET /v1/me with the %s token = %d %+v", role, s, me)
		}
	}
	sw, vol, planner := toks["social_worker"], toks["volunteer"], toks["planner"]
	var needs struct{ Items []volmatch.Need }
	if s := call(t, "GET", base+"/v1/needs?org="+sw[1], sw[0], nil, &needs); s != 200 || len(needs.Items) == 0 {
		t.Fatalf("needs of the social worker's org %s = %d, %d items", sw[1], s, len(needs.Items))
	}
	if s := call(t, "GET", base+"/v1/volunteers/"+vol[1], vol[0], nil, nil); s != 200 {
		t.Errorf("the volunteer's own record = %d", s)
	}
	if s := call(t, "GET", base+"/v1/volunteers", planner[0], nil, nil); s != 403 {
		t.Errorf("planner listing volunteers = %d, want 403", s)
	}
	var sr struct{ Total int }
	q := url.Values{"q": {"手语"}}
	if s := call(t, "GET", base+"/v1/search?"+q.Encode(), sw[0], nil, &sr); s != 200 || sr.Total == 0 {
		t.Errorf("search 手语 = %d, total %d", s, sr.Total)
	}
	// The printed matches example works: ranked, explained candidates.
	ex := p.waitLine(t, "  curl -H 'Authorization: Bearer "+sw[0]+"' '"+base+"/v1/needs/")
	u := strings.Trim(strings.Fields(ex)[5], "'")
	var m struct {
		Items []struct {
			Rank      int
			Volunteer string
			Breakdown []struct{ Name string }
		}
		Eligible int
	}
	if s := call(t, "GET", u, sw[0], nil, &m); s != 200 {
		t.Fatalf("GET %s = %d", u, s)
	}
	if m.Eligible > 0 && (len(m.Items) == 0 || m.Items[0].Rank != 1 || len(m.Items[0].Breakdown) == 0) {
		t.Errorf("matches = %+v, want ranked candidates with breakdowns", m)
	}
	t.Logf("matches example: %d eligible, %d shown: %+v", m.Eligible, len(m.Items), m)
	// The printed menu example works: the volunteer's own menu.
	ex = p.waitLine(t, "  curl -H 'Authorization: Bearer "+vol[0]+"' '"+base+"/v1/volunteers/")
	u = strings.Trim(strings.Fields(ex)[5], "'")
	var menu struct {
		Volunteer string
		Items     []struct{ Need, Category, Day string }
		Groups    []struct{ Category, Day string }
		Eligible  int
	}
	if s := call(t, "GET", u, vol[0], nil, &menu); s != 200 || menu.Volunteer != vol[1] {
		t.Fatalf("GET %s = %d %+v, want the menu of %s", u, s, menu, vol[1])
	}
	if menu.Eligible > 0 && (len(menu.Items) == 0 || len(menu.Groups) == 0) {
		t.Errorf("menu = %+v, want items grouped by category and day", menu)
	}
	if s := call(t, "GET", u, sw[0], nil, nil); s != 403 {
		t.Errorf("a social worker reading a volunteer's menu = %d, want 403", s)
	}
	t.Logf("menu example: %d eligible, %d items in %d groups", menu.Eligible, len(menu.Items), len(menu.Groups))
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	for range p.lines {
	}
	if err := <-p.done; err != nil {
		t.Fatalf("demo after SIGTERM: %v", err)
	}
}
