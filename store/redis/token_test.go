package redis_test

import (
	"context"
	"encoding/json"
	"testing"

	"volmatch"
	"volmatch/store/redis"
	"volmatch/store/redis/redistest"
	"volmatch/store/storetest"
)

// TestTokensIndexesOlderTokens: a token stored before the store kept the
// set of token hashes (only its key tok:HASH exists) is listed by Tokens,
// so that a changed VOLMATCH_ADMIN_TOKEN revokes an admin token created by
// an older version, and it can be deleted.
func TestTokensIndexesOlderTokens(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	st := openOn(t, srv, redis.Options{Namespace: "legacytok", Now: storetest.Now})
	old := volmatch.Token{Hash: volmatch.HashToken("old admin"), Role: volmatch.RoleAdmin, Name: "VOLMATCH_ADMIN_TOKEN", CreatedAt: epoch}
	raw, _ := json.Marshal(old)
	// The key as an older version wrote it: {namespace}:tok:HASH, no set.
	if err := st.Client().Set(ctx, "{legacytok}:tok:"+old.Hash, raw, 0).Err(); err != nil {
		t.Fatal(err)
	}
	fresh := volmatch.Token{Hash: volmatch.HashToken("new"), Role: volmatch.RolePlanner, CreatedAt: epoch}
	if err := st.CreateToken(ctx, &fresh); err != nil {
		t.Fatal(err)
	}
	toks, err := st.Tokens(ctx)
	if err != nil {
		t.Fatalf("Tokens: %v", err)
	}
	found := map[string]bool{}
	for _, tok := range toks {
		found[tok.Hash] = true
	}
	if len(toks) != 2 || !found[old.Hash] || !found[fresh.Hash] {
		t.Fatalf("Tokens = %d tokens (%v), want the older token and the new one", len(toks), found)
	}
	if err := st.DeleteToken(ctx, old.Hash); err != nil {
		t.Fatalf("DeleteToken(older token): %v", err)
	}
	if toks, err = st.Tokens(ctx); err != nil || len(toks) != 1 || toks[0].Hash != fresh.Hash {
		t.Fatalf("Tokens after DeleteToken = %d tokens, %v; want the new one alone", len(toks), err)
	}
}
