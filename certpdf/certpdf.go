// Package certpdf renders a service certificate (志愿服务记录证明) as an A4
// PDF in Chinese: the volunteer's name and unified volunteer number (never
// an ID-card number), the period, every service with its organisation,
// need, date and hours, the total, the star level, the issuer and issue
// date, the verification code, and a QR code of the public verification
// page. It is the only package that imports fpdf and the QR encoder.
//
// Chinese is set in Droid Sans Fallback (Apache 2.0, font/README.md),
// embedded whole in the binary (fpdf embeds in each PDF only the glyphs it
// uses); it has no Latin letters or digits, so those runs are set in the
// PDF core font Helvetica, which is never embedded. The same record renders the same bytes (the PDF's dates are the
// issue date), so a certificate downloaded twice is one file.
package certpdf

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"time"

	"codeberg.org/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	"volmatch"
)

//go:embed font/DroidSansFallbackFull.ttf
var droid []byte

// Page geometry in millimetres (A4 portrait).
const (
	pageW  = 210.0
	margin = 20.0
	bodyW  = pageW - 2*margin
)

// starNames are the star levels' names, 0 (none) to 5.
var starNames = [...]string{"未达星级", "一星志愿者", "二星志愿者", "三星志愿者", "四星志愿者", "五星志愿者"}

// Render writes the certificate of record r as an A4 PDF to w. verifyURL
// is the address of the public verification page of its code, which the
// QR code carries.
func Render(w io.Writer, r *volmatch.ServiceRecord, code, verifyURL string) error {
	qr, err := qrcode.Encode(verifyURL, qrcode.Medium, 360)
	if err != nil {
		return fmt.Errorf("certpdf: qr code: %w", err)
	}
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCatalogSort(true)
	f.SetCreationDate(r.IssuedAt)
	f.SetModificationDate(r.IssuedAt)
	f.SetTitle("志愿服务记录证明 "+code, true)
	f.SetCreator("volmatch", false)
	f.SetProducer("volmatch", false)
	f.AddUTF8FontFromBytes("droid", "", droid)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(false, 0)
	f.SetFont("droid", "", 10) // an empty cell (a box) needs a font too
	d := &doc{f: f}
	d.size(10)
	f.AddPage()

	f.SetTextColor(160, 20, 20)
	d.size(24)
	d.cell(bodyW, 14, "志愿服务记录证明", "", "C", false, true)
	f.SetTextColor(90, 90, 90)
	d.size(10)
	d.cell(bodyW, 6, "Certificate of Volunteer Service Record", "", "C", false, true)
	f.Ln(6)

	f.SetTextColor(20, 20, 20)
	d.size(12)
	scope := ""
	if r.OrgName != "" {
		scope = "在" + r.OrgName
	}
	d.para(bodyW, 8, fmt.Sprintf("兹证明 %s（志愿者统一编号：%s）于 %s 至 %s 期间%s参加志愿服务 %d 次，累计服务时长 %s 小时。",
		r.Name, r.Volunteer, chineseDate(r.From), chineseDate(r.To), scope, len(r.Services), hours(r.TotalHours)))
	f.Ln(2)
	d.para(bodyW, 8, fmt.Sprintf("星级认定：%s（截至出具日认定服务时长 %s 小时）", StarName(r.Stars), hours(r.StarHours)))
	f.Ln(4)

	d.table(r.Services, code)
	f.Ln(8)

	issuer := r.OrgName
	if issuer == "" {
		issuer = r.Issuer
	}
	if f.GetY() > pageBottom-50 {
		d.newPage(code)
	}
	top := f.GetY()
	d.size(10)
	for _, l := range []string{
		"出具单位：" + issuer,
		"出具日期：" + r.IssuedAt.In(volmatch.Beijing).Format("2006年01月02日"),
		"验证码：" + code,
		"验证网址：" + verifyURL,
		"签名：Ed25519，密钥 " + r.KeyID,
	} {
		d.para(bodyW-38, 6.5, l)
	}
	f.SetTextColor(90, 90, 90)
	d.size(8)
	d.para(bodyW-38, 5, "扫描二维码或在验证网址输入验证码，可核验本证明是否真实、未被改动、是否已被更正后的证明取代。")
	f.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(qr))
	f.ImageOptions("qr", pageW-margin-34, top, 34, 34, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	d.footer(code)
	if f.Err() {
		return fmt.Errorf("certpdf: %w", f.Error())
	}
	return f.Output(w)
}

// pageBottom is where a page's body ends (the footer below).
const pageBottom = 297 - 22

// doc is the PDF with its current text size: Chinese in Droid Sans
// Fallback, Latin runs in Helvetica.
type doc struct {
	f    *fpdf.Fpdf
	pt   float64
	page int
}

func (d *doc) size(pt float64) { d.pt = pt }

// run is a stretch of text set in one font.
type run struct {
	text  string
	latin bool
}

