package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"sync"
	"time"

	"volmatch"
)

// The volunteer's inbox (通知): the notifications the engine derived for
// them, newest first, with mark-as-read and the choice of which kinds they
// get on which channel; and its live stream, Server-Sent Events at
// /web/inbox/stream, which pushes each new notification (rendered in the
// page's language, with the session's CSRF token in its form) to the
// open pages. static/inbox.js, loaded on every volunteer page, reads it:
// the unread count in the navigation, the inbox list, and the invitations
// page (reloaded when an invitation comes) update without a reload.
//
// The stream is the volunteer's own (the session's), holds no request
// deadline but a write deadline per event, sends a comment as heartbeat
// (which also finds a client gone), checks the session again at each
// heartbeat (an ended session ends the stream), ends after streamLifetime
// (the browser reconnects) and when the server shuts down (CloseStreams),
// and a volunteer may hold at most maxStreams at once.

// Stream tuning.
const (
	streamLifetime = 30 * time.Minute
	maxStreams     = 8   // open streams per volunteer
	inboxSize      = 100 // notifications the page lists
)

// streamWrite is each event's write deadline: a client that stops reading
// ends its stream by then (tests shorten it).
var streamWrite = 10 * time.Second

// streams counts open streams per volunteer and ends them all on Close.
type streams struct {
	mu     sync.Mutex
	open   map[string]int
	done   chan struct{}
	closed bool
}

func (st *streams) add(vol string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.open == nil {
		st.open = map[string]int{}
	}
	if st.closed || st.open[vol] >= maxStreams {
		return false
	}
	st.open[vol]++
	return true
}

func (st *streams) remove(vol string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.open[vol]--; st.open[vol] <= 0 {
		delete(st.open, vol)
	}
}

// CloseStreams ends every open live stream and refuses new ones: call it
// when the server shuts down (http.Server.RegisterOnShutdown), which
// otherwise waits for them.
func (s *Server) CloseStreams() {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	if !s.live.closed {
		s.live.closed = true
		close(s.live.done)
	}
}

// noteView is a notification as the page shows it.
type noteView struct {
	ID, Kind, Label, Text, Link, LinkText string
	At                                    time.Time
	Unread                                bool
	// Answer is the invitation an invite note answers in one tap (accept
	// or decline, as on the invitations page) while it waits for one.
	Answer string
}

// noteItem is what the "note" template renders: one item with the page's
// language and the CSRF token of its form.
type noteItem struct {
	Lang, CSRF string
	Note       noteView
}

// prefRow is one kind in the preferences form.
type prefRow struct {
	Kind, Label   string
	InApp, Outbox bool
}

// inboxData is the inbox page.
type inboxData struct {
	Notice  *notice
	Items   []noteItem
	Unread  int
	Prefs   []prefRow
	Gateway bool // the deployment has an SMS or WeChat gateway
}

// inboxRoutes registers the inbox, its actions and its stream.
func (s *Server) inboxRoutes() {
	s.live.done = make(chan struct{})
	s.mux.Handle("GET /web/inbox", s.page(volunteers, s.inboxPage))
	s.mux.Handle("POST /web/inbox/read", s.page(volunteers, s.inboxRead))
	s.mux.Handle("POST /web/inbox/prefs", s.page(volunteers, s.inboxPrefs))
	s.mux.HandleFunc("GET /web/inbox/stream", s.inboxStream)
}

