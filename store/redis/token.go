package redis

import (
	"context"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"volmatch"
)

// A token is kept as tok:HASH (JSON), its hash in the sorted set ids:tok so
// that tokens can be listed. Tokens stored before that set existed are added
// to it once, by the first listing (indexTokens).

// CreateToken stores a token (CreatedAt now when zero); EINVALID if it fails
// Validate, ECONFLICT if its hash exists.
func (s *Store) CreateToken(ctx context.Context, t *volmatch.Token) error {
	return volmatch.WriteRecord(t, s.now(), volmatch.WriteCreate, func(c *volmatch.Token) error {
		return s.apply(ctx, "create token", func(o *ops) error {
			o.absent(s.k("tok", c.Hash), volmatch.ECONFLICT, "a token with this hash already exists")
			o.set(s.k("tok", c.Hash), mustJSON(c))
			o.zadd(s.k("ids", "tok"), c.Hash)
			return nil
		})
	})
}

// TokenByHash returns a token; ENOTFOUND if missing.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*volmatch.Token, error) {
	var t volmatch.Token
	_, ok, err := s.getJSON(ctx, s.k("tok", hash), &t)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, volmatch.Errorf(volmatch.ENOTFOUND, "token not found")
	}
	return &t, nil
}

// Tokens returns every stored token in hash order.
func (s *Store) Tokens(ctx context.Context) ([]*volmatch.Token, error) {
	if err := s.indexTokens(ctx); err != nil {
		return nil, err
	}
	var out []*volmatch.Token
	after := ""
	for {
		hashes, err := s.idsAfter(ctx, s.c, s.k("ids", "tok"), after, scanBatch)
		if err != nil {
			return nil, err
		}
		toks, _, err := fetch[volmatch.Token](ctx, s, s.c, hashes, func(h string) string { return s.k("tok", h) }, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, toks...)
		if len(hashes) < scanBatch {
			return out, nil
		}
		after = hashes[len(hashes)-1]
	}
}

// DeleteToken removes the token with the hash; ENOTFOUND if missing.
func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	return s.apply(ctx, "delete token", func(o *ops) error {
		key := s.k("tok", hash)
		o.present(key, volmatch.ENOTFOUND, "token not found")
		o.del(key)
		o.zrem(s.k("ids", "tok"), hash)
		return nil
	})
}

// indexTokens adds to ids:tok, once per deployment, the tokens stored
// before that set was kept: it scans the node holding the namespace's keys
// for tok:* and marks the set done. A token created meanwhile adds itself;
// one deleted meanwhile may be listed in the set without its key, which a
// listing skips.
func (s *Store) indexTokens(ctx context.Context) error {
	done := s.k("ids", "tok", "indexed")
	n, err := s.c.Exists(ctx, done).Result()
	if err != nil || n == 1 {
		return s.err("index tokens", err)
	}
	var node goredis.Cmdable = s.c
	if cc, ok := s.c.(*goredis.ClusterClient); ok {
		if node, err = cc.MasterForKey(ctx, done); err != nil {
			return s.err("index tokens", err)
		}
	}
	prefix := s.k("tok", "")
	var cursor uint64
	for {
		keys, next, err := node.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return s.err("index tokens", err)
		}
		members := make([]goredis.Z, 0, len(keys))
		for _, k := range keys {
			if h := strings.TrimPrefix(k, prefix); h != "" && !strings.Contains(h, ":") {
				members = append(members, goredis.Z{Member: h})
			}
		}
		if len(members) > 0 {
			if err := s.c.ZAdd(ctx, s.k("ids", "tok"), members...).Err(); err != nil {
				return s.err("index tokens", err)
			}
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	return s.err("index tokens", s.c.Set(ctx, done, "1", 0).Err())
}
