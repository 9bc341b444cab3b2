package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"volmatch"
	"volmatch/datasets"
	"volmatch/index"
	"volmatch/store/bolt"
	"volmatch/taxonomy"
)

// TestImportBuildsIndex imports a population and checks that the search
// index under the data folder holds every volunteer and need at the store's
// last change, so that a start only opens it; then that a second import
// over a store changed behind the index's back still leaves the index
// complete.
func TestImportBuildsIndex(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	pop, data := filepath.Join(tmp, "pop"), filepath.Join(tmp, "data")
	runOK(t, "gen", "--volunteers", "300", "--needs", "20", "--seed", "5", "--out", pop)
	files := func() []string {
		args := []string{"import", "--data", data}
		for _, f := range []string{datasets.VolunteersFile, datasets.NeedsFile, datasets.PoolsFile, datasets.StationsFile} {
			args = append(args, filepath.Join(pop, f))
		}
		return args
	}
	check := func(when string, wantVols, wantNeeds uint64) {
		t.Helper()
		st, err := openStore(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		last, err := st.LastChange(ctx)
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		tx, err := index.Open(filepath.Join(data, "index"), index.Options{Synonyms: taxonomy.Load().SynonymGroups(), Labels: taxonomy.Load().Labels()})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Close()
		seq, err := tx.Seq()
		if err != nil || seq != last {
			t.Errorf("%s: index Seq() = %d, %v; want the store's last change %d", when, seq, err, last)
		}
		needs, vols, err := tx.Count(ctx)
		if err != nil || vols != wantVols || needs != wantNeeds {
			t.Errorf("%s: index holds %d volunteers, %d needs (%v); want %d, %d", when, vols, needs, err, wantVols, wantNeeds)
		}
	}
	out, _ := runOK(t, files()...)
	if !strings.Contains(out, "imported 300 volunteers, 20 needs") {
		t.Errorf("import printed %q", out)
	}
	check("after the first import", 300, 20)

	// A start finds the index complete: no rebuild, nothing to catch up.
	var logs bytes.Buffer
	svc, err := wire(ctx, wireOptions{Store: storeConfig{DataDir: data}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "rebuilt") || !strings.Contains(logs.String(), "caught_up=0") {
		t.Errorf("start after import did more than open the index; logs:\n%s", logs.String())
	}
	// A write the index does not see (serve is stopped before it follows).
	v := &volmatch.Volunteer{ID: "EXTRA1", Name: "王芳", Home: volmatch.Point{Lat: 39.9, Lng: 116.4}, MaxTravelKm: 5}
	if err := svc.store.CreateVolunteer(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}

	runOK(t, files()...) // the index is behind: import brings it up to date
	check("after a second import", 301, 20)
}

// TestImportTeams: gen writes teams.jsonl and import stores the teams;
// a team naming an unregistered volunteer is refused and the import's
// other writes are undone.
func TestImportTeams(t *testing.T) {
	dir := t.TempDir()
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 600, Needs: 5, Seed: 3, Start: datasets.DefaultStart, Weeks: 1})
	if len(pop.Teams) == 0 {
		t.Fatal("the generated city has no teams")
	}
	if err := datasets.WriteDir(dir, pop); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "data")
	var out, errb bytes.Buffer
	files := []string{filepath.Join(dir, datasets.VolunteersFile), filepath.Join(dir, datasets.TeamsFile)}
	if code := run(append([]string{"import", "--data", data, "--no-index"}, files...), &out, &errb); code != 0 {
		t.Fatalf("import = %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), fmt.Sprintf(", %d teams", len(pop.Teams))) {
		t.Errorf("import said %q, want the teams counted", out.String())
	}
	st, err := bolt.Open(filepath.Join(data, bolt.FileName), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := st.Teams(context.Background(), volmatch.TeamFilter{ListOptions: volmatch.ListOptions{Limit: 1000}})
	st.Close()
	if err != nil || len(got) != len(pop.Teams) {
		t.Fatalf("stored %d teams (%v), want %d", len(got), err, len(pop.Teams))
	}

	bad := filepath.Join(t.TempDir(), "teams-bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"id":"TX","name":"队","org":"O1","leader":"nobody","members":["nobody","BJ00000001"],"district":"110105","street":"110105001000"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := run([]string{"import", "--data", data, "--no-index", bad}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "members[0]") {
		t.Errorf("import of a team with an unregistered member = %d: %s; want a refusal naming members[0]", code, errb.String())
	}
}
