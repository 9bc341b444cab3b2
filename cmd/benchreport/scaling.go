package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// family is the benchmarks that share a name and differ by population size:
// "Rank/n=10000/index" and "Rank/n=1000000/index" are the "index" series of
// the family "Rank".
type family struct {
	name   string
	unit   string
	sizes  []int
	series map[string]map[int]float64 // variant -> size -> value in unit
	order  []string
}

// families groups the results with an "n=SIZE" path element by the rest of
// their name. The unit is p99-ms where the family reports it, else the time
// per op in ms, else seconds (whole-command figures such as an import).
func families(in *Input) []*family {
	byName := map[string]*family{}
	var out []*family
	for _, r := range in.Results {
		p := r.Path()
		at := slices.IndexFunc(p, func(s string) bool { return strings.HasPrefix(s, "n=") })
		if at < 0 {
			continue
		}
		n, err := strconv.Atoi(strings.TrimPrefix(p[at], "n="))
		if err != nil {
			continue
		}
		name := strings.Join(p[:at], "/")
		variant := strings.Join(p[at+1:], "/")
		if variant == "" {
			variant = name
		}
		f := byName[r.Pkg+" "+name]
		if f == nil {
			f = &family{name: name, series: map[string]map[int]float64{}}
			byName[r.Pkg+" "+name] = f
			out = append(out, f)
		}
		unit := "p99-ms"
		for _, u := range []string{"p99-ms", "ns/op", "s"} {
			if _, ok := r.Median(u); ok {
				unit = u
				break
			}
		}
		v, ok := r.Median(unit)
		if !ok {
			continue
		}
		if unit == "ns/op" {
			v /= 1e6
			unit = "ms/op"
		}
		if f.unit == "" {
			f.unit = unit
		}
		if f.unit != unit {
			continue
		}
		if f.series[variant] == nil {
			f.series[variant] = map[int]float64{}
			f.order = append(f.order, variant)
		}
		f.series[variant][n] = v
		if !slices.Contains(f.sizes, n) {
			f.sizes = append(f.sizes, n)
		}
	}
	for _, f := range out {
		slices.Sort(f.sizes)
	}
	return out
}

// writeScaling writes a table and a log-log plot per family with at least
// two sizes.
func writeScaling(b *bytes.Buffer, in *Input, dir, plots string) error {
	fams := families(in)
	wrote := false
	for _, f := range fams {
		if len(f.sizes) < 2 {
			continue
		}
		if !wrote {
			b.WriteString("### How the figures grow with the population\n\n")
			wrote = true
		}
		fmt.Fprintf(b, "#### %s (%s)\n\n| volunteers |", f.name, f.unit)
		for _, v := range f.order {
			fmt.Fprintf(b, " %s |", v)
		}
		b.WriteString("\n|---|")
		for range f.order {
			b.WriteString("---|")
		}
		b.WriteString("\n")
		for _, n := range f.sizes {
			fmt.Fprintf(b, "| %s |", groupDigits(int64(n)))
			for _, v := range f.order {
				if x, ok := f.series[v][n]; ok {
					fmt.Fprintf(b, " %.3g |", x)
				} else {
					b.WriteString(" — |")
				}
			}
			b.WriteString("\n")
		}
		file := filepath.Join(plots, "scaling-"+slug(f.name)+".png")
		if err := plotFamily(f, filepath.Join(dir, file)); err != nil {
			return fmt.Errorf("plot %s: %w", f.name, err)
		}
		fmt.Fprintf(b, "\n![%s by population size](%s)\n\n", f.name, filepath.ToSlash(file))
	}
	return nil
}

func slug(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, s)
}

// plotFamily draws each series on log-log axes into a PNG file.
func plotFamily(f *family, file string) error {
	p := plot.New()
	p.Title.Text = f.name + ": " + f.unit + " by population size"
	p.X.Label.Text = "volunteers"
	p.Y.Label.Text = f.unit
	p.X.Scale = plot.LogScale{}
	p.Y.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Top = true
	p.Legend.Left = true
	var args []any
	for _, v := range f.order {
		var xys plotter.XYs
		for _, n := range f.sizes {
			if y, ok := f.series[v][n]; ok && y > 0 {
				xys = append(xys, plotter.XY{X: float64(n), Y: y})
			}
		}
		if len(xys) > 0 {
			args = append(args, v, xys)
		}
	}
	if err := plotutil.AddLinePoints(p, args...); err != nil {
		return err
	}
	return p.Save(6*vg.Inch, 4*vg.Inch, file)
}
