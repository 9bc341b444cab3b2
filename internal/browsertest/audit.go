package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core 4.14.1 (npm axe-core, MPL-2.0, axe/LICENSE), the
// accessibility engine that checks a page against WCAG's testable rules.
// It is injected by the tests only; the binary does not carry it.
//
//go:embed axe/axe.min.js
var axeSource string

// Violation is one WCAG rule a page breaks, with the elements that break
// it.
type Violation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
}

// axeRun runs axe over the document with the WCAG 2.0 and 2.1 A and AA
// rules and returns the violations as JSON.
const axeRun = `(async () => {
  const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]});
  return JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
    targets: v.nodes.map(n => n.target.join(" "))})));
})()`

// Audit checks the page open in ctx against WCAG 2.1 A and AA with axe and
// returns what it breaks (nothing for a page that passes the rules a
// machine can test: labels, contrast, names, landmarks, language ...).
func Audit(ctx context.Context) ([]Violation, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+";true")); err != nil {
		return nil, fmt.Errorf("inject axe: %w", err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe: %w", err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		return nil, fmt.Errorf("read axe's answer: %w", err)
	}
	return vs, nil
}

// Weight is what loading a page cost: the bytes transferred for the
// document and everything it loaded, and when it became interactive.
type Weight struct {
	Bytes         int64   `json:"bytes"`
	InteractiveMs float64 `json:"interactive_ms"`
	Resources     int     `json:"resources"`
}

// weigh reads the page's Resource Timing: of each entry the larger of
// transferSize (headers and body as they came over the wire) and
// encodedBodySize (the body as sent, which the browser reports even for a
// resource it took from its cache), so the sum is what a first visit costs.
const weigh = `JSON.stringify((() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const res = performance.getEntriesByType("resource");
  const size = e => Math.max(e.transferSize || 0, e.encodedBodySize || 0);
  return {bytes: [nav, ...res].reduce((s, e) => s + size(e), 0), interactive_ms: nav.domInteractive, resources: res.length};
})())`

// Weigh returns what loading the page open in ctx cost.
func Weigh(ctx context.Context) (Weight, error) {
	var w Weight
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](weigh))
	if err != nil {
		return w, fmt.Errorf("weigh the page: %w", err)
	}
	err = json.Unmarshal([]byte(out), &w)
	return w, err
}
