package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CheckInKeyEnv names the environment variable holding the key that signs
// the volunteers' check-in QR codes (engine.Options.CheckInKey), hex, at
// least 32 bytes: every replica of a shared (Redis) deployment must be
// given the same. When it is not set, the key is kept in the file
// checkin.key of the data folder, made at first start.
const CheckInKeyEnv = "VOLMATCH_CHECKIN_KEY"

// minCheckInKey is the least key length in bytes.
const minCheckInKey = 32

// checkInKey returns the check-in key: from CheckInKeyEnv, else from
// dir/checkin.key (made, readable by the owner only, when missing).
func checkInKey(dir string) ([]byte, error) {
	if v := strings.TrimSpace(os.Getenv(CheckInKeyEnv)); v != "" {
		k, err := hex.DecodeString(v)
		if err != nil || len(k) < minCheckInKey {
			return nil, fmt.Errorf("%s must be at least %d bytes in hex (`openssl rand -hex 32`)", CheckInKeyEnv, minCheckInKey)
		}
		return k, nil
	}
	path := filepath.Join(dir, "checkin.key")
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) < minCheckInKey {
			return nil, fmt.Errorf("check-in key %s is damaged: remove it to make a new one (the QR codes shown so far stop working)", path)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read the check-in key: %w", err)
	}
	k := make([]byte, minCheckInKey)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("make the data folder: %w", err)
	}
	// O_EXCL: of two processes starting at once, one makes the key and the
	// other reads it.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return checkInKey(dir)
	} else if err != nil {
		return nil, fmt.Errorf("write the check-in key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(k) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write the check-in key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write the check-in key: %w", err)
	}
	return k, nil
}
