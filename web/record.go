package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"volmatch"
	"volmatch/certpdf"
	"volmatch/engine"
)

// Service records and certificates (issue 15): /web/record shows a
// volunteer their record of a period, their star level with the date each
// star was reached, and their certificates, and issues one (出具证明);
// an organisation's staff use it for a volunteer's services with them.
// /web/verify is public: anyone holding a certificate's code (or its QR
// code) sees whether it is genuine, superseded or unknown, and what it
// shows, nothing more. Every rule is the engine's.

// recordRoles may use the record page.
var recordRoles = roles{volmatch.RoleAdmin, volmatch.RoleSocialWorker, volmatch.RoleVolunteer}

// recordRoutes registers the pages.
func (s *Server) recordRoutes() {
	s.mux.Handle("GET /web/record", s.page(recordRoles, s.recordPage))
	s.mux.Handle("POST /web/record/certificate", s.page(recordRoles, s.issueCertificate))
	s.mux.Handle("GET /web/certificates/{code}", s.page(recordRoles, s.certificatePDF))
	s.mux.Handle("POST /web/record/move", s.page(volunteers, s.move))
	s.mux.HandleFunc("GET /web/verify", s.verifyPage)
	s.mux.HandleFunc("GET /web/verify/{code}", s.verifyPage)
}

