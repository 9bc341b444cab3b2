package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckInKey: the key comes from the environment when set (hex, 32
// bytes at least), else from checkin.key in the data folder, made once with
// mode 0600 and read back the same; a damaged file or a weak value is
// refused rather than replaced.
func TestCheckInKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	t.Setenv(CheckInKeyEnv, "")
	k1, err := checkInKey(dir)
	if err != nil || len(k1) != minCheckInKey {
		t.Fatalf("first start: %d bytes, %v", len(k1), err)
	}
	st, err := os.Stat(filepath.Join(dir, "checkin.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("checkin.key: %v, %v; want mode 0600", st, err)
	}
	k2, err := checkInKey(dir)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second start gave another key (%v)", err)
	}
	hex64 := strings.Repeat("ab", 32)
	for _, c := range []struct {
		name, env string
		ok        bool
	}{
		{"a good value", hex64, true},
		{"too short", "abcd", false},
		{"not hex", strings.Repeat("zz", 32), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(CheckInKeyEnv, c.env)
			k, err := checkInKey(dir)
			if (err == nil) != c.ok || c.ok && len(k) != 32 {
				t.Errorf("checkInKey with %s = %d bytes, %v", c.name, len(k), err)
			}
		})
	}
	t.Setenv(CheckInKeyEnv, "")
	if err := os.WriteFile(filepath.Join(dir, "checkin.key"), []byte("damaged\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := checkInKey(dir); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("a damaged key file: %v, want it refused", err)
	}
}
