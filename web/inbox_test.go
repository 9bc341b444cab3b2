package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"volmatch"
	"volmatch/engine"
	"volmatch/internal/fixture"
	"volmatch/web"
)

// notify runs the engine's notifier once.
func (e *env) notify() {
	e.t.Helper()
	if _, err := e.eng.Notify(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// sse is a Server-Sent Events client over a real connection.
type sse struct {
	resp   *http.Response
	br     *bufio.Reader
	cancel context.CancelFunc
}

// stream opens base+/web/inbox/stream with c's cookies.
func (c *client) stream(base string) (*sse, int) {
	c.e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/web/inbox/stream", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.c.Do(req)
	if err != nil {
		cancel()
		c.e.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, resp.StatusCode
	}
	return &sse{resp: resp, br: bufio.NewReader(resp.Body), cancel: cancel}, resp.StatusCode
}

func (s *sse) close() { s.cancel(); s.resp.Body.Close() }

// next reads the next event: its name and data, ":" and the text for a
// comment, "retry" for a retry field alone; an error at the end.
func (s *sse) next(t *testing.T, within time.Duration) (string, string, error) {
	t.Helper()
	type ev struct {
		name, data string
		err        error
	}
	ch := make(chan ev, 1)
	go func() {
		var name, data string
		for {
			line, err := s.br.ReadString('\n')
			if err != nil {
				ch <- ev{err: err}
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "" && (name != "" || data != ""):
				ch <- ev{name, data, nil}
				return
			case line == "":
			case strings.HasPrefix(line, ":"):
				name, data = ":", strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "event: "):
				name = line[7:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case strings.HasPrefix(line, "retry: "):
				name = "retry"
			}
		}
	}()
	select {
	case e := <-ch:
		return e.name, e.data, e.err
	case <-time.After(within):
		t.Fatalf("no event within %v", within)
		return "", "", nil
	}
}

// until reads events until one named name, returning its data.
func (s *sse) until(t *testing.T, name string, within time.Duration) string {
	t.Helper()
	end := time.Now().Add(within)
	for time.Now().Before(end) {
		n, d, err := s.next(t, time.Until(end))
		if err != nil {
			t.Fatalf("stream ended waiting for %q: %v", name, err)
		}
		if n == name {
			return d
		}
	}
	t.Fatalf("no %q event within %v", name, within)
	return ""
}

type noteEvent struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Unread int    `json:"unread"`
	HTML   string `json:"html"`
}

// TestInboxPage: an invitation appears in the volunteer's inbox with its
// title and time and the unread count in the navigation; mark as read
// works on their own only, needs the CSRF token; the inbox and its stream
// are the volunteer's alone.
func TestInboxPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.eng.RegisterVolunteer(ctx, admin, fixture.Volunteer("V2")); err != nil {
		t.Fatal(err)
	}
	e.invite("V1")
	e.invite("V2")
	e.notify()
	c := e.signIn(volunteer)
	status, _, page := c.get("/web/inbox")
	if status != 200 || !strings.Contains(page, "服务邀请") || !strings.Contains(page, "社区助老服务") ||
		!strings.Contains(page, "11月3日") || !strings.Contains(page, "未读 1 条") || !strings.Contains(page, `<span class="sr">1 条未读</span>`) {
		t.Fatalf("GET /web/inbox = %d without the invitation, its time or the unread count:\n%s", status, page)
	}
	if _, _, en := c.get("/web/inbox?lang=en"); !strings.Contains(en, "You are invited to “社区助老服务”") || !strings.Contains(en, "1 unread") {
		t.Errorf("the English inbox lacks the sentence:\n%s", en)
	}
	c.get("/web/inbox?lang=zh")
	// V2's notification cannot be marked by V1.
	v2, err := e.eng.Inbox(ctx, &volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "V2"}, 0)
	if err != nil || len(v2.Items) != 1 {
		t.Fatalf("V2's inbox = %+v, %v", v2, err)
	}
	token := csrf(t, page)
	if status, loc, _ := c.post("/web/inbox/read", url.Values{"csrf": {token}, "id": {v2.Items[0].ID}}); status != 303 || loc != "/web/inbox?msg=inbox.marked" {
		t.Errorf("POST read of V2's = %d to %q", status, loc)
	}
	if v2, _ := e.eng.Inbox(ctx, &volmatch.Token{Role: volmatch.RoleVolunteer, Volunteer: "V2"}, 0); v2.Unread != 1 {
		t.Errorf("V1 marked V2's notification read")
	}
	if status, _, _ := c.post("/web/inbox/read", url.Values{"all": {"1"}}); status != http.StatusForbidden {
		t.Errorf("POST read without CSRF = %d, want 403", status)
	}
	if status, _, _ := c.post("/web/inbox/read", url.Values{"csrf": {token}, "id": {"../../x"}}); status != http.StatusUnprocessableEntity {
		t.Errorf("POST read of a bad ID = %d, want 422", status)
	}
	if status, _, _ := c.post("/web/inbox/read", url.Values{"csrf": {token}, "all": {"1"}}); status != 303 {
		t.Errorf("POST read all = %d, want 303", status)
	}
	if _, _, page := c.get("/web/inbox"); !strings.Contains(page, "未读 0 条") || strings.Contains(page, `name="id" value=`) {
		t.Errorf("after read all the page still shows unread:\n%s", page)
	}

	// Roles: the page and the stream.
	if status, loc, _ := e.client().get("/web/inbox"); status != 303 || loc != "/web/signin?next=%2Fweb%2Finbox" {
		t.Errorf("GET /web/inbox signed out = %d to %q", status, loc)
	}
	if _, status := e.client().stream(e.srv.URL); status != http.StatusUnauthorized {
		t.Errorf("stream signed out = %d, want 401", status)
	}
	for _, spec := range []volmatch.Token{socialWorker, planner, adminSpec} {
		sc := e.signIn(spec)
		if status, _, _ := sc.get("/web/inbox"); status != http.StatusForbidden {
			t.Errorf("GET /web/inbox as %s = %d, want 403", spec.Role, status)
		}
		if _, status := sc.stream(e.srv.URL); status != http.StatusForbidden {
			t.Errorf("stream as %s = %d, want 403", spec.Role, status)
		}
		if _, _, page := sc.get("/web/needs"); strings.Contains(page, "/web/inbox") {
			t.Errorf("the %s's navigation links the inbox", spec.Role)
		}
	}
}