// runs splits s into Latin (ASCII) and other runs.
func runs(s string) []run {
	var out []run
	for _, r := range s {
		latin := r < 0x80
		if n := len(out); n > 0 && out[n-1].latin == latin {
			out[n-1].text += string(r)
			continue
		}
		out = append(out, run{string(r), latin})
	}
	return out
}

// use sets the font of a run.
func (d *doc) use(latin bool) {
	if latin {
		d.f.SetFont("Helvetica", "", d.pt)
	} else {
		d.f.SetFont("droid", "", d.pt)
	}
}

// width is the width of s at the current size.
func (d *doc) width(s string) float64 {
	w := 0.0
	for _, r := range runs(s) {
		d.use(r.latin)
		w += d.f.GetStringWidth(r.text)
	}
	return w
}

// cell draws a box of w × h at the current position with s aligned in it
// (L, C or R), its border and fill, then moves right, or to the next line
// when ln.
func (d *doc) cell(w, h float64, s, border, align string, fill, ln bool) {
	f := d.f
	x, y := f.GetXY()
	f.CellFormat(w, h, "", border, 0, "", fill, 0, "")
	tw := d.width(s)
	tx := x + 2
	switch align {
	case "C":
		tx = x + (w-tw)/2
	case "R":
		tx = x + w - 2 - tw
	}
	for _, r := range runs(s) {
		d.use(r.latin)
		rw := f.GetStringWidth(r.text)
		f.SetXY(tx, y)
		f.CellFormat(rw, h, r.text, "", 0, "L", false, 0, "")
		tx += rw
	}
	if ln {
		f.SetXY(margin, y+h)
	} else {
		f.SetXY(x+w, y)
	}
}

// para writes text in lines of at most width w, broken between any two
// characters (Chinese has no spaces to break at; fpdf's MultiCell drops a
// character where it breaks a line of CJK text).
func (d *doc) para(w, h float64, text string) {
	line := ""
	for _, t := range tokens(text) {
		if line != "" && d.width(line+t) > w {
			d.cell(w, h, line, "", "L", false, true)
			line = ""
		}
		line += t
	}
	d.cell(w, h, line, "", "L", false, true)
}

// tokens splits text where a line may break: between any two Chinese
// characters, never inside a run of Latin letters and digits or a date
// (2026年11月01日).
func tokens(text string) []string {
	var out []string
	cur := ""
	for _, r := range text {
		glue := r > ' ' && r < 0x80 || r == '年' || r == '月' || r == '日'
		if !glue {
			if cur != "" {
				out = append(out, cur)
				cur = ""
			}
			out = append(out, string(r))
			continue
		}
		cur += string(r)
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// footer writes the page's footer: the code and the page number.
func (d *doc) footer(code string) {
	d.page++
	f := d.f
	f.SetTextColor(90, 90, 90)
	pt := d.pt
	d.size(8)
	f.SetXY(margin, 297-15)
	d.cell(bodyW, 5, fmt.Sprintf("验证码 %s  第 %d 页", code, d.page), "", "C", false, true)
	d.size(pt)
	f.SetTextColor(20, 20, 20)
}

// newPage closes the page with its footer and starts the next.
func (d *doc) newPage(code string) {
	d.footer(code)
	d.f.AddPage()
}

// table draws the services: date, organisation, need, hours; the header
// again on every page.
func (d *doc) table(services []volmatch.ServiceEntry, code string) {
	f := d.f
	cols := []struct {
		head  string
		width float64
		align string
	}{{"日期", 26, "C"}, {"组织", 48, "L"}, {"服务项目", 70, "L"}, {"时长（小时）", 26, "R"}}
	head := func() {
		d.size(10)
		f.SetFillColor(235, 235, 235)
		for i, c := range cols {
			d.cell(c.width, 8, c.head, "1", "C", true, i == len(cols)-1)
		}
		d.size(9.5)
	}
	head()
	for _, s := range services {
		if f.GetY() > pageBottom-8 {
			d.newPage(code)
			head()
		}
		org := s.OrgName
		if s.Source != "" { // imported (京津冀 exchange): name where it was recorded
			org = s.Source + " · " + org
		}
		cells := []string{s.Date, org, s.Title, hours(s.Hours)}
		for i, c := range cols {
			d.cell(c.width, 7.5, d.fit(cells[i], c.width-4), "1", c.align, false, i == len(cols)-1)
		}
	}
}

// fit shortens s with "..." until it fits width w.
func (d *doc) fit(s string, w float64) string {
	if d.width(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && d.width(string(r)+"...") > w {
		r = r[:len(r)-1]
	}
	return string(r) + "..."
}

// hours prints hours without trailing zeros: 9.5, 12, 3.25.
func hours(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }

// chineseDate prints a 2006-01-02 date as 2006年01月02日.
func chineseDate(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return t.Format("2006年01月02日")
}

// StarName returns the Chinese name of a star level (0 to 5).
func StarName(level int) string { return starNames[min(max(level, 0), 5)] }
