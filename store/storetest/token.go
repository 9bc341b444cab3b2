package storetest

import (
	"context"
	"testing"

	"volmatch"
)

// testTokenListDelete: Tokens lists every stored token in hash order, and
// DeleteToken removes one so that it is no longer found or listed
// (ENOTFOUND for a hash not stored).
func testTokenListDelete(t *testing.T, st volmatch.Store) {
	ctx := context.Background()
	toks, err := st.Tokens(ctx)
	must(t, "Tokens of an empty store", err)
	if len(toks) != 0 {
		t.Fatalf("Tokens of an empty store = %d tokens, want none", len(toks))
	}
	want := map[string]volmatch.Token{}
	for i, secret := range []string{"one", "two", "three"} {
		tok := volmatch.Token{Hash: volmatch.HashToken(secret), Role: volmatch.RoleAdmin, Name: secret, CreatedAt: at(float64(i))}
		must(t, "CreateToken", st.CreateToken(ctx, &tok))
		want[tok.Hash] = tok
	}
	toks, err = st.Tokens(ctx)
	must(t, "Tokens", err)
	if len(toks) != len(want) {
		t.Fatalf("Tokens = %d tokens, want %d", len(toks), len(want))
	}
	for i, tok := range toks {
		if i > 0 && toks[i-1].Hash >= tok.Hash {
			t.Errorf("Tokens not in hash order: %s before %s", toks[i-1].Hash, tok.Hash)
		}
		w := want[tok.Hash]
		sameJSON(t, "Tokens["+tok.Name+"]", tok, &w)
	}
	gone := volmatch.HashToken("two")
	must(t, "DeleteToken", st.DeleteToken(ctx, gone))
	_, err = st.TokenByHash(ctx, gone)
	wantCode(t, "TokenByHash after DeleteToken", err, volmatch.ENOTFOUND)
	wantCode(t, "DeleteToken again", st.DeleteToken(ctx, gone), volmatch.ENOTFOUND)
	toks, err = st.Tokens(ctx)
	must(t, "Tokens after DeleteToken", err)
	if len(toks) != 2 {
		t.Fatalf("Tokens after DeleteToken = %d tokens, want 2", len(toks))
	}
	for _, tok := range toks {
		if tok.Hash == gone {
			t.Errorf("Tokens after DeleteToken still lists it")
		}
	}
	if _, err := st.TokenByHash(ctx, volmatch.HashToken("one")); err != nil {
		t.Errorf("TokenByHash(another token) after DeleteToken: %v", err)
	}
}
