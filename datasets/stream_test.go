package datasets

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"volmatch/taxonomy"
)

// jsonlVolunteers returns n volunteer lines; bad maps a 0-based line to a
// replacement line.
func jsonlVolunteers(n int, bad map[int]string) string {
	var b strings.Builder
	for i := range n {
		if l, ok := bad[i]; ok {
			b.WriteString(l + "\n")
			continue
		}
		fmt.Fprintf(&b, `{"id":"V%05d","name":"王芳","home":{"lat":39.9,"lng":116.4},"max_travel_km":5,"skills":[{"skill":"first_aid","level":1}]}`+"\n", i)
	}
	return b.String()
}

func volunteerIDs(b *Batch) []string {
	var ids []string
	for _, v := range b.Volunteers {
		ids = append(ids, v.ID)
	}
	return ids
}

// TestStreamMatchesRead checks that the parallel stream gives what one
// reader gives: the same records in file order, in chunks of at most Chunk,
// and for a bad file the same bad rows in row order, with no record passed
// on after the first bad row.
func TestStreamMatchesRead(t *testing.T) {
	known := taxonomy.Load().Has
	cases := []struct {
		name string
		body string
	}{
		{"clean", jsonlVolunteers(3000, nil)},
		{"bad rows in several blocks", jsonlVolunteers(3000, map[int]string{
			700:  `{"id":"X1","name":"","home":{"lat":39.9,"lng":116.4}}`,       // no name
			1500: `{"id":"V00003","name":"李明","home":{"lat":39.9,"lng":116.4}}`, // duplicate of row 4
			2999: `{"id":"X2",`,                                                 // broken JSON
			2100: `{"id":"X3","name":"张伟","home":{"lat":39.9,"lng":116.4},"colour":"red"}`,
		})},
		{"too many bad rows", jsonlVolunteers(3000, func() map[int]string {
			m := map[int]string{}
			for i := 100; i < 100+MaxRowErrors+200; i++ {
				m[i] = `{"id":"Y","name":""}`
			}
			return m
		}())},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, wantErr := Read(strings.NewReader(c.body), "volunteers.jsonl", known)
			for _, workers := range []int{1, 4} {
				var got []string
				var sizes []int
				err := Stream(strings.NewReader(c.body), "volunteers.jsonl", known,
					StreamOptions{Chunk: 700, Workers: workers}, func(b *Batch) error {
						got = append(got, volunteerIDs(b)...)
						sizes = append(sizes, b.Len())
						return nil
					})
				var wie, gie *ImportError
				switch {
				case errors.As(wantErr, &wie):
					if !errors.As(err, &gie) || !slices.Equal(gie.Rows, wie.Rows) {
						t.Fatalf("Stream(workers %d) = %v, want the rows of Read:\n%v", workers, err, wantErr)
					}
					first := wie.Rows[0].Row
					if len(got) >= first {
						t.Errorf("Stream(workers %d) passed on %d records, want fewer than the first bad row %d", workers, len(got), first)
					}
				case wantErr != nil:
					t.Fatal(wantErr)
				default:
					if err != nil {
						t.Fatalf("Stream(workers %d) = %v", workers, err)
					}
					if w := volunteerIDs(want); !slices.Equal(got, w) {
						t.Errorf("Stream(workers %d) gave %d records, Read %d, or in another order", workers, len(got), len(w))
					}
				}
				for _, n := range sizes {
					if n > 700 || n == 0 {
						t.Errorf("Stream(workers %d) chunk sizes %v, want 1..700", workers, sizes)
						break
					}
				}
			}
		})
	}
}

// TestStreamStopsOnCallbackError checks that an error of fn ends the
// stream and is returned as is.
func TestStreamStopsOnCallbackError(t *testing.T) {
	boom := errors.New("disk full")
	for _, name := range []string{"volunteers.jsonl", "volunteers.csv"} {
		body := jsonlVolunteers(5000, nil)
		if strings.HasSuffix(name, ".csv") {
			var b strings.Builder
			b.WriteString("id,name,lat,lng\n")
			for i := range 5000 {
				fmt.Fprintf(&b, "V%05d,王芳,39.9,116.4\n", i)
			}
			body = b.String()
		}
		calls := 0
		err := Stream(strings.NewReader(body), name, nil, StreamOptions{Chunk: 100}, func(*Batch) error {
			calls++
			if calls == 3 {
				return boom
			}
			return nil
		})
		if !errors.Is(err, boom) || calls != 3 {
			t.Errorf("Stream(%s) with a failing fn = %v after %d calls, want %v after 3", name, err, calls, boom)
		}
	}
}