// TestInboxPrefs: the preferences form stores the kinds unchecked as
// muted; the gateway's column is refused without a gateway.
func TestInboxPrefs(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(volunteer)
	_, _, page := c.get("/web/inbox")
	if !strings.Contains(page, `name="hook.invite" value="1" disabled`) || !strings.Contains(page, "暂未接入短信或微信通道") {
		t.Errorf("without a gateway the SMS/WeChat boxes are not disabled and explained:\n%s", page)
	}
	token := csrf(t, page)
	form := url.Values{"csrf": {token}}
	for _, k := range volmatch.NoticeKinds {
		if k != volmatch.NoticeChanged {
			form.Set("app."+string(k), "1")
		}
	}
	if status, loc, _ := c.post("/web/inbox/prefs", form); status != 303 || loc != "/web/inbox?msg=inbox.saved" {
		t.Fatalf("POST prefs = %d to %q", status, loc)
	}
	p, err := e.eng.NotifyPrefs(context.Background(), &volunteer)
	if err != nil || fmt.Sprint(p.Muted) != "[changed]" || len(p.Webhook) != 0 {
		t.Errorf("prefs = %+v, %v; want changed muted", p, err)
	}
	form.Set("hook.invite", "1")
	if status, loc, _ := c.post("/web/inbox/prefs", form); status != 303 || loc != "/web/inbox?msg=inbox.nogateway" {
		t.Errorf("POST prefs with the gateway = %d to %q, want the no-gateway notice", status, loc)
	}
	if _, _, page := c.get("/web/inbox?msg=inbox.saved"); !strings.Contains(page, "通知设置已保存") || strings.Contains(page, `name="app.changed" value="1" checked`) {
		t.Errorf("the page does not show the saved choice:\n%s", page)
	}
}

