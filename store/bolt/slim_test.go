package bolt

import (
	"encoding/json"
	"reflect"
	"testing"

	fastjson "github.com/goccy/go-json"

	"volmatch"
	"volmatch/datasets"
)

// TestSlimDecodeEqualsStandard: the fast decoder of the slim walk reads every
// generated volunteer (with exceptions, certificates, consent, stats) exactly
// as encoding/json does, and skips the personal fields.
func TestSlimDecodeEqualsStandard(t *testing.T) {
	pop := datasets.Generate(datasets.GenOptions{Volunteers: 3000, Needs: 10, Seed: 5})
	for _, v := range pop.Volunteers {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var std, fast slimVolunteer
		if err := json.Unmarshal(raw, &std); err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		if err := fastjson.Unmarshal(raw, &fast); err != nil {
			t.Fatalf("go-json: %v", err)
		}
		if !reflect.DeepEqual(std, fast) {
			t.Fatalf("volunteer %s decodes differently:\nencoding/json %+v\ngo-json       %+v", v.ID, std.Volunteer, fast.Volunteer)
		}
		if v := fast.Volunteer; v.Name != "" || v.Phone != "" || v.Bio != "" || v.Hidden != nil {
			t.Fatalf("volunteer %s: slim decode kept personal fields", v.ID)
		}
	}
	// A record with escapes and an availability in its general form.
	var week volmatch.Week
	week.Set(9)
	week.Set(167)
	raw := []byte(`{"id":"V\u0031","skills":[{"skill":"first_aid","level":2}],"availability":"` +
		week.String() + `","bio":"a \"quoted\" bio"}`)
	var std, fast slimVolunteer
	if err := json.Unmarshal(raw, &std); err != nil {
		t.Fatal(err)
	}
	if err := fastjson.Unmarshal(raw, &fast); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(std, fast) || fast.ID != "V1" {
		t.Fatalf("escaped record: encoding/json %+v, go-json %+v", std.Volunteer, fast.Volunteer)
	}
}
