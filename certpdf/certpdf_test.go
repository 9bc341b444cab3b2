package certpdf_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volmatch"
	"volmatch/certpdf"
)

// record is a certificate's record: 王小明's three services, one star.
func record(services int) *volmatch.ServiceRecord {
	r := &volmatch.ServiceRecord{Code: "ABCDEFGHIJKLMNOPQRSTUVWX", Issuer: "测试平台", Volunteer: "BJ110105-000123", Name: "王小明",
		From: "2026-11-01", To: "2026-11-10", Stars: 1, StarHours: 104.5, KeyID: "0123456789abcdef",
		IssuedAt: time.Date(2026, 11, 12, 2, 0, 0, 0, time.UTC)}
	for i := range services {
		h := []float64{3, 2.5, 4}[i%3]
		r.Services = append(r.Services, volmatch.ServiceEntry{Org: "O1", OrgName: "朝阳区和平街社区", Need: "N1",
			Title: "社区助老服务：陪伴独居老人并协助就医取药的长期项目", Date: fmt.Sprintf("2026-11-%02d", 3+i%8), Hours: h})
		r.TotalHours += h
	}
	return r
}

// need skips unless the poppler tools are installed (make test installs
// poppler-utils: scripts/deps.sh).
func need(t *testing.T, tools ...string) {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (apt-get install poppler-utils; make deps does)", tool)
		}
	}
}

// render writes the record's PDF into dir and returns its path.
func render(t *testing.T, dir string, r *volmatch.ServiceRecord) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := certpdf.Render(&b, r, "ABCD-EFGH-IJKL-MNOP-QRST-UVWX", "https://volmatch.example/verify/ABCDEFGHIJKLMNOPQRSTUVWX"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "certificate.pdf")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, b.Bytes()
}

// TestRenderText: the PDF's text, as pdftotext reads it, holds the title,
// the name, the unified volunteer number, the period, the hours, the star
// level, the issuer, the issue date and the code; the same record renders
// the same bytes.
func TestRenderText(t *testing.T) {
	need(t, "pdftotext", "pdffonts")
	dir := t.TempDir()
	path, pdf := render(t, dir, record(3))
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := string(out)
	for _, want := range []string{"志愿服务记录证明", "王小明", "志愿者统一编号：BJ110105-000123", "2026年11月01日", "2026年11月10日",
		"累计服务时长 9.5 小时", "一星志愿者", "104.5", "朝阳区和平街社区", "出具单位：测试平台", "出具日期：2026年11月12日",
		"ABCD-EFGH-IJKL-MNOP-QRST-UVWX", "2026-11-04"} {
		if !strings.Contains(text, want) {
			t.Errorf("the certificate's text lacks %q:\n%s", want, text)
		}
	}
	// Droid Sans Fallback has no Latin glyphs: pdftotext would still read
	// digits set in it (through the font's Unicode map) while the page
	// shows blanks, so the Latin runs must be in Helvetica.
	if fonts, err := exec.Command("pdffonts", path).Output(); err != nil || !strings.Contains(string(fonts), "Helvetica") {
		t.Errorf("pdffonts = %s (%v), want Helvetica for the Latin text", fonts, err)
	}
	_, again := render(t, t.TempDir(), record(3))
	if !bytes.Equal(pdf, again) {
		t.Errorf("the same record rendered different bytes (%d and %d)", len(pdf), len(again))
	}
	if len(pdf) > 200<<10 {
		t.Errorf("the certificate is %d KB, want at most 200 KB (only the glyphs used)", len(pdf)>>10)
	}
	if d := os.Getenv("VOLMATCH_ARTIFACTS"); d != "" {
		_ = os.MkdirAll(d, 0o755)
		_ = os.WriteFile(filepath.Join(d, "certificate.pdf"), pdf, 0o644)
	}
}

// TestRenderPage: the first page renders as A4 (pdftoppm at 50 dpi: 414 ×
// 585 px) with ink on it, and the QR code's corner is dark; a long record
// runs over pages with its header repeated.
func TestRenderPage(t *testing.T) {
	need(t, "pdftoppm", "pdftotext")
	dir := t.TempDir()
	path, _ := render(t, dir, record(3))
	if err := exec.Command("pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", path, filepath.Join(dir, "page")).Run(); err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pages) != 1 {
		t.Fatalf("pdftoppm wrote %v, want one page", pages)
	}
	raw, err := os.ReadFile(pages[0])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 414 || b.Dy() != 585 {
		t.Errorf("page is %d × %d px at 50 dpi, want A4's 414 × 585", b.Dx(), b.Dy())
	}
	if ink := dark(img, img.Bounds()); ink < 2000 {
		t.Errorf("page has %d dark pixels, want text on it", ink)
	}
	if d := os.Getenv("VOLMATCH_ARTIFACTS"); d != "" {
		_ = os.WriteFile(filepath.Join(d, "certificate-page1.png"), raw, 0o644)
	}

	long, _ := render(t, t.TempDir(), record(80))
	out, err := exec.Command("pdftotext", long, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), "时长（小时）"); n < 2 {
		t.Errorf("80 services: the table header appears %d times, want it on every page", n)
	}
	if !strings.Contains(string(out), "第 2 页") {
		t.Errorf("80 services: no second page")
	}
}

// dark counts the pixels of r darker than mid-grey.
func dark(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c, _, _, _ := img.At(x, y).RGBA()
			if c < 0x8000 {
				n++
			}
		}
	}
	return n
}

// BenchmarkRender: one certificate of three services (the font is parsed
// for each document).
func BenchmarkRender(b *testing.B) {
	r := record(3)
	for b.Loop() {
		var buf bytes.Buffer
		if err := certpdf.Render(&buf, r, "ABCD", "https://volmatch.example/verify/ABCD"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRenderImported: a service imported from another deployment names
// where it was recorded.
func TestRenderImported(t *testing.T) {
	need(t, "pdftotext")
	r := record(1)
	r.Services = append(r.Services, volmatch.ServiceEntry{Org: "TJ1", OrgName: "和平区协会", Need: "P1", Title: "助老",
		Date: "2026-11-05", Hours: 2, Source: "天津平台"})
	path, _ := render(t, t.TempDir(), r)
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	if !strings.Contains(string(out), "天津平台 · 和平区协会") {
		t.Errorf("the imported service does not name its source:\n%s", out)
	}
}
