package datasets

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"volmatch/taxonomy"
)

// File names of a population directory.
const (
	VolunteersFile = "volunteers.jsonl"
	NeedsFile      = "needs.jsonl"
	PoolsFile      = "pools.jsonl"
	StationsFile   = "stations.jsonl"
	TeamsFile      = "teams.jsonl"
)

// writeJSONL writes one JSON object per line, without HTML escaping so
// that Chinese text and '<' stay readable.
func writeJSONL[T any](w io.Writer, xs []T) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, x := range xs {
		if err := enc.Encode(x); err != nil {
			return fmt.Errorf("datasets: write jsonl: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("datasets: write jsonl: %w", err)
	}
	return nil
}

// WriteDir writes a population as volunteers.jsonl, needs.jsonl,
// pools.jsonl, stations.jsonl and teams.jsonl in dir, creating dir if needed. Each file
// is written to a temporary name and renamed, so a reader never sees half a
// file.
func WriteDir(dir string, p *Population) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("datasets: create %s: %w", dir, err)
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{VolunteersFile, func(w io.Writer) error { return writeJSONL(w, p.Volunteers) }},
		{NeedsFile, func(w io.Writer) error { return writeJSONL(w, p.Needs) }},
		{PoolsFile, func(w io.Writer) error { return writeJSONL(w, p.Pools) }},
		{StationsFile, func(w io.Writer) error { return writeJSONL(w, p.Stations) }},
		{TeamsFile, func(w io.Writer) error { return writeJSONL(w, p.Teams) }},
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.write); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("datasets: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("datasets: write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("datasets: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("datasets: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("datasets: write %s: %w", path, err)
	}
	return nil
}

// ReadDir reads the files that WriteDir writes, validating every record as
// an import does (against the embedded taxonomy). A missing file reads as no
// records; any bad row rejects the directory with an *ImportError.
func ReadDir(dir string) (*Population, error) {
	tax := taxonomy.Load()
	var b Batch
	for _, name := range []string{VolunteersFile, NeedsFile, PoolsFile, StationsFile, TeamsFile} {
		got, err := ReadFile(filepath.Join(dir, name), tax.Has)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		b.Add(got)
	}
	return &Population{Volunteers: b.Volunteers, Needs: b.Needs, Pools: b.Pools, Stations: b.Stations, Teams: b.Teams}, nil
}

// Batch returns the population as an import batch.
func (p *Population) Batch() *Batch {
	return &Batch{Volunteers: p.Volunteers, Needs: p.Needs, Pools: p.Pools, Stations: p.Stations, Teams: p.Teams}
}
