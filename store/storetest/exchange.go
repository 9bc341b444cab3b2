package storetest

import (
	"context"
	"testing"

	"volmatch"
)

func imported(key, vol string, hours float64) *volmatch.ImportedService {
	return &volmatch.ImportedService{Key: key, Volunteer: vol, Source: "天津志愿服务平台", SourceKey: "k1", Service: key,
		Org: "TJ1", OrgName: "和平区志愿者协会", Project: "P1", Title: "助老", Date: "2025-05-01", Hours: hours, ImportedAt: at(0), ImportedBy: "admin"}
}

// testImportServices: imported services are stored once by key, a
// second import adds only the new ones, listings are per volunteer in
// key order, and the same import run many times at once stores each
// service once.
func testImportServices(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	n, err := st.ImportServices(ctx, []*volmatch.ImportedService{imported("k1:S2", "V1", 2), imported("k1:S1", "V1", 3)})
	must(t, "ImportServices", err)
	if n != 2 {
		t.Errorf("ImportServices of 2 new = %d, want 2", n)
	}
	again := imported("k1:S1", "V1", 9) // the same service, altered: kept as first stored
	n, err = st.ImportServices(ctx, []*volmatch.ImportedService{again, imported("k1:S3", "V1", 1), imported("k1:S9", "V2", 1)})
	must(t, "ImportServices again", err)
	if n != 2 {
		t.Errorf("ImportServices of 1 stored and 2 new = %d, want 2", n)
	}
	got, err := st.ImportedServices(ctx, "V1")
	must(t, "ImportedServices", err)
	if len(got) != 3 || got[0].Key != "k1:S1" || got[0].Hours != 3 || got[2].Key != "k1:S3" {
		t.Errorf("ImportedServices(V1) = %d, want k1:S1 (3 h), k1:S2, k1:S3", len(got))
	} else {
		sameJSON(t, "ImportedServices(V1)[0]", got[0], imported("k1:S1", "V1", 3))
	}
	var batch []*volmatch.ImportedService
	for _, k := range []string{"k2:A", "k2:B", "k2:C", "k2:D"} {
		batch = append(batch, imported(k, "V3", 1))
	}
	counts := make([]int, 10)
	errs := race(len(counts), func(i int) error {
		var err error
		counts[i], err = st.ImportServices(ctx, batch)
		return err
	})
	total := 0
	for i, err := range errs {
		must(t, "concurrent ImportServices", err)
		total += counts[i]
	}
	if total != len(batch) {
		t.Errorf("10 concurrent imports of %d services stored %d, want each once", len(batch), total)
	}
	got, err = st.ImportedServices(ctx, "V3")
	must(t, "ImportedServices", err)
	if len(got) != len(batch) {
		t.Errorf("ImportedServices(V3) = %d, want %d", len(got), len(batch))
	}
}
