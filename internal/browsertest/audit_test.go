package browsertest_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"volmatch/internal/browsertest"
)

// TestAuditFinds checks that the audit is not blind: a page with an
// unlabelled field, text of too little contrast and no language breaks
// those rules, and the same page mended breaks none.
func TestAuditFinds(t *testing.T) {
	ctx := browsertest.Start(t, &browsertest.Errors{}, 800, 600)
	for _, c := range []struct {
		page string
		want []string
	}{
		{`<!doctype html><html><head><title>t</title></head><body><main><h1>t</h1><input type="text"><p style="color:#bbb;background:#fff">浅灰色的文字说明</p></main></body></html>`,
			[]string{"color-contrast", "html-has-lang", "label"}},
		{`<!doctype html><html lang="zh"><head><title>t</title></head><body><main><h1>t</h1><label>名<input type="text"></label><p style="color:#333;background:#fff">深灰色的文字说明</p></main></body></html>`,
			nil},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate("data:text/html;charset=utf-8,"+url.PathEscape(c.page))); err != nil {
			t.Fatal(err)
		}
		vs, err := browsertest.Audit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vs {
			got = append(got, v.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("Audit(%s) = %v, want %v", c.page, got, c.want)
		}
	}
}
