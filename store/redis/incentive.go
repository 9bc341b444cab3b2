package redis

import (
	"context"
	"fmt"
	"strconv"

	"volmatch"
)

// Incentives (volmatch.IncentiveStore): partner:ID and offer:ID (JSON, an
// offer's Redeemed count included), redemption:ID (JSON), the sorted sets
// ix:partners, ix:offers, ix:redvol:VOLUNTEER and ix:redoffer:OFFER, and
// offervol:OFFER:VOLUNTEER (a volunteer's count of an offer). A redemption
// reads the offer, the volunteer's count and the balances, checks them
// (volmatch.CheckRedemption, volmatch.ApplyTxn) and writes them in one
// script that compares each value read: a concurrent redemption in between
// makes it read again, so an offer is never oversold nor a balance
// overdrawn, on any number of replicas.

// CreatePartner stores a new partner.
func (s *Store) CreatePartner(ctx context.Context, p *volmatch.Partner) error {
	return s.putPartner(ctx, p, volmatch.WriteCreate)
}

// UpdatePartner replaces a partner.
func (s *Store) UpdatePartner(ctx context.Context, p *volmatch.Partner) error {
	return s.putPartner(ctx, p, volmatch.WriteUpdate)
}

func (s *Store) putPartner(ctx context.Context, p *volmatch.Partner, m volmatch.WriteMode) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return s.apply(ctx, "put partner", func(o *ops) error {
		key := s.k("partner", p.ID)
		o.expect(key, m, "partner", p.ID)
		o.set(key, mustJSON(p))
		o.zadd(s.k("ix", "partners"), p.ID)
		return nil
	})
}

// Partner returns one partner; ENOTFOUND if missing.
func (s *Store) Partner(ctx context.Context, id string) (*volmatch.Partner, error) {
	return getOne[volmatch.Partner](ctx, s, s.k("partner", id), "partner", id)
}

// Partners lists partners in ID order.
func (s *Store) Partners(ctx context.Context, o volmatch.ListOptions) ([]*volmatch.Partner, string, error) {
	return list[volmatch.Partner](ctx, s, s.k("ix", "partners"), func(id string) string { return s.k("partner", id) }, o, nil, nil)
}

// CreateOffer stores a new offer with nothing redeemed.
func (s *Store) CreateOffer(ctx context.Context, o *volmatch.Offer) error {
	return s.putOffer(ctx, o, volmatch.WriteCreate)
}

// UpdateOffer replaces an offer, keeping its Redeemed count.
func (s *Store) UpdateOffer(ctx context.Context, o *volmatch.Offer) error {
	return s.putOffer(ctx, o, volmatch.WriteUpdate)
}

func (s *Store) putOffer(ctx context.Context, of *volmatch.Offer, m volmatch.WriteMode) error {
	if err := of.Validate(); err != nil {
		return err
	}
	var c volmatch.Offer
	err := s.apply(ctx, "put offer", func(o *ops) error {
		c = *of
		c.Redeemed = 0
		nf := volmatch.NotFoundError("partner", c.Partner)
		o.present(s.k("partner", c.Partner), nf.Code, nf.Message)
		key := s.k("offer", c.ID)
		old := new(volmatch.Offer)
		raw, ok, err := s.getJSON(ctx, key, old)
		if err != nil {
			return err
		}
		if err := m.Check("offer", c.ID, ok); err != nil {
			return err
		}
		if ok {
			if err := volmatch.CheckOfferUpdate(old, &c); err != nil {
				return err
			}
		}
		o.eq(key, raw)
		o.set(key, mustJSON(&c))
		o.zadd(s.k("ix", "offers"), c.ID)
		return nil
	})
	if err == nil {
		*of = c
	}
	return err
}

// Offer returns one offer; ENOTFOUND if missing.
func (s *Store) Offer(ctx context.Context, id string) (*volmatch.Offer, error) {
	return getOne[volmatch.Offer](ctx, s, s.k("offer", id), "offer", id)
}

// Offers lists offers in ID order.
func (s *Store) Offers(ctx context.Context, f volmatch.OfferFilter) ([]*volmatch.Offer, string, error) {
	return list(ctx, s, s.k("ix", "offers"), func(id string) string { return s.k("offer", id) }, f.ListOptions,
		func(o *volmatch.Offer) bool { return f.Partner == "" || o.Partner == f.Partner }, nil)
}

// Redeem stores r, counts it and posts its transaction in one script (see
// volmatch.IncentiveStore).
func (s *Store) Redeem(ctx context.Context, r *volmatch.Redemption) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return s.apply(ctx, "redeem offer", func(o *ops) error {
		rkey := s.k("redemption", r.ID)
		if _, ok, err := s.get(ctx, rkey); err != nil {
			return err
		} else if ok {
			return volmatch.ExistsError("redemption", r.ID)
		}
		okey := s.k("offer", r.Offer)
		of := new(volmatch.Offer)
		raw, ok, err := s.getJSON(ctx, okey, of)
		if err != nil {
			return err
		}
		if !ok {
			return volmatch.NotFoundError("offer", r.Offer)
		}
		ckey := s.k("offervol", r.Offer, r.Volunteer)
		cv, _, err := s.get(ctx, ckey)
		if err != nil {
			return err
		}
		mine := 0
		if cv != "" {
			if mine, err = strconv.Atoi(cv); err != nil {
				return fmt.Errorf("redis: count of offer %s: %w", r.Offer, err)
			}
		}
		if err := volmatch.CheckRedemption(of, r, mine); err != nil {
			return err
		}
		e := volmatch.ExistsError("redemption", r.ID)
		o.absent(rkey, e.Code, e.Message)
		if t := r.Txn(); t != nil {
			if err := s.txnOps(ctx, o, t); err != nil {
				return err
			}
		}
		of.Redeemed++
		o.eq(okey, raw)
		o.set(okey, mustJSON(of))
		o.eq(ckey, cv)
		o.set(ckey, []byte(strconv.Itoa(mine+1)))
		o.set(rkey, mustJSON(r))
		o.zadd(s.k("ix", "redvol", r.Volunteer), r.ID)
		o.zadd(s.k("ix", "redoffer", r.Offer), r.ID)
		return nil
	})
}

// Redemption returns one redemption; ENOTFOUND if missing.
func (s *Store) Redemption(ctx context.Context, id string) (*volmatch.Redemption, error) {
	return getOne[volmatch.Redemption](ctx, s, s.k("redemption", id), "redemption", id)
}

// Redemptions lists a volunteer's or an offer's redemptions in ID order.
func (s *Store) Redemptions(ctx context.Context, f volmatch.RedemptionFilter) ([]*volmatch.Redemption, string, error) {
	set := s.k("ix", "redvol", f.Volunteer)
	if f.Volunteer == "" {
		set = s.k("ix", "redoffer", f.Offer)
	}
	return list(ctx, s, set, func(id string) string { return s.k("redemption", id) }, f.ListOptions,
		func(r *volmatch.Redemption) bool { return f.Offer == "" || r.Offer == f.Offer }, nil)
}

// getOne reads the JSON record at key; ENOTFOUND (naming noun and id) if
// missing.
func getOne[T any](ctx context.Context, s *Store, key, noun, id string) (*T, error) {
	x := new(T)
	_, ok, err := s.getJSON(ctx, key, x)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, volmatch.NotFoundError(noun, id)
	}
	return x, nil
}