// TestInboxStream is a real SSE client over loopback: the stream opens
// with the unread count, pushes a new invitation as it is computed
// (rendered, with the session's CSRF token), sends heartbeats, outlives
// the server's read and write timeouts, caps the streams a volunteer holds,
// forgets a client that went away, ends when the session ends, and ends
// on CloseStreams.
func TestInboxStream(t *testing.T) {
	defer web.SetHeartbeat(100 * time.Millisecond)()
	e := newEnv(t)
	ws := web.New(e.eng, web.Options{})
	srv := httptest.NewUnstartedServer(ws.Handler())
	// Timeouts far shorter than the test: the stream must outlive them.
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
	srv.Start()
	defer srv.Close()

	c := e.signIn(volunteer)
	_, _, page := c.get("/web/inbox")
	token := csrf(t, page)
	s, status := c.stream(srv.URL)
	if status != 200 {
		t.Fatalf("stream = %d, want 200", status)
	}
	if ct := s.resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Errorf("Content-Type = %q", ct)
	}
	if d := s.until(t, "unread", 2*time.Second); d != `{"unread":0}` {
		t.Errorf("first event = %s, want the unread count 0", d)
	}
	time.Sleep(time.Second) // past both server timeouts
	s.until(t, ":", time.Second)
	id := e.invite("V1")
	e.notify()
	var ev noteEvent
	if err := json.Unmarshal([]byte(s.until(t, "note", 2*time.Second)), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Kind != "invite" || ev.Unread != 1 || !strings.Contains(ev.HTML, "社区助老服务") ||
		!strings.Contains(ev.HTML, `value="`+token+`"`) || !strings.Contains(ev.HTML, `id="note-`+ev.ID+`"`) {
		t.Errorf("note event = %+v, want invitation %s rendered with the CSRF token", ev, id)
	}

	// At most maxStreams per volunteer; a client that leaves frees its
	// place.
	var more []*sse
	for i := 0; ; i++ {
		x, status := c.stream(srv.URL)
		if status == http.StatusTooManyRequests {
			if i != 7 {
				t.Errorf("the %dth stream refused, want the 9th", i+2)
			}
			break
		}
		if i > 20 {
			t.Fatal("no limit on streams")
		}
		more = append(more, x)
	}
	for _, x := range more {
		x.close()
	}
	var again *sse
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if again, status = c.stream(srv.URL); status == 200 {
			break
		}
	}
	if again == nil {
		t.Fatal("closed streams were not freed")
	}
	again.close()

	// The session ends: the next heartbeat ends the stream.
	e.clock.Add(engine.SessionTTL)
	s.until(t, "ended", 2*time.Second)
	if _, _, err := s.next(t, 2*time.Second); err == nil {
		t.Error("the stream went on after the session ended")
	}
	s.close()

	// CloseStreams ends an open stream (as at shutdown).
	e.clock.Add(-engine.SessionTTL)
	c2 := e.signIn(volunteer)
	s2, status := c2.stream(srv.URL)
	if status != 200 {
		t.Fatalf("stream = %d", status)
	}
	s2.until(t, "unread", time.Second)
	ws.CloseStreams()
	for {
		if _, _, err := s2.next(t, 2*time.Second); err != nil {
			break
		}
	}
	s2.close()
	if _, status := c2.stream(srv.URL); status != http.StatusTooManyRequests {
		t.Errorf("stream after CloseStreams = %d, want refused", status)
	}
}

