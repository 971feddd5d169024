package ratelimit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ulule/limiter/v3"
)

// acceptedRates is said once in every bad-rate error.
const acceptedRates = `accepted: "<limit>-<S|M|H|D>" ("100-M") or "<limit>/<period>" ` +
	`("100/min", "100/minute", "5/hour", "1000/day", "10/s"), comma-separated, each period at most once`

// maxWindows is the most windows a Limiter can have: there are four
// periods (second, minute, hour, day) and each may be given once.
const maxWindows = 4

// parseRates parses comma-separated rates, in ulule's format ("100-M",
// parsed by ulule) or Django REST framework's ("100/min"), and returns them
// shortest period first.
func parseRates(s string) ([]limiter.Rate, error) {
	var out []limiter.Rate
	for _, part := range strings.Split(s, ",") {
		p := strings.TrimSpace(part)
		r, err := parseRate(p)
		if err != nil {
			return nil, fmt.Errorf("ratelimit: bad rate %q in %q: %s; %s", p, s, err, acceptedRates)
		}
		for _, o := range out {
			if o.Period == r.Period {
				return nil, fmt.Errorf("ratelimit: bad rate %q in %q: a second rate for the same period; %s", p, s, acceptedRates)
			}
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b limiter.Rate) int { return int(a.Period/time.Second - b.Period/time.Second) })
	return out, nil
}

func parseRate(p string) (limiter.Rate, error) {
	var r limiter.Rate
	if num, period, ok := strings.Cut(p, "/"); ok {
		d, ok := drfPeriod(period)
		if !ok {
			return r, fmt.Errorf("unknown period %q", period)
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return r, fmt.Errorf("the limit %q is not a whole number", num)
		}
		r = limiter.Rate{Formatted: p, Period: d, Limit: n}
	} else {
		var err error
		if r, err = limiter.NewRateFromFormatted(p); err != nil {
			return r, err
		}
	}
	if r.Limit < 1 {
		return r, fmt.Errorf("the limit must be at least 1")
	}
	return r, nil
}

// drfPeriod reads a Django REST framework period. DRF goes by the first
// letter alone; so do we, but the rest must spell the unit ("m", "min",
// "minute", "minutes"), so that "100/month" is an error rather than 100 a
// minute.
func drfPeriod(s string) (time.Duration, bool) {
	w := strings.ToLower(s)
	for _, u := range []struct {
		word string
		d    time.Duration
	}{{"seconds", time.Second}, {"minutes", time.Minute}, {"hours", time.Hour}, {"days", 24 * time.Hour}} {
		if w != "" && strings.HasPrefix(u.word, w) {
			return u.d, true
		}
	}
	return 0, false
}
