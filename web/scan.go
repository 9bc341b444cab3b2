package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"volmatch"
)

// QR check-in: the volunteer's "my shifts" page shows, on each upcoming
// shift they hold, a QR code of the URL /web/today/scan?code=... with the
// assignment's check-in code (engine.CheckInPass: signed, bound to the
// assignment, working only in the check-in window and while the slot is
// reserved). A social worker of the owning organisation, signed in on a
// phone, opens it and sees the volunteer (masked) and the shift and checks
// them in with one tap (a POST with the CSRF token). Every rule is the
// engine's (ScanCheckIn, CheckInByCode): another organisation's worker and
// a forged code get the same "not valid" answer; a code already used (a
// replay after check-in or check-out) or outside the window is refused in
// words. The code is never logged: the request log carries the route
// pattern only.

// scanRoutes registers the scan page and its check-in.
func (s *Server) scanRoutes() {
	s.mux.Handle("GET /web/today/scan", s.page(socialWorkers, s.scanPage))
	s.mux.Handle("POST /web/today/scan", s.page(socialWorkers, s.scanCheckIn))
}

// scanData is the scan page.
type scanData struct {
	Code, Name, Title, Place, Shift string
	Error                           string
	CanCheckIn                      bool
}

func (s *Server) scanPage(w http.ResponseWriter, r *request) {
	s.showScan(w, r, r.URL.Query().Get("code"))
}

// showScan renders what code checks in, or why it cannot.
func (s *Server) showScan(w http.ResponseWriter, r *request, code string) {
	a, err := s.eng.ScanCheckIn(r.Context(), r.tok, code)
	d := scanData{Code: code}
	status := http.StatusOK
	switch volmatch.ErrorCode(err) {
	case "":
		d.CanCheckIn = true
	case volmatch.ENOTFOUND:
		s.status(w, r.Request, r.lang, http.StatusNotFound, "scan.bad")
		return
	case volmatch.ECONFLICT:
		status = http.StatusConflict
		d.Error = stepError(r.lang, volmatch.StepCheckIn, a, volmatch.ErrorField(err), volmatch.ErrorReason(err))
	default:
		s.fail(w, r.Request, r.lang, err)
		return
	}
	d.Shift = shiftText(r.lang, volmatch.Shift{Start: a.Start, End: a.End})
	if n, err := s.eng.Need(r.Context(), r.tok, a.Need); err == nil {
		d.Title, d.Place = n.Title, needPlace(n)
	}
	v, _ := s.eng.Volunteer(r.Context(), r.tok, a.Volunteer)
	d.Name = maskedName(r.lang, v)
	s.render(w, r.Request, status, "scan", r.view("scan.title", d))
}

// scanCheckIn checks the volunteer of the posted code in.
func (s *Server) scanCheckIn(w http.ResponseWriter, r *request) {
	code := r.PostFormValue("code")
	if _, err := s.eng.CheckInByCode(r.Context(), r.tok, code); err != nil {
		s.showScan(w, r, code)
		return
	}
	http.Redirect(w, r.Request, "/web/today?done=checkin", http.StatusSeeOther)
}

// checkInQR is an upcoming shift's QR code for the volunteer's page.
type checkInQR struct {
	SVG           template.HTML
	URL           string
	Opens, Closes time.Time
}

// maxQRs is the most QR codes a page draws (about 4 KB each), the
// soonest shifts', so that a volunteer holding many keeps a light page.
const maxQRs = 10

// checkInQRs returns the QR codes of the volunteer's upcoming shifts that
// are reserved (a shift checked in already has none), by assignment: the
// first maxQRs of up, which is soonest first.
func (s *Server) checkInQRs(r *request, up []shiftCard) map[string]*checkInQR {
	out := map[string]*checkInQR{}
	base := scanBase(r.Request, s.secure(r.Request))
	for _, c := range up {
		if len(out) == maxQRs {
			break
		}
		p, err := s.eng.CheckInPass(r.Context(), r.tok, c.ID)
		if err != nil {
			continue // not reserved (checked in, or changed meanwhile): no code
		}
		u := base + "/web/today/scan?code=" + url.QueryEscape(p.Code)
		svg, err := qrSVG(u)
		if err != nil {
			s.opt.Logger.Error("web: qr code", "err", err)
			continue
		}
		out[c.ID] = &checkInQR{SVG: svg, URL: u, Opens: p.Opens, Closes: p.Closes}
	}
	return out
}

// scanBase is the scheme and host the page was asked at: the URL the
// social worker's phone opens.
func scanBase(r *http.Request, secure bool) string {
	scheme := "http"
	if secure {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// qrSVG draws content as a QR code in inline SVG: one path of the dark
// modules, each row's runs as rectangles, over a white square with the
// quiet zone, scaled by CSS.
func qrSVG(content string) (template.HTML, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("qr: %w", err)
	}
	bm := q.Bitmap()
	n := len(bm)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" class="qr" role="img" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bm {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			run := 1 // a run of dark modules is one rectangle: a third of the bytes
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, run, run)
			x += run - 1
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil // our own markup: numbers only
}

func init() {
	for k, v := range map[string]string{
		"scan.title":   "扫码签到",
		"scan.who":     "志愿者",
		"scan.need":    "服务",
		"scan.when":    "班次",
		"scan.where":   "地点",
		"scan.confirm": "确认签到",
		"scan.bad":     "这个签到码无效，或不属于本机构。请让志愿者刷新“我的班次”页面后重新出示。",
		"scan.back":    "返回今日服务",
		"qr.title":     "签到二维码",
		"qr.hint":      "到达后请社工扫码签到。签到时间：%s 至 %s。",
		"qr.link":      "无法扫码时，社工可打开此链接",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"scan.title":   "Check in by QR code",
		"scan.who":     "Volunteer",
		"scan.need":    "Service",
		"scan.when":    "Shift",
		"scan.where":   "Place",
		"scan.confirm": "Check in",
		"scan.bad":     "This check-in code is not valid, or not of our organisation. Ask the volunteer to reload “My shifts” and show it again.",
		"scan.back":    "Back to today",
		"qr.title":     "Check-in QR code",
		"qr.hint":      "On arrival, the social worker scans it to check you in. Check-in is open from %s to %s.",
		"qr.link":      "If it cannot be scanned, the social worker may open this link",
	} {
		messages[langEN][k] = v
	}
}