// TestBrowserInboxLive: in headless Chromium at 390 px a volunteer keeps
// the inbox open; an invitation the engine sends appears in it, and the
// unread count in the navigation rises, without a reload (the page's
// marker survives). The invitations page, open, shows the next invitation
// the same way. Shots of the inbox in zh and en at 390 and 1280 px.
func TestBrowserInboxLive(t *testing.T) {
	e := newEnv(t)
	runCtx, stop := context.WithCancel(context.Background())
	defer stop()
	go e.eng.RunNotifier(runCtx, 100*time.Millisecond)
	ctx, errs, dir := browser(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 900)); err != nil {
		t.Fatal(err)
	}
	e.browserSignIn(ctx, volunteer, chromedp.WaitVisible(chromedp.CSS(`a[href="/web/inbox"]`)))
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/web/inbox?lang=zh"), chromedp.WaitVisible(chromedp.ID("inbox-empty"))); err != nil {
		t.Fatal(err)
	}
	shotPage(t, ctx, dir, "inbox-empty-zh-390")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.vmMarker = true`)); err != nil {
		t.Fatal(err)
	}
	// Give the page's EventSource a moment to connect, then invite.
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	e.invite("V1")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#inbox-list li[data-kind="invite"]`))); err != nil {
		t.Fatalf("the invitation did not appear in the open inbox: %v", err)
	}
	t.Logf("invitation shown %v after it was sent", time.Since(start).Round(time.Millisecond))
	if marker, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.vmMarker === true`)); err != nil || !marker {
		t.Errorf("the page reloaded (marker %v, %v), want a live update", marker, err)
	}
	badge, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-unread] [aria-hidden]`)))
	if err != nil || badge != "1" {
		t.Errorf("nav unread badge = %q (%v), want 1", badge, err)
	}
	if count, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("inbox-count"))); count != "未读 1 条" {
		t.Errorf("inbox count = %q, want 未读 1 条", count)
	}
	if empty, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('inbox-empty').hidden`)); !empty {
		t.Error("the empty notice is still shown")
	}
	shotPage(t, ctx, dir, "inbox-live-zh-390")

	// The invitations page, open, gets the next invitation.
	sw := socialWorker
	n3 := fixture.Need("N3", fixture.Title("助老陪诊"), fixture.Shifts(fixture.Shift("s1", fixture.Base.Add(80*time.Hour), 2*time.Hour, 2)))
	if _, err := e.eng.PostNeed(context.Background(), &sw, n3); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/web/invitations"), chromedp.WaitVisible(chromedp.CSS(`li[data-invite]`))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	invs, err := e.eng.Invite(context.Background(), &sw, "N3", engine.InviteRequest{Shift: "s1", Volunteers: []string{"V1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`li[data-invite="`+invs[0].ID+`"]`))); err != nil {
		t.Fatalf("the invitation did not appear on the open invitations page: %v", err)
	}
	if badge, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-unread] [aria-hidden]`))); badge != "2" {
		t.Errorf("nav unread badge on the invitations page = %q, want 2", badge)
	}
	shotPage(t, ctx, dir, "invitations-live-zh-390")

	for _, lang := range []string{"zh", "en"} {
		for _, width := range []int64{390, 1280} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(e.srv.URL+"/web/inbox?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS(`#inbox-list li`))); err != nil {
				t.Fatal(err)
			}
			shotPage(t, ctx, dir, fmt.Sprintf("inbox-%s-%d", lang, width))
		}
	}
	if msgs := errs.All(); len(msgs) > 0 {
		t.Errorf("the pages raised errors:\n%s", strings.Join(msgs, "\n"))
	}
}

// TestInboxEscapes: a need title with markup (an organisation's own
// text) is shown as text on the page and in the stream's item.
func TestInboxEscapes(t *testing.T) {
	defer web.SetHeartbeat(time.Hour)()
	e := newEnv(t)
	sw := socialWorker
	evil := `<img src=x onerror="alert(1)">`
	n := fixture.Need("N9", fixture.Title(evil), fixture.Shifts(fixture.Shift("s1", fixture.Base.Add(80*time.Hour), 2*time.Hour, 2)))
	if _, err := e.eng.PostNeed(context.Background(), &sw, n); err != nil {
		t.Fatal(err)
	}
	c := e.signIn(volunteer)
	s, status := c.stream(e.srv.URL)
	if status != 200 {
		t.Fatalf("stream = %d", status)
	}
	defer s.close()
	s.until(t, "unread", time.Second)
	if _, err := e.eng.Invite(context.Background(), &sw, "N9", engine.InviteRequest{Shift: "s1", Volunteers: []string{"V1"}}); err != nil {
		t.Fatal(err)
	}
	e.notify()
	var ev noteEvent
	if err := json.Unmarshal([]byte(s.until(t, "note", 2*time.Second)), &ev); err != nil {
		t.Fatal(err)
	}
	_, _, page := c.get("/web/inbox")
	for what, html := range map[string]string{"page": page, "stream": ev.HTML} {
		if strings.Contains(html, "<img") || !strings.Contains(html, "&lt;img") {
			t.Errorf("the %s does not escape the title:\n%s", what, html)
		}
	}
}

