package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Result is one benchmark's samples: every value it reported, by unit, over
// the runs (-count) in the input.
type Result struct {
	Pkg  string
	Name string // without the "Benchmark" prefix and the -GOMAXPROCS suffix
	Step string // the bench.sh step that measured it ("" when not marked)
	Runs int
	// Values holds the samples by unit, in input order.
	Values map[string][]float64
	units  []string // in first-seen order
}

// Path is the name split at "/": the benchmark, then its sub-benchmarks.
func (r *Result) Path() []string { return strings.Split(r.Name, "/") }

// Median is the median sample of unit, and whether there is one.
func (r *Result) Median(unit string) (float64, bool) {
	vs := r.Values[unit]
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// Units are the units the benchmark reported, in the order first seen.
func (r *Result) Units() []string { return r.units }

// Input is a parsed benchmark output.
type Input struct {
	CPU     string
	GOOS    string
	GOARCH  string
	Results []*Result // in first-seen order
	// Loads holds the load average (1, 5 and 15 minutes, as /proc/loadavg
	// gives them) at the start and the end of each bench.sh step.
	Loads  map[string]*StepLoad
	byName map[string]*Result
}

// StepLoad is the machine's load average around one step of bench.sh.
type StepLoad struct{ Start, End string }

// stepLine matches the lines bench.sh writes around each step:
//
//	# step rank: load average 0.46 0.33 1.22
//	# step rank done: load average 2.01 1.10 1.30
//
// (a "#" line is no configuration line to benchstat, which skips it).
var stepLine = regexp.MustCompile(`^# step (\S+?)( done)?: load average (\S+ \S+ \S+)$`)

// Find returns the result whose name is name, or ends in "/"+name, in any
// package.
func (in *Input) Find(name string) *Result {
	if r, ok := in.byName[name]; ok {
		return r
	}
	for _, r := range in.Results {
		if strings.HasSuffix(r.Name, "/"+name) {
			return r
		}
	}
	return nil
}

// Parse reads benchmark output in the standard format. Lines that are not
// results or known headers (test logs, PASS, ok) are skipped.
func Parse(rd io.Reader) (*Input, error) {
	in := &Input{byName: map[string]*Result{}, Loads: map[string]*StepLoad{}}
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	pkg, step := "", ""
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if m := stepLine.FindStringSubmatch(text); m != nil {
			step = m[1]
			l := in.Loads[step]
			if l == nil {
				l = &StepLoad{}
				in.Loads[step] = l
			}
			if m[2] == "" {
				l.Start = m[3]
			} else {
				l.End, step = m[3], ""
			}
			continue
		}
		switch {
		case strings.HasPrefix(text, "pkg:"):
			pkg = strings.TrimSpace(strings.TrimPrefix(text, "pkg:"))
			continue
		case strings.HasPrefix(text, "cpu:"):
			in.CPU = strings.TrimSpace(strings.TrimPrefix(text, "cpu:"))
			continue
		case strings.HasPrefix(text, "goos:"):
			in.GOOS = strings.TrimSpace(strings.TrimPrefix(text, "goos:"))
			continue
		case strings.HasPrefix(text, "goarch:"):
			in.GOARCH = strings.TrimSpace(strings.TrimPrefix(text, "goarch:"))
			continue
		case !strings.HasPrefix(text, "Benchmark"):
			continue
		}
		f := strings.Fields(text)
		if len(f) < 4 || len(f)%2 != 0 {
			continue // a benchmark's own log line, or a name without results yet
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		key := name
		if pkg != "" && in.byName[name] != nil && in.byName[name].Pkg != pkg {
			key = pkg + "." + name
		}
		r := in.byName[key]
		if r == nil {
			r = &Result{Pkg: pkg, Name: name, Step: step, Values: map[string][]float64{}}
			in.byName[key] = r
			in.Results = append(in.Results, r)
		}
		r.Runs++
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: value %q of %s: %w", line, f[i], f[0], err)
			}
			unit := f[i+1]
			if _, ok := r.Values[unit]; !ok {
				r.units = append(r.units, unit)
			}
			r.Values[unit] = append(r.Values[unit], v)
		}
	}
	return in, sc.Err()
}

// lowerIsBetter reports whether smaller values of unit are better: times,
// bytes and allocations; rates ("/s") are higher-is-better.
func lowerIsBetter(unit string) bool {
	return !strings.HasSuffix(unit, "/s") && !strings.HasPrefix(unit, "ratio")
}

// isTime reports whether unit is a duration, and its factor to milliseconds.
func isTime(unit string) (float64, bool) {
	switch {
	case unit == "ns/op":
		return 1e-6, true
	case strings.HasSuffix(unit, "-ms") || unit == "ms/op" || unit == "ms":
		return 1, true
	case strings.HasSuffix(unit, "-s") || unit == "s/op" || unit == "s":
		return 1000, true
	}
	return 0, false
}