// parseRecordPages parses the pages' templates with the layout.
func parseRecordPages(pages map[string]*template.Template, funcs template.FuncMap) {
	for _, name := range []string{"record", "verify"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
}

// recordData is the record page.
type recordData struct {
	Staff      bool // the form asks for the volunteer's number
	Volunteer  string
	From, To   string
	Errors     map[string]string // by field: volunteer, from, to
	Notice     *notice
	Record     *volmatch.ServiceRecord
	Star       *starLevel
	Opening    string // the opening balance, in words
	Awards     []awardRow
	Certs      []certRow
	IssuedCode string
	Ledger     *ledgerView // the volunteer's own points and time savings
}

// ledgerView is the volunteer's balances with their latest movements.
type ledgerView struct {
	Points, Minutes int64
	Hours           string // the minutes as hours
	Moves           []moveRow
	Error           string // a refused movement, beside the form
}

// moveRow is one movement as the page lists it.
type moveRow struct {
	Date, Kind, Reason, Amount string
}

// maxMovesShown is how many movements the page lists.
const maxMovesShown = 10

// awardRow is a star level reached, as the page lists it.
type awardRow struct {
	Level   int
	Date    string
	Hours   string
	Opening bool
}

// certRow is a certificate as the page lists it.
type certRow struct {
	engine.CertificateSummary
	Printed    string
	Superseded bool
}

// recordPage shows the record of the asked period (this year so far by
// default), the stars and the certificates.
func (s *Server) recordPage(w http.ResponseWriter, r *request) {
	q := r.URL.Query()
	d := s.recordForm(r, q.Get("volunteer"), q.Get("from"), q.Get("to"))
	if q.Get("msg") == "flash.moved" {
		d.Notice = &notice{Text: msg(r.lang, "ledger.moved"), OK: true}
	}
	if code := q.Get("issued"); code != "" {
		if c, err := engine.NormalizeCode(code); err == nil {
			d.IssuedCode = engine.FormatCode(c)
			d.Notice = &notice{Text: msg(r.lang, "record.issued"), OK: true}
		}
	}
	s.showRecord(w, r, http.StatusOK, d)
}

// recordForm is the page's form as asked, with the defaults: the
// volunteer themself, from 1 January of this year to today (Beijing).
func (s *Server) recordForm(r *request, vol, from, to string) *recordData {
	today := s.eng.Now().In(volmatch.Beijing)
	d := &recordData{Staff: r.tok.Role != volmatch.RoleVolunteer, Volunteer: strings.TrimSpace(vol),
		From: strings.TrimSpace(from), To: strings.TrimSpace(to), Errors: map[string]string{}}
	if d.From == "" {
		d.From = time.Date(today.Year(), 1, 1, 0, 0, 0, 0, volmatch.Beijing).Format(time.DateOnly)
	}
	if d.To == "" {
		d.To = today.Format(time.DateOnly)
	}
	if !d.Staff {
		d.Volunteer = r.tok.Volunteer
	}
	return d
}

// showRecord renders the page: the record, the stars and the
// certificates of d's volunteer (none until staff name one), a field
// error beside its field.
func (s *Server) showRecord(w http.ResponseWriter, r *request, status int, d *recordData) {
	ctx := r.Context()
	if d.Volunteer != "" && len(d.Errors) == 0 {
		rec, err := s.eng.ServiceRecord(ctx, r.tok, engine.RecordRequest{Volunteer: d.Volunteer, From: d.From, To: d.To})
		if code := volmatch.ErrorCode(err); code == volmatch.EINVALID {
			d.Errors[recordField(err)] = recordError(r.lang, err)
			status = http.StatusUnprocessableEntity
		} else if code == volmatch.EFORBIDDEN && d.Staff {
			d.Errors["volunteer"] = msg(r.lang, "record.err.forbidden")
			status = http.StatusForbidden
		} else if err != nil {
			s.fail(w, r.Request, r.lang, err)
			return
		}
		d.Record = rec
	}
	if d.Record != nil {
		certs, err := s.eng.Certificates(ctx, r.tok, d.Volunteer)
		if err != nil {
			s.fail(w, r.Request, r.lang, err)
			return
		}
		for _, c := range certs {
			d.Certs = append(d.Certs, certRow{CertificateSummary: c, Printed: engine.FormatCode(c.Code), Superseded: c.Status == engine.CertSuperseded})
		}
		if st, err := s.eng.Stars(ctx, r.tok, d.Volunteer); err == nil {
			sl := starOf(st.Hours)
			d.Star = &sl
			if o := st.Opening; o != nil {
				d.Opening = fmt.Sprintf(msg(r.lang, "record.opening"), o.Source, o.AsOf.In(volmatch.Beijing).Format(time.DateOnly), hoursText(o.Hours))
			}
			for _, a := range st.Awards {
				d.Awards = append(d.Awards, awardRow{Level: a.Level, Date: a.At.In(volmatch.Beijing).Format(time.DateOnly), Hours: hoursText(a.Hours), Opening: a.Opening})
			}
		} else if volmatch.ErrorCode(err) != volmatch.EFORBIDDEN {
			s.fail(w, r.Request, r.lang, err)
			return
		}
	}
	if r.tok.Role == volmatch.RoleVolunteer {
		b, err := s.eng.Balances(ctx, r.tok, r.tok.Volunteer)
		if err != nil {
			s.fail(w, r.Request, r.lang, err)
			return
		}
		lv := &ledgerView{Points: b.Points, Minutes: b.Minutes, Hours: hoursText(float64(b.Minutes) / 60)}
		if d.Ledger != nil {
			lv.Error = d.Ledger.Error
		}
		for _, t := range b.Txns[:min(len(b.Txns), maxMovesShown)] {
			lv.Moves = append(lv.Moves, moveRow{Date: t.At.In(volmatch.Beijing).Format(time.DateOnly), Kind: msg(r.lang, "ledger.kind."+t.Kind),
				Reason: t.Reason, Amount: ownAmount(t, r.tok.Volunteer, r.lang)})
		}
		d.Ledger = lv
	}
	s.render(w, r.Request, status, "record", r.view("record.title", d))
}

// ownAmount is what a movement did to the volunteer's own account: +45 积分.
func ownAmount(t *volmatch.LedgerTxn, vol, lang string) string {
	for _, e := range t.Entries {
		for _, c := range []string{volmatch.CurrencyPoints, volmatch.CurrencyTime} {
			if e.Account == volmatch.VolunteerAccount(c, vol) {
				return fmt.Sprintf("%+d %s", e.Amount, msg(lang, "ledger.unit."+c))
			}
		}
	}
	return ""
}

// move spends or transfers from the volunteer's own balance and returns
// to the page; a refusal is shown beside the form.
func (s *Server) move(w http.ResponseWriter, r *request) {
	amount, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("amount")), 10, 64)
	m := engine.Movement{Currency: r.PostFormValue("currency"), Amount: amount, To: strings.TrimSpace(r.PostFormValue("to")), Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	if err == nil {
		_, err = s.eng.Move(r.Context(), r.tok, r.tok.Volunteer, m)
	} else {
		err = volmatch.FieldError("amount", "not a whole number")
	}
	if err == nil {
		http.Redirect(w, r.Request, "/web/record?msg=flash.moved", http.StatusSeeOther)
		return
	}
	key := "ledger.err.other"
	switch {
	case volmatch.ErrorReason(err) == volmatch.ReasonInsufficient:
		key = "ledger.err.insufficient"
	case volmatch.ErrorField(err) == "amount":
		key = "ledger.err.amount"
	case volmatch.ErrorField(err) == "to":
		key = "ledger.err.to"
	case volmatch.ErrorField(err) == "reason":
		key = "ledger.err.reason"
	case volmatch.ErrorCode(err) != volmatch.EINVALID && volmatch.ErrorCode(err) != volmatch.ECONFLICT:
		s.fail(w, r.Request, r.lang, err)
		return
	}
	d := s.recordForm(r, "", "", "")
	d.Ledger = &ledgerView{Error: msg(r.lang, key)}
	s.showRecord(w, r, http.StatusUnprocessableEntity, d)
}

