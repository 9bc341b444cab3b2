package volmatch_test

import (
	"encoding/json"
	"testing"
	"time"

	"volmatch"
)

// TestEventTypeOf checks the head read against json.Marshal of events of
// every field order's worth of content, and that anything else is refused
// rather than misread.
func TestEventTypeOf(t *testing.T) {
	for _, ev := range []volmatch.Event{
		{Seq: 0, Type: volmatch.EventMatchShown},
		{Seq: 18446744073709551615, Type: volmatch.EventWeightsAdopted, Need: `N","type":"x`},
		{Seq: 7, Type: "odd type with spaces"},
	} {
		raw, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range []struct {
			t  volmatch.EventType
			ok bool
		}{tuple(volmatch.EventTypeOf(raw)), tuple(volmatch.EventTypeOf(string(raw)))} {
			if !got.ok || got.t != ev.Type {
				t.Errorf("EventTypeOf(%s) = %q, %v; want %q", raw, got.t, got.ok, ev.Type)
			}
		}
	}
	for _, raw := range []string{``, `{"seq":`, `{"seq":1`, `{"seq":,"type":"a"}`, `{"type":"a","seq":1}`,
		`{"seq":1,"type":"a\"b"}`, `{"seq":1,"type":"unterminated`, ` {"seq":1,"type":"a"}`, `{"seq":1, "type":"a"}`} {
		if typ, ok := volmatch.EventTypeOf(raw); ok {
			t.Errorf("EventTypeOf(%s) = %q, true; want false", raw, typ)
		}
	}
}

func tuple(t volmatch.EventType, ok bool) struct {
	t  volmatch.EventType
	ok bool
} {
	return struct {
		t  volmatch.EventType
		ok bool
	}{t, ok}
}

// TestPrepareEventsType refuses a type the stores could not index.
func TestPrepareEventsType(t *testing.T) {
	for _, typ := range []volmatch.EventType{`a"b`, `a\b`, "Upper", "空格", volmatch.EventType(make([]byte, 65))} {
		_, err := volmatch.PrepareEvents([]volmatch.Event{{Type: volmatch.EventMatchShown}, {Type: typ}}, time.Now())
		if volmatch.ErrorCode(err) != volmatch.EINVALID || volmatch.ErrorField(err) != "events[1].type" {
			t.Errorf("PrepareEvents(type %q) = %v, want EINVALID on events[1].type", typ, err)
		}
	}
	if _, err := volmatch.PrepareEvents([]volmatch.Event{{Type: "custom.kind_2-x"}}, time.Now()); err != nil {
		t.Errorf("PrepareEvents(custom.kind_2-x) = %v, want accepted", err)
	}
}
