package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	bbolt "go.etcd.io/bbolt"
)

// TestGroupedFailureAfterWrite: grouped writes run at once, some refusing
// before they write, some failing after they wrote (as an I/O error
// would). Each caller gets its own answer: the refused and the failed
// wrote nothing, every other write committed, whatever group it shared.
func TestGroupedFailureAfterWrite(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), FileName), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bucket := []byte("grouptest")
	if err := st.db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket(bucket); return err }); err != nil {
		t.Fatal(err)
	}
	errRefused, errBroken := errors.New("refused"), errors.New("broken after writing")
	const n = 300
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.updateGrouped(ctx, func(tx *bbolt.Tx) error {
				if i%7 == 3 {
					return refuse(errRefused)
				}
				if err := tx.Bucket(bucket).Put([]byte(fmt.Sprint(i)), []byte("x")); err != nil {
					return err
				}
				if i%11 == 5 {
					return errBroken
				}
				return nil
			})
		}()
	}
	wg.Wait()
	err = st.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		for i := range n {
			got := b.Get([]byte(fmt.Sprint(i))) != nil
			switch {
			case i%7 == 3:
				if !errors.Is(errs[i], errRefused) || got {
					t.Errorf("write %d refused: error %v, stored %v; want the refusal, nothing stored", i, errs[i], got)
				}
			case i%11 == 5:
				if !errors.Is(errs[i], errBroken) || got {
					t.Errorf("write %d broken: error %v, stored %v; want its error, nothing stored", i, errs[i], got)
				}
			default:
				if errs[i] != nil || !got {
					t.Errorf("write %d: error %v, stored %v; want success, stored", i, errs[i], got)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