// recordField is the form field an engine refusal concerns.
func recordField(err error) string {
	switch f := volmatch.ErrorField(err); f {
	case "from", "to", "volunteer":
		return f
	}
	return "from"
}

// recordError is a refusal of the record form in the page's words.
func recordError(lang string, err error) string {
	msgText := volmatch.ErrorMessage(err)
	switch {
	case volmatch.ErrorField(err) == "to" && strings.Contains(msgText, "today"):
		return msg(lang, "record.err.future")
	case volmatch.ErrorReason(err) == volmatch.ReasonEndBeforeStart:
		return msg(lang, "record.err.order")
	case strings.Contains(msgText, "no completed service"):
		return msg(lang, "record.err.none")
	case volmatch.ErrorField(err) == "volunteer":
		return msg(lang, "record.err.volunteer")
	}
	return msg(lang, "record.err.date")
}

// issueCertificate issues a certificate of the form's period and returns
// to the page with its code, or shows the refusal beside its field.
func (s *Server) issueCertificate(w http.ResponseWriter, r *request) {
	d := s.recordForm(r, r.PostFormValue("volunteer"), r.PostFormValue("from"), r.PostFormValue("to"))
	c, err := s.eng.IssueCertificate(r.Context(), r.tok, engine.RecordRequest{Volunteer: d.Volunteer, From: d.From, To: d.To})
	switch volmatch.ErrorCode(err) {
	case "":
		v := url.Values{"from": {d.From}, "to": {d.To}, "issued": {c.Record.Code}}
		if d.Staff {
			v.Set("volunteer", d.Volunteer)
		}
		http.Redirect(w, r.Request, "/web/record?"+v.Encode(), http.StatusSeeOther)
	case volmatch.EINVALID:
		d.Errors[recordField(err)] = recordError(r.lang, err)
		s.showRecord(w, r, http.StatusUnprocessableEntity, d)
	case volmatch.EFORBIDDEN:
		if d.Staff {
			d.Errors["volunteer"] = msg(r.lang, "record.err.forbidden")
			s.showRecord(w, r, http.StatusForbidden, d)
			return
		}
		s.fail(w, r.Request, r.lang, err)
	default:
		s.fail(w, r.Request, r.lang, err)
	}
}

