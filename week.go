package volmatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/bits"
	"strings"
	"time"
)

// HoursPerWeek is the number of hour slots in a Week.
const HoursPerWeek = 168

// Week is a weekly availability pattern: bit h is hour h of the week in
// Beijing time, counted from Monday 00:00 (h = 24*weekday + hour, Monday = 0).
type Week [3]uint64

// HourOfWeek returns the hour of the week (0..167, Monday 00:00 = 0) of t in
// Beijing time.
func HourOfWeek(t time.Time) int {
	t = t.In(Beijing)
	wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
	return wd*24 + t.Hour()
}

// Set marks hour h available.
func (w *Week) Set(h int) { w[h/64] |= 1 << (uint(h) % 64) }

// Has reports whether hour h is available.
func (w Week) Has(h int) bool { return w[h/64]&(1<<(uint(h)%64)) != 0 }

// Count returns the number of available hours.
func (w Week) Count() int {
	return bits.OnesCount64(w[0]) + bits.OnesCount64(w[1]) + bits.OnesCount64(w[2])
}

// And returns the hours available in both.
func (w Week) And(o Week) Week { return Week{w[0] & o[0], w[1] & o[1], w[2] & o[2]} }

// Covers reports whether every hour of o is available in w.
func (w Week) Covers(o Week) bool {
	return w[0]&o[0] == o[0] && w[1]&o[1] == o[1] && w[2]&o[2] == o[2]
}

// ShiftHours returns the hours of the week touched by [start, end): every hour
// slot the interval overlaps. An interval of a week or more touches all.
func ShiftHours(start, end time.Time) Week {
	var w Week
	if !end.After(start) {
		return w
	}
	if end.Sub(start) >= 7*24*time.Hour {
		for h := 0; h < HoursPerWeek; h++ {
			w.Set(h)
		}
		return w
	}
	t := start.In(Beijing).Truncate(time.Hour)
	for ; t.Before(end); t = t.Add(time.Hour) {
		w.Set(HourOfWeek(t))
	}
	return w
}

// String renders the week as seven strings of 24 '0'/'1' characters joined
// by '|', Monday first: readable in JSON and CSV.
func (w Week) String() string {
	var b strings.Builder
	for d := 0; d < 7; d++ {
		if d > 0 {
			b.WriteByte('|')
		}
		for h := 0; h < 24; h++ {
			if w.Has(d*24 + h) {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
		}
	}
	return b.String()
}

// ParseWeek parses the form written by String.
func ParseWeek(s string) (Week, error) {
	var w Week
	if s == "" {
		return w, nil
	}
	days := strings.Split(s, "|")
	if len(days) != 7 {
		return w, fmt.Errorf("availability needs 7 days separated by '|', got %d", len(days))
	}
	for d, day := range days {
		if len(day) != 24 {
			return w, fmt.Errorf("availability day %d needs 24 characters of 0/1, got %d", d+1, len(day))
		}
		for h := 0; h < 24; h++ {
			switch day[h] {
			case '1':
				w.Set(d*24 + h)
			case '0':
			default:
				return w, fmt.Errorf("availability day %d hour %d: %q is not 0 or 1", d+1, h, day[h])
			}
		}
	}
	return w, nil
}

// MarshalJSON writes the week in its string form.
func (w Week) MarshalJSON() ([]byte, error) { return json.Marshal(w.String()) }

// UnmarshalJSON reads the string form.
func (w *Week) UnmarshalJSON(b []byte) error {
	// The stored form is a plain quoted string of 0, 1 and '|': read it
	// without the general string decoder (a city's worth of volunteers is
	// decoded at every start).
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && !bytes.ContainsAny(b[1:len(b)-1], "\\\"") {
		v, err := ParseWeek(string(b[1 : len(b)-1]))
		if err != nil {
			return err
		}
		*w = v
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("availability must be a string of 7 days of 24 0/1 characters separated by '|'")
	}
	v, err := ParseWeek(s)
	if err != nil {
		return err
	}
	*w = v
	return nil
}
