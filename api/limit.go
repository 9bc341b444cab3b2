package api

import (
	"sync"
	"time"
)

// limiter is a token bucket per key (a token's hash): rate tokens a second,
// at most burst held. A negative rate disables it. The server keys it by
// token, so every authenticated route shares one budget per token; public
// routes (health, metrics, reference data, the dashboard's files) are not
// limited.
type limiter struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// allow takes one token from key's bucket, reporting whether there was
// one and, when not, how long until there is.
func (l *limiter) allow(key string) (bool, time.Duration) {
	if l.rate < 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 100000 {
			clear(l.buckets)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(l.burst, b.tokens+el*l.rate)
		b.last = now
	}
	if b.tokens < 1 {
		if l.rate == 0 {
			return false, time.Hour
		}
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}