// certificatePDF serves a certificate its holder may read as a PDF.
func (s *Server) certificatePDF(w http.ResponseWriter, r *request) {
	code := strings.TrimSuffix(r.PathValue("code"), ".pdf")
	c, err := s.eng.HeldCertificate(r.Context(), r.tok, code)
	if volmatch.ErrorCode(err) == volmatch.EINVALID {
		err = volmatch.Errorf(volmatch.ENOTFOUND, "no such certificate")
	}
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	var b bytes.Buffer
	code = c.Record.Code
	if err := certpdf.Render(&b, &c.Record, engine.FormatCode(code), s.eng.VerifyURL(code, base(r.Request))); err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="certificate-`+code+`.pdf"`)
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(b.Bytes())
}

// base is the scheme and host a request came to.
func base(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// verifyData is the public verification page.
type verifyData struct {
	Code     string // as typed or printed
	Error    string
	Checked  bool
	Status   string // genuine, superseded, invalid, unknown
	Printed  string
	Record   *volmatch.ServiceRecord
	Issuer   string
	Hours    string
	Issued   string
	Replaced string
}

// verifyPage is public: a form for the code, and the answer when one is
// given (in the path, from a QR code, or as ?code=).
func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) {
	headers(w)
	w.Header().Set("Cache-Control", "no-store")
	lang := language(w, r, s.secure(r))
	d := verifyData{Code: cmpOr(r.PathValue("code"), strings.TrimSpace(r.URL.Query().Get("code")))}
	status := http.StatusOK
	if d.Code != "" {
		v, err := s.eng.VerifyCertificate(r.Context(), d.Code)
		switch volmatch.ErrorCode(err) {
		case "":
			d.Checked, d.Status, d.Record = true, v.Status, v.Record
			if v.Record != nil {
				d.Printed = engine.FormatCode(v.Record.Code)
				d.Issuer = cmpOr(v.Record.OrgName, v.Record.Issuer)
				d.Hours = hoursText(v.Record.TotalHours)
				d.Issued = v.Record.IssuedAt.In(volmatch.Beijing).Format(msg(lang, "verify.date"))
			}
			if !v.SupersededAt.IsZero() {
				d.Replaced = v.SupersededAt.In(volmatch.Beijing).Format(msg(lang, "verify.date"))
			}
		case volmatch.EINVALID:
			d.Error, status = msg(lang, "verify.err.code"), http.StatusUnprocessableEntity
		case volmatch.ENOTFOUND:
			d.Checked, d.Status, status = true, "unknown", http.StatusNotFound
		default:
			s.fail(w, r, lang, err)
			return
		}
	}
	s.render(w, r, status, "verify", view{Lang: lang, Title: msg(lang, "verify.title"), Data: d})
}

// cmpOr returns the first of a, b that is not empty.
func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func init() {
	for k, v := range map[string]string{
		"nav.record":              "服务记录",
		"ledger.title":            "积分与时间储蓄",
		"ledger.points":           "服务积分",
		"ledger.time":             "时间储蓄",
		"ledger.hours":            "%s 小时",
		"ledger.moves":            "最近的收支",
		"ledger.none":             "还没有收支记录。完成服务后会自动记入。",
		"ledger.form":             "使用或转赠",
		"ledger.currency":         "类型",
		"ledger.amount":           "数量（积分，或分钟）",
		"ledger.to":               "转赠给（志愿者统一编号，可不填）",
		"ledger.reason":           "用途",
		"ledger.submit":           "确认",
		"ledger.moved":            "已记账。",
		"ledger.unit.points":      "积分",
		"ledger.unit.time":        "分钟",
		"ledger.kind.earn":        "服务获得",
		"ledger.kind.spend":       "使用",
		"ledger.kind.transfer":    "转赠",
		"ledger.kind.adjust":      "调整",
		"ledger.err.insufficient": "余额不足：使用或转赠不能超过现有余额。",
		"ledger.err.amount":       "请输入正整数数量。",
		"ledger.err.to":           "请填写另一位已注册志愿者的统一编号，或留空。",
		"ledger.err.reason":       "请写明用途。",
		"ledger.err.other":        "未能记账，请检查后重试。",
		"record.title":            "服务记录与证明",
		"record.form":             "查询服务记录",
		"record.volunteer":        "志愿者统一编号",
		"record.volunteer.hint":   "只显示该志愿者在本机构的服务。",
		"record.from":             "开始日期",
		"record.to":               "结束日期",
		"record.show":             "查询",
		"record.services":         "服务明细",
		"record.none":             "这段时间没有已完成的服务。",
		"record.col.date":         "日期",
		"record.col.org":          "组织",
		"record.col.need":         "服务项目",
		"record.col.hours":        "时长（小时）",
		"record.source":           "（%s 记录，互认导入）",
		"record.total":            "合计 %s 小时，共 %d 次",
		"record.issue":            "出具志愿服务记录证明（PDF）",
		"record.issue.hint":       "证明带有验证码和二维码，任何人都可以在线核验真伪。",
		"record.issued":           "证明已出具。",
		"record.issued.code":      "验证码：%s",
		"record.certs":            "我的证明",
		"record.certs.none":       "还没有出具过证明。",
		"record.cert.period":      "%s 至 %s",
		"record.cert.hours":       "%s 小时",
		"record.cert.download":    "下载 PDF",
		"record.cert.verify":      "在线核验",
		"record.cert.genuine":     "有效",
		"record.cert.superseded":  "已被更正后的证明取代",
		"record.stars":            "星级认定",
		"record.opening":          "含此前系统（%s）截至 %s 的 %s 小时",
		"record.awards":           "星级历程",
		"record.award":            "%s：%s（累计 %s 小时）",
		"record.award.opening":    "（来自此前系统的记录）",
		"record.err.future":       "结束日期不能晚于今天：证明只记录已完成的服务。",
		"record.err.order":        "结束日期不能早于开始日期。",
		"record.err.date":         "请输入有效日期，例如 2026-01-31。",
		"record.err.none":         "这段时间没有已完成的服务，无法出具证明。",
		"record.err.volunteer":    "请输入志愿者统一编号。",
		"record.err.forbidden":    "该志愿者没有在本机构完成的服务，无法查询或出具证明。",
		"verify.title":            "证明核验",
		"verify.intro":            "输入志愿服务记录证明上的验证码，或扫描证明上的二维码，核验证明是否真实、未被改动。",
		"verify.code":             "验证码",
		"verify.code.hint":        "24 位字母和数字，短横线可省略，不区分大小写。",
		"verify.submit":           "核验",
		"verify.genuine":          "证明真实有效：由本平台出具，内容未被改动。",
		"verify.superseded":       "此证明已被更正：出具单位于 %s 出具了更正后的新证明，本证明不再有效。",
		"verify.invalid":          "证明无效：签名不符，内容可能已被改动。",
		"verify.unknown":          "未找到使用此验证码的证明。请核对验证码。",
		"verify.err.code":         "验证码应为 24 位字母和数字（A–Z、2–7）。",
		"verify.shows":            "证明内容",
		"verify.name":             "姓名",
		"verify.number":           "志愿者统一编号",
		"verify.period":           "服务期间",
		"verify.hours":            "累计服务时长",
		"verify.stars":            "星级认定",
		"verify.issuer":           "出具单位",
		"verify.issued":           "出具日期",
		"verify.date":             "2006年01月02日",
		"verify.h":                "%s 小时",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"nav.record":              "Record",
		"ledger.title":            "Service points and time savings",
		"ledger.points":           "Service points",
		"ledger.time":             "Time savings",
		"ledger.hours":            "%s hours",
		"ledger.moves":            "Latest movements",
		"ledger.none":             "No movements yet. Completed services are credited automatically.",
		"ledger.form":             "Spend or give",
		"ledger.currency":         "Kind",
		"ledger.amount":           "Amount (points, or minutes)",
		"ledger.to":               "Give to (unified volunteer number, optional)",
		"ledger.reason":           "For",
		"ledger.submit":           "Confirm",
		"ledger.moved":            "Recorded.",
		"ledger.unit.points":      "points",
		"ledger.unit.time":        "min",
		"ledger.kind.earn":        "Earned",
		"ledger.kind.spend":       "Spent",
		"ledger.kind.transfer":    "Given",
		"ledger.kind.adjust":      "Adjusted",
		"ledger.err.insufficient": "Not enough: you cannot spend or give more than you hold.",
		"ledger.err.amount":       "Enter a whole number above zero.",
		"ledger.err.to":           "Enter another registered volunteer's number, or leave it empty.",
		"ledger.err.reason":       "Say what it is for.",
		"ledger.err.other":        "Not recorded; check and try again.",
		"record.title":            "Service record and certificate",
		"record.form":             "Find a service record",
		"record.volunteer":        "Unified volunteer number",
		"record.volunteer.hint":   "Only the volunteer's services with your organisation are shown.",
		"record.from":             "From",
		"record.to":               "To",
		"record.show":             "Show",
		"record.services":         "Services",
		"record.none":             "No completed service in this period.",
		"record.col.date":         "Date",
		"record.col.org":          "Organisation",
		"record.col.need":         "Service",
		"record.col.hours":        "Hours",
		"record.source":           "(recorded by %s, imported)",
		"record.total":            "Total %s hours, %d services",
		"record.issue":            "Issue a certificate of service (PDF)",
		"record.issue.hint":       "The certificate carries a verification code and a QR code that anyone can check online.",
		"record.issued":           "The certificate is issued.",
		"record.issued.code":      "Verification code: %s",
		"record.certs":            "Certificates",
		"record.certs.none":       "No certificate issued yet.",
		"record.cert.period":      "%s to %s",
		"record.cert.hours":       "%s hours",
		"record.cert.download":    "Download PDF",
		"record.cert.verify":      "Verify online",
		"record.cert.genuine":     "Valid",
		"record.cert.superseded":  "Superseded by a corrected certificate",
		"record.stars":            "Star level",
		"record.opening":          "Includes %[3]s hours from an earlier system (%[1]s) as of %[2]s",
		"record.awards":           "Stars reached",
		"record.award":            "%s: %s (%s hours in all)",
		"record.award.opening":    " (from the earlier system's record)",
		"record.err.future":       "The end date may not be after today: a certificate records service done.",
		"record.err.order":        "The end date may not be before the start date.",
		"record.err.date":         "Enter a valid date, such as 2026-01-31.",
		"record.err.none":         "No completed service in this period: there is nothing to certify.",
		"record.err.volunteer":    "Enter the unified volunteer number.",
		"record.err.forbidden":    "This volunteer has no completed service with your organisation.",
		"verify.title":            "Verify a certificate",
		"verify.intro":            "Enter the verification code printed on a certificate of volunteer service, or scan its QR code, to check that it is genuine and unaltered.",
		"verify.code":             "Verification code",
		"verify.code.hint":        "24 letters and digits; dashes optional, any case.",
		"verify.submit":           "Verify",
		"verify.genuine":          "Genuine: issued here and unaltered.",
		"verify.superseded":       "Superseded: the issuer issued a corrected certificate on %s; this one is no longer valid.",
		"verify.invalid":          "Invalid: the signature does not match; the content may have been altered.",
		"verify.unknown":          "No certificate has this code. Check the code.",
		"verify.err.code":         "A code is 24 letters and digits (A–Z, 2–7).",
		"verify.shows":            "What the certificate shows",
		"verify.name":             "Name",
		"verify.number":           "Unified volunteer number",
		"verify.period":           "Period",
		"verify.hours":            "Hours of service",
		"verify.stars":            "Star level",
		"verify.issuer":           "Issued by",
		"verify.issued":           "Issued on",
		"verify.date":             "2 Jan 2006",
		"verify.h":                "%s hours",
	} {
		messages[langEN][k] = v
	}
}
