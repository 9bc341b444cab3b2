package datasets

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"volmatch"
	"volmatch/matcher/flow"
)

// FlowArc is an arc of a min-cost flow instance; From and To are 0-based.
type FlowArc struct {
	From, To     int
	Lower, Upper int64
	Cost         int64
}

// FlowInstance is a minimum-cost flow problem read from a DIMACS file.
type FlowInstance struct {
	Nodes  int
	Supply []int64 // by 0-based node: positive supply, negative demand
	Arcs   []FlowArc
}

// Graph returns the instance as a flow.Graph; arc k is Arcs[k].
func (f *FlowInstance) Graph() *flow.Graph {
	g := flow.NewGraph(f.Nodes)
	g.Grow(len(f.Arcs))
	for v, s := range f.Supply {
		g.SetSupply(v, s)
	}
	for _, a := range f.Arcs {
		g.AddArc(a.From, a.To, a.Lower, a.Upper, a.Cost)
	}
	return g
}

// ReadDIMACS reads a minimum-cost flow instance in the DIMACS format:
// "c" comment lines, one "p min NODES ARCS" line before the others,
// "n ID FLOW" node lines (positive FLOW a supply, negative a demand; a node
// listed twice adds up) and exactly ARCS "a FROM TO LOW CAP COST" arc lines,
// nodes numbered from 1. A malformed file gives an EINVALID error naming the
// line.
func ReadDIMACS(r io.Reader) (*FlowInstance, error) {
	inst, err := readDIMACS(r)
	if err != nil {
		return nil, fmt.Errorf("datasets: read DIMACS instance: %w", err)
	}
	return inst, nil
}

// maxFlowNodes and maxFlowArcs bound a DIMACS header, so that a short file
// cannot ask for gigabytes: the node supplies are allocated from the header
// (8 bytes a node, 128 MiB at most), the arcs only as their lines are read.
const (
	maxFlowNodes = 1 << 24
	maxFlowArcs  = 1<<31 - 1
)

func readDIMACS(r io.Reader) (*FlowInstance, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var inst *FlowInstance
	wantArcs := 0
	line := 0
	bad := func(format string, args ...any) error {
		return volmatch.Errorf(volmatch.EINVALID, "line %d: "+format, append([]any{line}, args...)...)
	}
	ints := func(fs []string) ([]int64, error) {
		out := make([]int64, len(fs))
		for i, f := range fs {
			v, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return nil, bad("%q is not an integer", f)
			}
			out[i] = v
		}
		return out, nil
	}
	node := func(v int64) (int, error) {
		if v < 1 || v > int64(inst.Nodes) {
			return 0, bad("node %d is outside 1..%d", v, inst.Nodes)
		}
		return int(v) - 1, nil
	}
	for sc.Scan() {
		line++
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 || fs[0] == "c" {
			continue
		}
		switch fs[0] {
		case "p":
			if inst != nil {
				return nil, bad("a second problem line")
			}
			if len(fs) != 4 || fs[1] != "min" {
				return nil, bad("want \"p min NODES ARCS\"")
			}
			v, err := ints(fs[2:])
			if err != nil {
				return nil, err
			}
			if v[0] < 0 || v[0] > maxFlowNodes || v[1] < 0 || v[1] > maxFlowArcs {
				return nil, bad("NODES must be in 0..%d and ARCS in 0..%d, got %d, %d", maxFlowNodes, maxFlowArcs, v[0], v[1])
			}
			// The arcs grow with the lines read, not with what the header
			// declares.
			inst = &FlowInstance{Nodes: int(v[0]), Supply: make([]int64, v[0]), Arcs: make([]FlowArc, 0, min(v[1], 1<<12))}
			wantArcs = int(v[1])
		case "n":
			if inst == nil {
				return nil, bad("node line before the problem line")
			}
			if len(fs) != 3 {
				return nil, bad("want \"n ID FLOW\"")
			}
			v, err := ints(fs[1:])
			if err != nil {
				return nil, err
			}
			id, err := node(v[0])
			if err != nil {
				return nil, err
			}
			sum := inst.Supply[id] + v[1]
			if (v[1] > 0 && sum < inst.Supply[id]) || (v[1] < 0 && sum > inst.Supply[id]) {
				return nil, bad("the flow of node %d overflows", v[0])
			}
			inst.Supply[id] = sum
		case "a":
			if inst == nil {
				return nil, bad("arc line before the problem line")
			}
			if len(fs) != 6 {
				return nil, bad("want \"a FROM TO LOW CAP COST\"")
			}
			v, err := ints(fs[1:])
			if err != nil {
				return nil, err
			}
			from, err := node(v[0])
			if err != nil {
				return nil, err
			}
			to, err := node(v[1])
			if err != nil {
				return nil, err
			}
			if v[2] < 0 {
				return nil, bad("negative lower bound %d", v[2])
			}
			if v[3] < v[2] {
				return nil, bad("capacity %d is below the lower bound %d", v[3], v[2])
			}
			if len(inst.Arcs) == wantArcs {
				return nil, bad("more arcs than the %d the problem line declares", wantArcs)
			}
			inst.Arcs = append(inst.Arcs, FlowArc{From: from, To: to, Lower: v[2], Upper: v[3], Cost: v[4]})
		default:
			return nil, bad("unknown line type %q (c, p, n or a)", fs[0])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if inst == nil {
		return nil, volmatch.Errorf(volmatch.EINVALID, "no problem line \"p min NODES ARCS\"")
	}
	if len(inst.Arcs) != wantArcs {
		return nil, volmatch.Errorf(volmatch.EINVALID, "line %d: the problem line declares %d arcs, found %d", line, wantArcs, len(inst.Arcs))
	}
	return inst, nil
}
