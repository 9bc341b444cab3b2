package datasets_test

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"volmatch"
	"volmatch/datasets"
)

// The instance fuzz targets read any bytes as an OR-Library or DIMACS file.
// The property: no panic, an EINVALID error naming a line or an instance
// that is consistent with its file (every index in range) and that reads
// back the same when written out again; memory stays bounded by the file,
// whatever size its header declares. Seeds are in testdata/fuzz.

var orlibFormats = []datasets.ORLibFormat{datasets.ORLibAuto, datasets.ORLibDense, datasets.ORLibSparse}

func FuzzReadORLib(f *testing.F) {
	f.Add(uint8(0), []byte("2\n1 2\n3 4\n"))
	f.Add(uint8(2), []byte("2\n1 1 5\n2 2 1\n"))
	f.Add(uint8(1), []byte("1048576\n"))
	f.Fuzz(func(t *testing.T, format uint8, data []byte) {
		fm := orlibFormats[int(format)%len(orlibFormats)]
		inst, err := datasets.ReadORLib(bytes.NewReader(data), fm)
		if err != nil {
			checkLineError(t, "ReadORLib", err)
			return
		}
		if inst.N < 1 || (inst.Format != datasets.ORLibDense && inst.Format != datasets.ORLibSparse) {
			t.Fatalf("ReadORLib = n %d format %q", inst.N, inst.Format)
		}
		if inst.Format == datasets.ORLibDense && len(inst.Arcs) != inst.N*inst.N {
			t.Fatalf("ReadORLib dense n %d = %d arcs, want %d", inst.N, len(inst.Arcs), inst.N*inst.N)
		}
		for _, a := range inst.Arcs {
			if a.Worker < 0 || a.Worker >= inst.N || a.Job < 0 || a.Job >= inst.N {
				t.Fatalf("ReadORLib n %d: arc %+v out of range", inst.N, a)
			}
		}
		again, err := datasets.ReadORLib(strings.NewReader(writeORLib(inst)), inst.Format)
		if err != nil {
			t.Fatalf("ReadORLib(written instance) = %v", err)
		}
		if !reflect.DeepEqual(inst, again) {
			t.Fatalf("ReadORLib(written instance) = %+v, want %+v", again, inst)
		}
	})
}

func FuzzReadDIMACS(f *testing.F) {
	f.Add([]byte("c tiny\np min 2 1\nn 1 3\nn 2 -3\na 1 2 0 5 7\n"))
	f.Add([]byte("p min 1073741824 2147483647\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		inst, err := datasets.ReadDIMACS(bytes.NewReader(data))
		if err != nil {
			checkLineError(t, "ReadDIMACS", err)
			return
		}
		if inst.Nodes < 0 || len(inst.Supply) != inst.Nodes {
			t.Fatalf("ReadDIMACS = %d nodes, %d supplies", inst.Nodes, len(inst.Supply))
		}
		for _, a := range inst.Arcs {
			if a.From < 0 || a.From >= inst.Nodes || a.To < 0 || a.To >= inst.Nodes || a.Lower < 0 || a.Upper < a.Lower {
				t.Fatalf("ReadDIMACS %d nodes: bad arc %+v", inst.Nodes, a)
			}
		}
		again, err := datasets.ReadDIMACS(strings.NewReader(writeDIMACS(inst)))
		if err != nil {
			t.Fatalf("ReadDIMACS(written instance) = %v", err)
		}
		if !reflect.DeepEqual(inst, again) {
			t.Fatalf("ReadDIMACS(written instance) = %+v, want %+v", again, inst)
		}
	})
}

// checkLineError checks that a reader's refusal is EINVALID and names a line,
// unless it is about the file as a whole.
func checkLineError(t *testing.T, fn string, err error) {
	t.Helper()
	msg := err.Error()
	if volmatch.ErrorCode(err) != volmatch.EINVALID {
		t.Fatalf("%s error %q: code %q, want %q", fn, msg, volmatch.ErrorCode(err), volmatch.EINVALID)
	}
	if !strings.Contains(msg, "line ") && !strings.Contains(msg, "empty") && !strings.Contains(msg, "no problem line") {
		t.Fatalf("%s error %q names no line", fn, msg)
	}
}

func writeORLib(inst *datasets.AssignmentInstance) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", inst.N)
	for k, a := range inst.Arcs {
		if inst.Format == datasets.ORLibDense {
			sep := " "
			if (k+1)%inst.N == 0 {
				sep = "\n"
			}
			fmt.Fprintf(&b, "%d%s", a.Cost, sep)
			continue
		}
		fmt.Fprintf(&b, "%d %d %d\n", a.Worker+1, a.Job+1, a.Cost)
	}
	return b.String()
}

func writeDIMACS(inst *datasets.FlowInstance) string {
	var b strings.Builder
	fmt.Fprintf(&b, "p min %d %d\n", inst.Nodes, len(inst.Arcs))
	for v, s := range inst.Supply {
		if s != 0 {
			fmt.Fprintf(&b, "n %d %d\n", v+1, s)
		}
	}
	for _, a := range inst.Arcs {
		fmt.Fprintf(&b, "a %d %d %d %d %d\n", a.From+1, a.To+1, a.Lower, a.Upper, a.Cost)
	}
	return b.String()
}
