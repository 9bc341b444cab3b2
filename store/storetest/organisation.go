package storetest

import (
	"context"
	"fmt"
	"testing"

	"volmatch"
)

// testOrganisations: create, read, list in pages, and the refusals (an
// existing ID, a record that fails Validate, a missing one); an
// organisation writes no change (no index follows organisations).
func testOrganisations(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	before, err := st.LastChange(ctx)
	must(t, "LastChange", err)
	for i := range 3 {
		o := &volmatch.Organisation{ID: fmt.Sprintf("O%d", i+1), Name: fmt.Sprintf("社区%d", i+1), District: "110105", CreatedAt: at(float64(i))}
		must(t, "CreateOrganisation", st.CreateOrganisation(ctx, o))
	}
	got, err := st.Organisation(ctx, "O2")
	must(t, "Organisation", err)
	sameJSON(t, "Organisation(O2)", got, &volmatch.Organisation{ID: "O2", Name: "社区2", District: "110105", CreatedAt: at(1)})

	wantCode(t, "CreateOrganisation with an existing ID",
		st.CreateOrganisation(ctx, &volmatch.Organisation{ID: "O1", Name: "另一个"}), volmatch.ECONFLICT)
	wantCode(t, "CreateOrganisation without a name",
		st.CreateOrganisation(ctx, &volmatch.Organisation{ID: "O9"}), volmatch.EINVALID)
	_, err = st.Organisation(ctx, "O9")
	wantCode(t, "Organisation(refused)", err, volmatch.ENOTFOUND)

	page, next, err := st.Organisations(ctx, volmatch.ListOptions{Limit: 2})
	must(t, "Organisations page 1", err)
	if len(page) != 2 || page[0].ID != "O1" || page[1].ID != "O2" || next != "O2" {
		t.Fatalf("Organisations(limit 2) = %d records, next %q; want O1, O2 and next O2", len(page), next)
	}
	page, next, err = st.Organisations(ctx, volmatch.ListOptions{After: next, Limit: 2})
	must(t, "Organisations page 2", err)
	if len(page) != 1 || page[0].ID != "O3" || next != "" {
		t.Fatalf("Organisations(after O2) = %d records, next %q; want O3 alone", len(page), next)
	}
	o := &volmatch.Organisation{ID: "O4", Name: "街道"}
	must(t, "CreateOrganisation without a time", st.CreateOrganisation(ctx, o))
	if o.CreatedAt.IsZero() {
		t.Errorf("CreateOrganisation left CreatedAt zero, want the store's now")
	}
	after, err := st.LastChange(ctx)
	must(t, "LastChange", err)
	if after != before {
		t.Errorf("organisations wrote changes %d..%d, want none", before, after)
	}
}
