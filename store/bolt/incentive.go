package bolt

import (
	"context"
	"strconv"

	bbolt "go.etcd.io/bbolt"

	"volmatch"
)

// Incentives (volmatch.IncentiveStore): partners, offers and redemptions.
// A redemption, its offer's count, the volunteer's count of that offer and
// its ledger transaction are written in one bbolt transaction, which bbolt
// serialises: never oversold, never overdrawn.
var (
	// bPartners holds partner ID -> the partner (JSON).
	bPartners = []byte("partners")
	// bOffers holds offer ID -> the offer (JSON, its Redeemed count
	// included).
	bOffers = []byte("offers")
	// bRedemptions holds redemption ID -> the redemption (JSON).
	bRedemptions = []byte("redemptions")
	// bRedemptionBy holds "vol"\x00volunteer\x00ID and
	// "offer"\x00offer\x00ID -> "".
	bRedemptionBy = []byte("redemptions_by")
	// bOfferCounts holds offer\x00volunteer -> the volunteer's count of
	// the offer (decimal).
	bOfferCounts = []byte("offer_counts")
)

func init() {
	allBuckets = append(allBuckets, bPartners, bOffers, bRedemptions, bRedemptionBy, bOfferCounts)
}

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
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bPartners)
		if err := m.Check("partner", p.ID, b.Get([]byte(p.ID)) != nil); err != nil {
			return err
		}
		return putJSON(b, []byte(p.ID), p)
	})
}

// Partner returns one partner; ENOTFOUND if missing.
func (s *Store) Partner(ctx context.Context, id string) (*volmatch.Partner, error) {
	return getOne[volmatch.Partner](ctx, s, bPartners, "partner", id)
}

// Partners lists partners in ID order.
func (s *Store) Partners(ctx context.Context, o volmatch.ListOptions) ([]*volmatch.Partner, string, error) {
	var out []*volmatch.Partner
	var next string
	err := s.view(ctx, func(tx *bbolt.Tx) (err error) {
		out, next, err = list[volmatch.Partner](tx.Bucket(bPartners), o, nil)
		return err
	})
	return out, next, err
}

// CreateOffer stores a new offer with nothing redeemed.
func (s *Store) CreateOffer(ctx context.Context, o *volmatch.Offer) error {
	return s.putOffer(ctx, o, volmatch.WriteCreate)
}

// UpdateOffer replaces an offer, keeping its Redeemed count.
func (s *Store) UpdateOffer(ctx context.Context, o *volmatch.Offer) error {
	return s.putOffer(ctx, o, volmatch.WriteUpdate)
}

func (s *Store) putOffer(ctx context.Context, o *volmatch.Offer, m volmatch.WriteMode) error {
	if err := o.Validate(); err != nil {
		return err
	}
	c := *o
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		if tx.Bucket(bPartners).Get([]byte(c.Partner)) == nil {
			return volmatch.NotFoundError("partner", c.Partner)
		}
		b := tx.Bucket(bOffers)
		old := new(volmatch.Offer)
		ok, err := getJSON(b, []byte(c.ID), old)
		if err != nil {
			return err
		}
		if err := m.Check("offer", c.ID, ok); err != nil {
			return err
		}
		c.Redeemed = 0
		if ok {
			if err := volmatch.CheckOfferUpdate(old, &c); err != nil {
				return err
			}
		}
		return putJSON(b, []byte(c.ID), &c)
	})
	if err == nil {
		*o = c
	}
	return err
}

// Offer returns one offer; ENOTFOUND if missing.
func (s *Store) Offer(ctx context.Context, id string) (*volmatch.Offer, error) {
	return getOne[volmatch.Offer](ctx, s, bOffers, "offer", id)
}

// Offers lists offers in ID order.
func (s *Store) Offers(ctx context.Context, f volmatch.OfferFilter) ([]*volmatch.Offer, string, error) {
	var out []*volmatch.Offer
	var next string
	err := s.view(ctx, func(tx *bbolt.Tx) (err error) {
		out, next, err = list(tx.Bucket(bOffers), f.ListOptions, func(o *volmatch.Offer) bool { return f.Partner == "" || o.Partner == f.Partner })
		return err
	})
	return out, next, err
}

// Redeem stores r, counts it and posts its transaction in one write (see
// volmatch.IncentiveStore).
func (s *Store) Redeem(ctx context.Context, r *volmatch.Redemption) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		rb := tx.Bucket(bRedemptions)
		if rb.Get([]byte(r.ID)) != nil {
			return volmatch.ExistsError("redemption", r.ID)
		}
		ob := tx.Bucket(bOffers)
		o := new(volmatch.Offer)
		ok, err := getJSON(ob, []byte(r.Offer), o)
		if err != nil {
			return err
		}
		if !ok {
			return volmatch.NotFoundError("offer", r.Offer)
		}
		counts := tx.Bucket(bOfferCounts)
		ck := key(r.Offer, r.Volunteer)
		mine := 0
		if v := counts.Get(ck); v != nil {
			if mine, err = strconv.Atoi(string(v)); err != nil {
				return err
			}
		}
		if err := volmatch.CheckRedemption(o, r, mine); err != nil {
			return err
		}
		if t := r.Txn(); t != nil {
			if err := postTxn(tx, t); err != nil {
				return err
			}
		}
		o.Redeemed++
		if err := putJSON(ob, []byte(o.ID), o); err != nil {
			return err
		}
		if err := counts.Put(ck, []byte(strconv.Itoa(mine+1))); err != nil {
			return err
		}
		if err := putJSON(rb, []byte(r.ID), r); err != nil {
			return err
		}
		by := tx.Bucket(bRedemptionBy)
		if err := by.Put(key("vol", r.Volunteer, r.ID), nil); err != nil {
			return err
		}
		return by.Put(key("offer", r.Offer, r.ID), nil)
	})
}

// Redemption returns one redemption; ENOTFOUND if missing.
func (s *Store) Redemption(ctx context.Context, id string) (*volmatch.Redemption, error) {
	return getOne[volmatch.Redemption](ctx, s, bRedemptions, "redemption", id)
}

// Redemptions lists a volunteer's or an offer's redemptions in ID order.
func (s *Store) Redemptions(ctx context.Context, f volmatch.RedemptionFilter) ([]*volmatch.Redemption, string, error) {
	by, id := "vol", f.Volunteer
	if id == "" {
		by, id = "offer", f.Offer
	}
	var out []*volmatch.Redemption
	var next string
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ids := suffixes(tx.Bucket(bRedemptionBy), by, id)
		var err error
		out, next, err = listIDs(tx.Bucket(bRedemptions), ids, f.ListOptions, func(r *volmatch.Redemption) bool {
			return f.Offer == "" || r.Offer == f.Offer
		})
		return err
	})
	return out, next, err
}

// getOne reads the record id of bucket; ENOTFOUND (naming noun) if
// missing.
func getOne[T any](ctx context.Context, s *Store, bucket []byte, noun, id string) (*T, error) {
	x := new(T)
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bucket), []byte(id), x)
		if err == nil && !ok {
			err = volmatch.NotFoundError(noun, id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}
