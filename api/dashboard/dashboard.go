// Package dashboard holds the planner dashboard's static files (HTML, script,
// style and the vendored Apache ECharts), embedded so that the binary serves
// them with no network. The api package mounts them at /dashboard; the page
// reads /v1/reference, /v1/geo/districts and /v1/evaluation/summary.
package dashboard

import (
	"embed"
	"io/fs"
)

//go:embed static
var files embed.FS

// FS returns the dashboard's files, rooted at the static folder
// (index.html, app.js, style.css, vendor/echarts/echarts.min.js).
func FS() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	return sub
}
