package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"volmatch"
	"volmatch/datasets"
)

func init() { register(newExportCmd) }

// newExportCmd is `volmatch export`: it writes one kind of record from the
// store as JSONL or CSV, in ID order.
func newExportCmd(e *env) *cobra.Command {
	var (
		cfg               storeConfig
		kind, format, out string
	)
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export volunteers or needs (JSONL or CSV), pools or stations (JSONL) from the store",
		Example: `  volmatch export --data data --kind volunteers --format csv --out volunteers.csv
  volmatch export --data data --kind needs > needs.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("format") && strings.EqualFold(filepath.Ext(out), ".csv") {
				format = datasets.FormatCSV
			}
			switch kind {
			case datasets.KindVolunteers, datasets.KindNeeds:
				if format != datasets.FormatJSONL && format != datasets.FormatCSV {
					return fmt.Errorf("export: --format must be jsonl or csv, got %q", format)
				}
			case datasets.KindPools, datasets.KindStations:
				if format != datasets.FormatJSONL {
					return fmt.Errorf("export: %s are exported as jsonl only", kind)
				}
			default:
				return fmt.Errorf("export: --kind must be volunteers, needs, pools or stations, got %q", kind)
			}
			ctx := cmd.Context()
			st, err := openStoreConfig(ctx, cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			write := func(w io.Writer) (int, error) { return exportKind(ctx, st, kind, format, w) }
			var n int
			if out == "" {
				bw := bufio.NewWriter(e.stdout)
				if n, err = write(bw); err == nil {
					err = bw.Flush()
				}
			} else {
				n, err = writeFileAtomic(out, write)
			}
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			fmt.Fprintf(e.stderr, "exported %d %s\n", n, kind)
			return nil
		},
	}
	addStoreFlags(cmd, &cfg)
	cmd.Flags().StringVar(&kind, "kind", "", "volunteers, needs, pools or stations")
	cmd.Flags().StringVar(&format, "format", datasets.FormatJSONL, "jsonl or csv (csv for volunteers and needs; default csv when --out ends in .csv)")
	cmd.Flags().StringVar(&out, "out", "", "file to write (default: standard output)")
	_ = cmd.MarkFlagRequired("kind")
	return cmd
}

func exportKind(ctx context.Context, st volmatch.Store, kind, format string, w io.Writer) (int, error) {
	switch kind {
	case datasets.KindVolunteers:
		var vs []*volmatch.Volunteer
		if err := st.EachVolunteer(ctx, func(v *volmatch.Volunteer) error { vs = append(vs, v); return nil }); err != nil {
			return 0, err
		}
		return len(vs), datasets.WriteVolunteers(w, format, vs)
	case datasets.KindNeeds:
		var ns []*volmatch.Need
		if err := st.EachNeed(ctx, func(n *volmatch.Need) error { ns = append(ns, n); return nil }); err != nil {
			return 0, err
		}
		return len(ns), datasets.WriteNeeds(w, format, ns)
	case datasets.KindPools:
		ps, err := allPages(ctx, st.Pools)
		if err != nil {
			return 0, err
		}
		return len(ps), datasets.WritePools(w, ps)
	default:
		ss, err := allPages(ctx, st.Stations)
		if err != nil {
			return 0, err
		}
		return len(ss), datasets.WriteStations(w, ss)
	}
}

// allPages reads every page of a listing in order.
func allPages[T any](ctx context.Context, list func(context.Context, volmatch.ListOptions) ([]*T, string, error)) ([]*T, error) {
	var all []*T
	for after := ""; ; {
		page, next, err := list(ctx, volmatch.ListOptions{After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			return all, nil
		}
		after = next
	}
}

// writeFileAtomic writes path through a temporary file in the same folder,
// so that a failed export leaves no half file.
func writeFileAtomic(path string, write func(io.Writer) (int, error)) (int, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	n, err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return n, os.Rename(tmp.Name(), path)
}
