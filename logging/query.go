package logging

import (
	"net/url"
	"strings"
)

// redactQuery returns raw with the values of the named parameters replaced
// by REDACTED. It allocates only when it changes something.
func redactQuery(raw string, names []string) string {
	if len(names) == 0 || raw == "" {
		return raw
	}
	var b []byte // nil until a parameter is redacted
	start := 0
	for {
		end := strings.IndexByte(raw[start:], '&')
		if end < 0 {
			end = len(raw)
		} else {
			end += start
		}
		part := raw[start:end]
		if k, _, ok := strings.Cut(part, "="); ok && isRedacted(k, names) {
			if b == nil {
				b = append(make([]byte, 0, len(raw)+len(redacted)), raw[:start]...)
			}
			b = append(b, k...)
			b = append(b, '=')
			b = append(b, redacted...)
		} else if b != nil {
			b = append(b, part...)
		}
		if end == len(raw) {
			break
		}
		if b != nil {
			b = append(b, '&')
		}
		start = end + 1
	}
	if b == nil {
		return raw
	}
	return string(b)
}

func isRedacted(key string, names []string) bool {
	if strings.ContainsAny(key, "%+") {
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
	}
	for _, n := range names {
		if key == n {
			return true
		}
	}
	return false
}