// stalledWriter is a connection whose client stopped reading: a write
// blocks until the write deadline passes (as a full socket buffer does),
// then fails. Without a deadline it blocks until released.
type stalledWriter struct {
	h        http.Header
	deadline chan time.Time
	release  chan struct{}
}

func (w *stalledWriter) Header() http.Header { return w.h }
func (w *stalledWriter) WriteHeader(int)     {}
func (w *stalledWriter) Flush()              {}
func (w *stalledWriter) SetReadDeadline(time.Time) error {
	return nil
}
func (w *stalledWriter) SetWriteDeadline(t time.Time) error {
	select {
	case w.deadline <- t:
	default:
	}
	return nil
}
func (w *stalledWriter) Write(p []byte) (int, error) {
	select {
	case t := <-w.deadline:
		time.Sleep(time.Until(t))
		return 0, fmt.Errorf("write: %w", context.DeadlineExceeded)
	case <-w.release:
		return 0, fmt.Errorf("released")
	}
}

// TestInboxStreamStalledClient: a client that stops reading ends its
// stream at the write deadline, and its place is freed.
func TestInboxStreamStalledClient(t *testing.T) {
	defer web.SetStreamWrite(200 * time.Millisecond)()
	e := newEnv(t)
	c := e.signIn(volunteer)
	u, _ := url.Parse(e.srv.URL)
	ws := web.New(e.eng, web.Options{})
	for i := range 9 { // more than the streams a volunteer may hold
		req := httptest.NewRequest(http.MethodGet, "/web/inbox/stream", nil)
		for _, ck := range c.c.Jar.Cookies(u) {
			req.AddCookie(ck)
		}
		w := &stalledWriter{h: http.Header{}, deadline: make(chan time.Time, 1), release: make(chan struct{})}
		done := make(chan struct{})
		go func() { ws.Handler().ServeHTTP(w, req); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			close(w.release)
			t.Fatalf("stream %d to a stalled client still open after 3 s", i)
		}
		if ct := w.h.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
			t.Fatalf("stream %d answered %q, want an event stream (its place freed)", i, ct)
		}
	}
}

// TestInboxAnswer: an invitation's note in the inbox accepts or declines
// it in one tap, back to the inbox with the outcome; once answered the
// note offers it no more; another volunteer's invitation is not theirs to
// answer from their inbox either.
func TestInboxAnswer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.eng.RegisterVolunteer(ctx, admin, fixture.Volunteer("V2")); err != nil {
		t.Fatal(err)
	}
	mine, theirs := e.invite("V1"), e.invite("V2")
	e.notify()
	c := e.signIn(volunteer)
	_, _, page := c.get("/web/inbox")
	accept := `action="/web/invitations/` + mine + `/accept"`
	if !strings.Contains(page, accept) || !strings.Contains(page, `name="from" value="inbox"`) {
		t.Fatalf("the invitation's note offers no one-tap answer:\n%s", page)
	}
	status, loc, _ := c.post("/web/invitations/"+theirs+"/accept", url.Values{"csrf": {csrf(t, page)}, "from": {"inbox"}})
	if status != http.StatusForbidden && status != http.StatusNotFound {
		t.Errorf("accepting V2's invitation from V1's inbox = %d to %q, want 403", status, loc)
	}
	status, loc, _ = c.post("/web/invitations/"+mine+"/accept", url.Values{"csrf": {csrf(t, page)}, "from": {"inbox"}})
	if status != http.StatusSeeOther || loc != "/web/inbox?msg=flash.accepted" {
		t.Fatalf("accept from the inbox = %d to %q, want 303 back to the inbox", status, loc)
	}
	if as := e.assignments("V1"); len(as) != 1 || as[0].Status != volmatch.AssignReserved {
		t.Errorf("after accepting from the inbox V1 holds %v", as)
	}
	_, _, page = c.get(loc)
	if !strings.Contains(page, `class="flash ok"`) || strings.Contains(page, accept) {
		t.Errorf("after the answer the inbox lacks the notice or still offers the answer:\n%s", page)
	}
	if as := e.assignments("V2"); len(as) != 0 {
		t.Errorf("V2 holds %d assignments after V1's tries", len(as))
	}
}
