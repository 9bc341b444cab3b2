// Package webhook delivers the outbox of volmatch's notifications to an SMS
// or WeChat gateway: each delivery is an HTTP POST of a small JSON payload,
// signed with HMAC-SHA256 over the timestamp and the body under a secret the
// admin configures, and carrying an Idempotency-Key that is the same on
// every attempt, so that a gateway that keeps the keys it has seen sends
// each message once although volmatch may post it again (a lost answer, a
// replica that took over an expired lease).
//
// The outbox is durable (volmatch.NotificationStore): a delivery is claimed
// under a lease, posted, then settled — delivered on a 2xx answer,
// dead-lettered at once on a refusal (4xx other than 408, 425 and 429) or
// after MaxAttempts, retried otherwise after an exponential backoff with a
// cap. A process that stops mid-attempt leaves the claim to lapse, and the
// next claim, by any replica, posts it again under the same key.
//
// The payload carries what an SMS or a WeChat message needs and no more:
// the delivery ID, the kind, the volunteer's unified number (a WeChat
// gateway maps it to the account bound to it), their phone number (an SMS
// gateway sends to it; the volunteer chose this channel for the kind), the
// message text in Chinese (the need's title and the shift's time: no
// place, no other person) and the time. Nothing is logged but IDs, counts
// and status codes.
//
//	d, err := webhook.New(store, "https://sms.example/hook", secret, webhook.Options{})
//	go d.Run(ctx, 5*time.Second)
//
// A receiver checks a request with Verify.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"volmatch"
)

// Headers of a delivery.
const (
	HeaderSignature = "X-Volmatch-Signature" // "v1=" + hex HMAC-SHA256(secret, timestamp + "." + body)
	HeaderTimestamp = "X-Volmatch-Timestamp" // Unix seconds of the attempt
	HeaderKey       = "Idempotency-Key"      // the delivery's ID, the same on every attempt
	HeaderAttempt   = "X-Volmatch-Attempt"   // 1 for the first attempt
)

// MinSecretLen is the shortest secret New accepts.
const MinSecretLen = 16

// Outbox is what a Deliverer reads and writes; every volmatch.Store is one.
type Outbox interface {
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*volmatch.Delivery, error)
	SettleDelivery(ctx context.Context, d *volmatch.Delivery) error
	// Volunteer gives the phone number at the time of the attempt
	// (ENOTFOUND: the volunteer is gone, and so is the delivery).
	Volunteer(ctx context.Context, id string) (*volmatch.Volunteer, error)
}