// parseInboxPage parses the inbox page and its item, which the stream
// renders alone.
func parseInboxPage(pages map[string]*template.Template, funcs template.FuncMap) {
	pages["inbox"] = template.Must(template.New("inbox").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/inbox.html"))
}

// inboxFlashes are the message keys the inbox's redirects carry.
var inboxFlashes = map[string]bool{"inbox.saved": true, "inbox.marked": true}

func (s *Server) inboxPage(w http.ResponseWriter, r *request) {
	ctx := r.Context()
	in, err := s.eng.Inbox(ctx, r.tok, inboxSize)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	p, err := s.eng.NotifyPrefs(ctx, r.tok)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	// The invitations still waiting for an answer: their notes offer it.
	open, _, err := s.eng.Invitations(ctx, r.tok, volmatch.InvitationFilter{Volunteer: r.tok.Volunteer, Status: volmatch.InviteSent,
		ListOptions: volmatch.ListOptions{Limit: maxOwn}})
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	waiting := map[string]bool{}
	for _, inv := range open {
		waiting[inv.ID] = inv.Origin != volmatch.OriginSignUp // a sign-up of theirs is not theirs to accept
	}
	d := inboxData{Unread: in.Unread, Gateway: s.eng.Outbox()}
	if k := r.URL.Query().Get("msg"); inboxFlashes[k] {
		d.Notice = &notice{Text: msg(r.lang, k), OK: true}
	} else if k == "inbox.nogateway" {
		d.Notice = &notice{Text: msg(r.lang, k)}
	} else {
		d.Notice = r.flash() // an answer given here
	}
	for _, n := range in.Items {
		v := viewNote(r.lang, n)
		if !waiting[v.Answer] {
			v.Answer = ""
		}
		d.Items = append(d.Items, noteItem{Lang: r.lang, CSRF: r.csrf, Note: v})
	}
	for _, k := range volmatch.NoticeKinds {
		d.Prefs = append(d.Prefs, prefRow{Kind: string(k), Label: msg(r.lang, "notice."+string(k)), InApp: p.InApp(k), Outbox: p.Outbound(k)})
	}
	s.render(w, r.Request, http.StatusOK, "inbox", r.view("inbox.title", d))
}

// viewNote renders n's sentence in lang.
func viewNote(lang string, n *volmatch.Notification) noteView {
	v := noteView{ID: n.ID, Kind: string(n.Kind), Label: msg(lang, "notice."+string(n.Kind)), At: n.At, Unread: n.Unread()}
	title := n.Title
	if title == "" {
		title = msg(lang, "inbox.untitled")
	}
	when := ""
	if !n.ShiftStart.IsZero() {
		s := n.ShiftStart.In(volmatch.Beijing)
		when = s.Format(msg(lang, "day.format")) + " " + weekdays[lang][s.Weekday()] + " " + s.Format("15:04")
		if !n.ShiftEnd.IsZero() {
			when += "–" + n.ShiftEnd.In(volmatch.Beijing).Format("15:04")
		}
	}
	key := "inbox.text." + string(n.Kind)
	if n.Reason == volmatch.ReasonShiftRemoved {
		key = "inbox.text.shift_removed"
	}
	v.Text = fmt.Sprintf(msg(lang, key), title, when)
	switch n.Kind {
	case volmatch.NoticeInvite:
		v.Link, v.LinkText = "/web/invitations", msg(lang, "inbox.go.invitations")
		v.Answer = n.Invite // the page keeps it only while the invitation waits
	case volmatch.NoticeReminder24h, volmatch.NoticeReminder2h, volmatch.NoticeApproved, volmatch.NoticeChanged:
		v.Link, v.LinkText = "/web/shifts", msg(lang, "inbox.go.shifts")
	}
	return v
}

func (s *Server) inboxRead(w http.ResponseWriter, r *request) {
	var ids []string
	if r.PostFormValue("all") == "" {
		ids = r.PostForm["id"]
		if len(ids) == 0 {
			http.Redirect(w, r.Request, "/web/inbox", http.StatusSeeOther)
			return
		}
	}
	if _, err := s.eng.MarkRead(r.Context(), r.tok, ids); err != nil {
		if volmatch.ErrorCode(err) == volmatch.EINVALID {
			s.status(w, r.Request, r.lang, http.StatusUnprocessableEntity, "inbox.bad")
			return
		}
		s.fail(w, r.Request, r.lang, err)
		return
	}
	http.Redirect(w, r.Request, "/web/inbox?msg=inbox.marked", http.StatusSeeOther)
}

func (s *Server) inboxPrefs(w http.ResponseWriter, r *request) {
	if err := r.ParseForm(); err != nil {
		s.status(w, r.Request, r.lang, http.StatusBadRequest, "inbox.bad")
		return
	}
	p := &volmatch.NotifyPrefs{}
	for _, k := range volmatch.NoticeKinds {
		if r.PostForm.Get("app."+string(k)) == "" {
			p.Muted = append(p.Muted, k)
		}
		if r.PostForm.Get("hook."+string(k)) != "" {
			p.Webhook = append(p.Webhook, k)
		}
	}
	_, err := s.eng.SetNotifyPrefs(r.Context(), r.tok, p)
	if volmatch.ErrorField(err) == "webhook" {
		http.Redirect(w, r.Request, "/web/inbox?msg=inbox.nogateway", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	http.Redirect(w, r.Request, "/web/inbox?msg=inbox.saved", http.StatusSeeOther)
}

// unread is the volunteer's unread count for the navigation (0 when it
// cannot be read: the page still renders).
func (s *Server) unread(ctx context.Context, tok *volmatch.Token) int {
	in, err := s.eng.Inbox(ctx, tok, 1)
	if err != nil {
		return 0
	}
	return in.Unread
}

// streamEvent is the data of a "note" event.
type streamEvent struct {
	ID     string `json:"id,omitempty"`
	Kind   string `json:"kind,omitempty"`
	Unread int    `json:"unread"`
	HTML   string `json:"html,omitempty"`
}

// heartbeat is the stream's heartbeat interval; tests shorten it.
var heartbeat = 15 * time.Second

// inboxStream serves the live stream of the session's volunteer.
func (s *Server) inboxStream(w http.ResponseWriter, r *http.Request) {
	headers(w)
	lang := language(w, r, s.secure(r))
	secret := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		secret = c.Value
	}
	ctx := r.Context()
	tok, err := s.eng.Session(ctx, secret)
	if err != nil {
		// No event stream: EventSource stops on a status other than 200.
		http.Error(w, msg(lang, "signin.expired"), http.StatusUnauthorized)
		return
	}
	if tok.Role != volmatch.RoleVolunteer {
		http.Error(w, msg(lang, "error.forbidden"), http.StatusForbidden)
		return
	}
	if !s.live.add(tok.Volunteer) {
		http.Error(w, msg(lang, "inbox.toomany"), http.StatusTooManyRequests)
		return
	}
	defer s.live.remove(tok.Volunteer)
	notes, stop, err := s.eng.Subscribe(tok)
	if err != nil {
		http.Error(w, msg(lang, "error.forbidden"), http.StatusForbidden)
		return
	}
	defer stop()

	rc := http.NewResponseController(w)
	// The server's read deadline would end the request while it streams
	// (its background read fails at the deadline); the write deadline is
	// set anew before each event.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no")
	send := func(chunk string) bool {
		if err := rc.SetWriteDeadline(time.Now().Add(streamWrite)); err != nil && err != http.ErrNotSupported {
			return false
		}
		if _, err := w.Write([]byte(chunk)); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	event := func(name string, ev streamEvent) bool {
		b, _ := json.Marshal(ev)
		return send("event: " + name + "\ndata: " + string(b) + "\n\n")
	}
	w.WriteHeader(http.StatusOK)
	if !send("retry: 5000\n\n") || !event("unread", streamEvent{Unread: s.unread(ctx, tok)}) {
		return
	}
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	end := time.NewTimer(streamLifetime)
	defer end.Stop()
	csrf := csrfToken(secret)
	for {
		select {
		case <-ctx.Done(): // the client went away
			return
		case <-s.live.done:
			return
		case <-end.C:
			return
		case <-beat.C:
			if _, err := s.eng.Session(ctx, secret); err != nil {
				event("ended", streamEvent{})
				return
			}
			if !send(": ping\n\n") {
				return
			}
		case n := <-notes:
			ev := streamEvent{ID: n.ID, Kind: string(n.Kind), Unread: s.unread(ctx, tok), HTML: s.renderNote(lang, csrf, n)}
			if !event("note", ev) {
				return
			}
		}
	}
}

// renderNote renders one inbox item as the page does.
func (s *Server) renderNote(lang, csrf string, n *volmatch.Notification) string {
	var b bytes.Buffer
	err := s.pages["inbox"].ExecuteTemplate(&b, "note", noteItem{Lang: lang, CSRF: csrf, Note: viewNote(lang, n)})
	if err != nil {
		s.opt.Logger.Error("web: render note", "err", err)
		return ""
	}
	return b.String()
}

func init() {
	for k, v := range map[string]string{
		"nav.inbox":                  "通知",
		"nav.unread":                 "%d 条未读",
		"inbox.title":                "我的通知",
		"inbox.empty":                "还没有通知。有新的邀请、提醒或变更时，会在这里出现，不用刷新页面。",
		"inbox.unread":               "未读 %d 条",
		"inbox.readall":              "全部标为已读",
		"inbox.read":                 "标为已读",
		"inbox.new":                  "未读",
		"inbox.saved":                "通知设置已保存。",
		"inbox.marked":               "已标为已读。",
		"inbox.nogateway":            "本系统没有接入短信或微信通道，只能在站内接收通知。",
		"inbox.toomany":              "打开的页面太多，请关闭一些后再试。",
		"inbox.bad":                  "请求有误，请返回通知页面重试。",
		"inbox.untitled":             "志愿服务",
		"inbox.go.invitations":       "去回复邀请",
		"inbox.go.shifts":            "查看我的班次",
		"inbox.prefs":                "通知设置",
		"inbox.prefs.intro":          "选择您想收到哪些通知，以及通过哪种方式收到。站内通知始终可用。",
		"inbox.prefs.kind":           "通知类型",
		"inbox.prefs.app":            "站内",
		"inbox.prefs.hook":           "短信/微信",
		"inbox.prefs.hook.note":      "选择“短信/微信”后，您的志愿者编号和手机号会发送给短信或微信网关，仅用于发送该通知；不会发送您的姓名和住址。",
		"inbox.prefs.hook.off":       "本系统暂未接入短信或微信通道。",
		"inbox.prefs.save":           "保存设置",
		"inbox.live":                 "新通知会自动出现。",
		"notice.invite":              "服务邀请",
		"notice.reminder_24h":        "24 小时提醒",
		"notice.reminder_2h":         "2 小时提醒",
		"notice.changed":             "需求变更",
		"notice.cancelled":           "已取消",
		"notice.signup_approved":     "报名已通过",
		"notice.signup_refused":      "报名未通过",
		"inbox.text.invite":          "您收到服务邀请：「%s」，%s。",
		"inbox.text.reminder_24h":    "提醒：您的服务「%s」将于 %s 开始（约 24 小时后）。",
		"inbox.text.reminder_2h":     "提醒：您的服务「%s」将于 %s 开始（约 2 小时后），请按时到达。",
		"inbox.text.changed":         "「%s」有变更，请查看最新安排：%s。",
		"inbox.text.cancelled":       "「%s」（%s）已取消。",
		"inbox.text.shift_removed":   "「%s」的班次（%s）已取消。",
		"inbox.text.signup_approved": "您报名的「%s」（%s）已通过。",
		"inbox.text.signup_refused":  "您报名的「%s」（%s）未获通过。",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"nav.inbox":                  "Inbox",
		"nav.unread":                 "%d unread",
		"inbox.title":                "My notifications",
		"inbox.empty":                "No notifications yet. New invitations, reminders and changes appear here without reloading.",
		"inbox.unread":               "%d unread",
		"inbox.readall":              "Mark all as read",
		"inbox.read":                 "Mark as read",
		"inbox.new":                  "New",
		"inbox.saved":                "Your notification settings are saved.",
		"inbox.marked":               "Marked as read.",
		"inbox.nogateway":            "This service has no SMS or WeChat channel; notifications come in the app only.",
		"inbox.toomany":              "Too many pages are open; close some and try again.",
		"inbox.bad":                  "The request is not valid; go back to your notifications and try again.",
		"inbox.untitled":             "volunteer service",
		"inbox.go.invitations":       "Answer the invitation",
		"inbox.go.shifts":            "See my shifts",
		"inbox.prefs":                "Notification settings",
		"inbox.prefs.intro":          "Choose which notifications you get and how. Notifications in the app are always available.",
		"inbox.prefs.kind":           "Kind",
		"inbox.prefs.app":            "In the app",
		"inbox.prefs.hook":           "SMS/WeChat",
		"inbox.prefs.hook.note":      "With SMS/WeChat chosen, your volunteer number and phone number go to the SMS or WeChat gateway, only to send that notification; never your name or address.",
		"inbox.prefs.hook.off":       "This service has no SMS or WeChat channel yet.",
		"inbox.prefs.save":           "Save settings",
		"inbox.live":                 "New notifications appear by themselves.",
		"notice.invite":              "Invitation",
		"notice.reminder_24h":        "24-hour reminder",
		"notice.reminder_2h":         "2-hour reminder",
		"notice.changed":             "Changed",
		"notice.cancelled":           "Cancelled",
		"notice.signup_approved":     "Sign-up approved",
		"notice.signup_refused":      "Sign-up not approved",
		"inbox.text.invite":          "You are invited to “%s”, %s.",
		"inbox.text.reminder_24h":    "Reminder: your service “%s” begins %s (in about 24 hours).",
		"inbox.text.reminder_2h":     "Reminder: your service “%s” begins %s (in about 2 hours). Please be on time.",
		"inbox.text.changed":         "“%s” has changed; see the latest plan: %s.",
		"inbox.text.cancelled":       "“%s” (%s) is cancelled.",
		"inbox.text.shift_removed":   "A shift of “%s” (%s) is cancelled.",
		"inbox.text.signup_approved": "Your sign-up for “%s” (%s) is approved.",
		"inbox.text.signup_refused":  "Your sign-up for “%s” (%s) was not approved.",
	} {
		messages[langEN][k] = v
	}
}
