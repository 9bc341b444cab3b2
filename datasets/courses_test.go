package datasets_test

import (
	"encoding/json"
	"testing"

	"volmatch/datasets"
	"volmatch/taxonomy"
)

// TestCourses: the library has two valid courses per training of the
// taxonomy, sessions inside the period, and the same options give the
// same library.
func TestCourses(t *testing.T) {
	o := datasets.GenOptions{Volunteers: 10, Needs: 10, Seed: 5, Weeks: 2}
	pop := datasets.Generate(o)
	a, b := datasets.Courses(o, pop), datasets.Courses(o, pop)
	tax := taxonomy.Load()
	if len(a) != 2*len(tax.Trainings()) {
		t.Fatalf("Courses = %d, want %d", len(a), 2*len(tax.Trainings()))
	}
	end := datasets.DefaultStart.AddDate(0, 0, 14)
	for _, c := range a {
		if err := c.Validate(); err != nil {
			t.Errorf("course %s: %v", c.ID, err)
		}
		if !tax.HasTraining(c.Training) || !tax.Has(c.Domain) {
			t.Errorf("course %s: training %q or domain %q unknown", c.ID, c.Training, c.Domain)
		}
		for _, s := range c.Sessions {
			if s.Start.Before(datasets.DefaultStart) || !s.Start.Before(end) {
				t.Errorf("course %s session %s starts %v, outside the period", c.ID, s.ID, s.Start)
			}
		}
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("Courses is not deterministic")
	}
}