// Options tune a Deliverer; the zero value gives the defaults.
type Options struct {
	// Timeout bounds one attempt (default 10 s).
	Timeout time.Duration
	// MaxAttempts is the attempts before a delivery is dead-lettered
	// (default 8).
	MaxAttempts int
	// Backoff is the wait after the first failed attempt, doubled after
	// each further one (default 30 s), up to MaxBackoff (default 1 h).
	Backoff, MaxBackoff time.Duration
	// Batch is the most deliveries claimed at a time (default 20).
	Batch int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives failures: IDs and status codes only (default:
	// discard).
	Logger *slog.Logger
	// Transport is the HTTP transport (default http.DefaultTransport).
	Transport http.RoundTripper
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Backoff <= 0 {
		o.Backoff = 30 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.Batch <= 0 {
		o.Batch = 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Deliverer posts the outbox to one gateway. It is safe for concurrent
// use, and several (one per replica) may share an outbox.
type Deliverer struct {
	out    Outbox
	url    string
	secret []byte
	opt    Options
	client *http.Client
}

// New returns a deliverer of out to the gateway at rawURL (http or https)
// signing with secret (at least MinSecretLen bytes).
func New(out Outbox, rawURL, secret string, o Options) (*Deliverer, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, volmatch.FieldError("url", "must be an http or https URL, got %q", rawURL)
	}
	if len(secret) < MinSecretLen {
		return nil, volmatch.FieldError("secret", "must be at least %d characters", MinSecretLen)
	}
	o = o.withDefaults()
	client := &http.Client{Timeout: o.Timeout, Transport: o.Transport,
		// A gateway answers; it does not send volmatch elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &Deliverer{out: out, url: u.String(), secret: []byte(secret), opt: o, client: client}, nil
}

// lease is how long a claim keeps a delivery from other claims: longer
// than an attempt can take.
func (d *Deliverer) lease() time.Duration { return 2*d.opt.Timeout + 5*time.Second }

// Run delivers what is due every interval until ctx is done.
func (d *Deliverer) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := d.Deliver(ctx); err != nil && ctx.Err() == nil {
			d.opt.Logger.Warn("webhook: deliver", "err", volmatch.Scrub(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Deliver claims what is due, posts each and settles it, until nothing is
// due; it returns how many attempts it settled.
func (d *Deliverer) Deliver(ctx context.Context) (int, error) {
	n := 0
	for {
		ds, err := d.out.ClaimDeliveries(ctx, d.opt.Now(), d.lease(), d.opt.Batch)
		if err != nil {
			return n, fmt.Errorf("webhook: claim: %w", err)
		}
		if len(ds) == 0 {
			return n, nil
		}
		for _, x := range ds {
			if ctx.Err() != nil {
				return n, ctx.Err() // the claims lapse and are taken again
			}
			d.attempt(ctx, x)
			if err := d.out.SettleDelivery(ctx, x); err != nil {
				// ECONFLICT: the lease ran out and another took it.
				d.opt.Logger.Warn("webhook: settle", "delivery", x.ID, "err", volmatch.Scrub(err))
				continue
			}
			n++
		}
	}
}

// attempt posts x once and sets its outcome.
func (d *Deliverer) attempt(ctx context.Context, x *volmatch.Delivery) {
	body, err := d.payload(ctx, x)
	if volmatch.ErrorCode(err) == volmatch.ENOTFOUND {
		d.dead(x, "the volunteer is gone")
		return
	}
	if err != nil {
		d.retry(x, "payload: "+volmatch.ErrorCode(err))
		return
	}
	status, err := d.post(ctx, x, body)
	switch {
	case err != nil:
		reason := "request failed"
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			reason = "timeout"
		}
		d.retry(x, reason)
	case status >= 200 && status < 300:
		x.State, x.DeliveredAt, x.LastError = volmatch.DeliveryDelivered, d.opt.Now(), ""
	case status >= 400 && status < 500 && status != 408 && status != 425 && status != 429:
		d.dead(x, fmt.Sprintf("HTTP %d", status))
	default:
		d.retry(x, fmt.Sprintf("HTTP %d", status))
	}
	if x.State != volmatch.DeliveryDelivered {
		d.opt.Logger.Warn("webhook: attempt failed", "delivery", x.ID, "attempt", x.Attempts, "error", x.LastError, "state", x.State)
	}
}

func (d *Deliverer) dead(x *volmatch.Delivery, reason string) {
	x.State, x.LastError = volmatch.DeliveryDead, reason
}

// retry schedules x again after Backoff·2^(attempts-1), at most
// MaxBackoff, or dead-letters it after MaxAttempts.
func (d *Deliverer) retry(x *volmatch.Delivery, reason string) {
	if x.Attempts >= d.opt.MaxAttempts {
		d.dead(x, fmt.Sprintf("%s (after %d attempts)", reason, x.Attempts))
		return
	}
	wait := d.opt.MaxBackoff
	if shift := x.Attempts - 1; shift < 30 {
		wait = min(d.opt.Backoff<<shift, d.opt.MaxBackoff)
	}
	x.State, x.NextAt, x.LastError = volmatch.DeliveryPending, d.opt.Now().Add(wait), reason
}

// post sends body for x and returns the status.
func (d *Deliverer) post(ctx context.Context, x *volmatch.Delivery, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	ts := d.opt.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "volmatch-webhook/1")
	req.Header.Set(HeaderKey, x.ID)
	req.Header.Set(HeaderAttempt, strconv.Itoa(x.Attempts))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, "v1="+Sign(d.secret, ts, body))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// Payload is the body of a delivery.
type Payload struct {
	// ID is the delivery's ID, also its Idempotency-Key.
	ID   string              `json:"id"`
	Kind volmatch.NoticeKind `json:"kind"`
	// Volunteer is the unified volunteer number (志愿者统一编号).
	Volunteer string `json:"volunteer"`
	// Phone is where an SMS gateway sends the text.
	Phone string `json:"phone,omitempty"`
	// Text is the message, in Chinese.
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// payload returns the body of x: the notification as it was stored and
// the volunteer's phone number now.
func (d *Deliverer) payload(ctx context.Context, x *volmatch.Delivery) ([]byte, error) {
	n := &x.Notification
	v, err := d.out.Volunteer(ctx, n.Volunteer)
	if err != nil {
		return nil, err
	}
	return json.Marshal(Payload{ID: x.ID, Kind: n.Kind, Volunteer: n.Volunteer, Phone: v.Phone, Text: Text(n), At: n.At})
}

// Sign returns the hex HMAC-SHA256 of the timestamp, a dot and the body
// under secret.
func Sign(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a delivery as its receiver gets it: the signature of the
// timestamp and the body under secret, and the timestamp within tolerance
// of now (a replayed old request fails; the Idempotency-Key stops a replay
// within it).
func Verify(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return errors.New("webhook: missing or bad timestamp")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return errors.New("webhook: timestamp outside the tolerance")
	}
	sig, ok := strings.CutPrefix(h.Get(HeaderSignature), "v1=")
	if !ok {
		return errors.New("webhook: missing signature")
	}
	if !hmac.Equal([]byte(sig), []byte(Sign(secret, ts, body))) {
		return errors.New("webhook: bad signature")
	}
	return nil
}

// Text is the message of n, in Chinese, for an SMS or a WeChat template:
// the need's title and the shift's time in Beijing, never the place.
func Text(n *volmatch.Notification) string {
	title := n.Title
	if title == "" {
		title = "志愿服务"
	}
	when := ""
	if !n.ShiftStart.IsZero() {
		s, e := n.ShiftStart.In(volmatch.Beijing), n.ShiftEnd.In(volmatch.Beijing)
		when = s.Format("1月2日 15:04")
		if !n.ShiftEnd.IsZero() {
			when += "–" + e.Format("15:04")
		}
	}
	switch n.Kind {
	case volmatch.NoticeInvite:
		return fmt.Sprintf("【志愿服务】您收到服务邀请：「%s」%s。请登录查看并回复。", title, paren(when))
	case volmatch.NoticeReminder24h:
		return fmt.Sprintf("【志愿服务】提醒：您的服务「%s」将于%s开始（约24小时后）。", title, when)
	case volmatch.NoticeReminder2h:
		return fmt.Sprintf("【志愿服务】提醒：您的服务「%s」将于%s开始（约2小时后）。", title, when)
	case volmatch.NoticeChanged:
		return fmt.Sprintf("【志愿服务】「%s」有变更%s，请登录查看。", title, paren(when))
	case volmatch.NoticeCancelled:
		return fmt.Sprintf("【志愿服务】「%s」%s已取消。", title, paren(when))
	case volmatch.NoticeApproved:
		return fmt.Sprintf("【志愿服务】您报名的「%s」%s已通过。", title, paren(when))
	case volmatch.NoticeRefused:
		return fmt.Sprintf("【志愿服务】您报名的「%s」%s未获通过。", title, paren(when))
	}
	return fmt.Sprintf("【志愿服务】「%s」有新通知，请登录查看。", title)
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "（" + s + "）"
}
