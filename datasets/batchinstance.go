package datasets

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"volmatch"
	"volmatch/matcher"
)

// BatchInstance is a batch-assignment instance in the JSON format of the
// shared overlap instances (../shared/data/overlap/README.md) and, when
// the file gives it, its proven optimum.
type BatchInstance struct {
	matcher.Instance
	// Optimum is the file's "optimum", nil when absent.
	Optimum *int64
}

// batchInstanceJSON is the file's layout: pairs are [volunteer, shift,
// gain] triples, times Unix seconds.
type batchInstanceJSON struct {
	MaxPerVolunteer *int       `json:"max_per_volunteer"`
	FairnessStep    int64      `json:"fairness_step"`
	Volunteers      []string   `json:"volunteers"`
	Shifts          []shiftJS  `json:"shifts"`
	Pairs           [][3]int64 `json:"pairs"`
	Optimum         *int64     `json:"optimum,omitempty"`
}

type shiftJS struct {
	ID    string `json:"id"`
	Start *int64 `json:"start"`
	End   *int64 `json:"end"`
	Slots *int   `json:"slots"`
}

// maxInstanceIndex bounds the indexes of a pair, so that they fit the
// solver's 32-bit numbering.
const maxInstanceIndex = 1 << 30

// ReadBatchInstance reads one JSON batch instance. Unknown fields, a
// missing max_per_volunteer, start, end or slots, and anything
// matcher.Instance.Check refuses are errors naming the field.
func ReadBatchInstance(r io.Reader) (BatchInstance, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f batchInstanceJSON
	if err := dec.Decode(&f); err != nil {
		return BatchInstance{}, volmatch.Errorf(volmatch.EINVALID, "batch instance: %v", err)
	}
	if f.MaxPerVolunteer == nil {
		return BatchInstance{}, volmatch.FieldError("max_per_volunteer", "is required")
	}
	in := matcher.Instance{MaxPerVolunteer: *f.MaxPerVolunteer, FairnessStep: f.FairnessStep, Volunteers: f.Volunteers}
	for i, s := range f.Shifts {
		field := fmt.Sprintf("shifts[%d]", i)
		switch {
		case s.Start == nil:
			return BatchInstance{}, volmatch.FieldError(field+".start", "is required")
		case s.End == nil:
			return BatchInstance{}, volmatch.FieldError(field+".end", "is required")
		case s.Slots == nil:
			return BatchInstance{}, volmatch.FieldError(field+".slots", "is required")
		}
		in.Shifts = append(in.Shifts, matcher.InstanceShift{ID: s.ID, Start: time.Unix(*s.Start, 0).UTC(), End: time.Unix(*s.End, 0).UTC(), Slots: *s.Slots})
	}
	for i, p := range f.Pairs {
		if p[0] < 0 || p[0] >= maxInstanceIndex || p[1] < 0 || p[1] >= maxInstanceIndex {
			return BatchInstance{}, volmatch.FieldError(fmt.Sprintf("pairs[%d]", i), "index out of range")
		}
		in.Pairs = append(in.Pairs, matcher.InstancePair{Volunteer: int(p[0]), Shift: int(p[1]), Gain: p[2]})
	}
	if err := in.Check(); err != nil {
		return BatchInstance{}, err
	}
	return BatchInstance{Instance: in, Optimum: f.Optimum}, nil
}

// WriteBatchInstance writes bi in the format ReadBatchInstance reads (one
// line of JSON; "optimum" only when bi.Optimum is set).
func WriteBatchInstance(w io.Writer, bi BatchInstance) error {
	f := batchInstanceJSON{MaxPerVolunteer: &bi.MaxPerVolunteer, FairnessStep: bi.FairnessStep,
		Volunteers: bi.Volunteers, Shifts: []shiftJS{}, Pairs: [][3]int64{}, Optimum: bi.Optimum}
	for _, s := range bi.Shifts {
		start, end, slots := s.Start.Unix(), s.End.Unix(), s.Slots
		f.Shifts = append(f.Shifts, shiftJS{ID: s.ID, Start: &start, End: &end, Slots: &slots})
	}
	for _, p := range bi.Pairs {
		f.Pairs = append(f.Pairs, [3]int64{int64(p.Volunteer), int64(p.Shift), p.Gain})
	}
	return json.NewEncoder(w).Encode(f)
}
