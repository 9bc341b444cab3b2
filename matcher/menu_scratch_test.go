package matcher_test

import (
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"volmatch"
	"volmatch/datasets"
	"volmatch/matcher"
	"volmatch/matcher/grid"
)

// TestMenuScratch: a menu built with a reused MenuScratch equals the menu
// built with none, whatever the scratch served before (other volunteers,
// other options, the exhaustive grid), and so do menus built at once by
// several goroutines sharing a sync.Pool of scratches (run with -race).
func TestMenuScratch(t *testing.T) {
	pop, sc, tax := menuPopulation(t, 120, 3000)
	idx := grid.NewShiftsOf(pop.Needs, grid.ShiftsOptions{})
	all := grid.AllShifts(pop.Needs)
	r := rand.New(rand.NewPCG(81, 82))
	opts := []matcher.MenuOptions{{}, {K: 3}, {K: 8, PerDomain: 2}, {K: 20, PerDomain: 1, PerNeed: 2}, {K: 40, PerDomain: 10, PerNeed: 3}}
	type job struct {
		v    *volmatch.Volunteer
		src  *grid.Shifts
		o    matcher.MenuOptions
		want matcher.ServiceMenu
	}
	var jobs []job
	for _, v := range pop.Volunteers {
		for k := 0; k < 2; k++ {
			o := opts[r.IntN(len(opts))]
			if r.IntN(3) > 0 {
				o.DomainOf = tax.DomainOf
			}
			if r.IntN(2) == 0 {
				o.Busy = randomBusy(r, v, pop.Needs)
			}
			if r.IntN(4) == 0 {
				o.After = datasets.DefaultStart.AddDate(0, 0, 5)
			}
			src := idx
			if r.IntN(5) == 0 {
				src = all
			}
			jobs = append(jobs, job{v, src, o, matcher.Menu(v, src, sc, o)})
		}
	}
	sp := &matcher.MenuScratch{}
	nonEmpty := 0
	for _, j := range jobs {
		o := j.o
		o.Scratch = sp
		if got := matcher.Menu(j.v, j.src, sc, o); !reflect.DeepEqual(got, j.want) {
			t.Fatalf("Menu(%s, %+v) with a reused scratch = %+v, want (no scratch) %+v", j.v.ID, j.o, got, j.want)
		}
		if len(j.want.Items) > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 50 {
		t.Errorf("only %d non-empty menus compared", nonEmpty)
	}

	pool := sync.Pool{New: func() any { return &matcher.MenuScratch{} }}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				j := jobs[(k*7+g*31)%len(jobs)]
				o := j.o
				o.Scratch = pool.Get().(*matcher.MenuScratch)
				got := matcher.Menu(j.v, j.src, sc, o)
				pool.Put(o.Scratch)
				if !reflect.DeepEqual(got, j.want) {
					errs <- j.v.ID
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for id := range errs {
		t.Errorf("Menu(%s) with a pooled scratch, 4 goroutines: differs from the menu with no scratch", id)
	}
}
