package httpsyntax

import "strings"

// PrefersJSON reports whether the Accept field values rank a JSON type
// (application/json or application/problem+json) at least as high as any
// other concrete media range (RFC 9110 12.5.1). Wildcards (*/*,
// application/*) count for neither side: a client that accepts anything has
// not asked for JSON. Elements whose q is not a valid qvalue are ignored.
func PrefersJSON(values []string) bool {
	var jsonQ, otherQ int // qvalues in thousandths; -1: none seen
	jsonQ, otherQ = -1, -1
	for _, v := range values {
		for rest, more := v, true; more; {
			var elem string
			elem, rest, more = CutUnquoted(rest, ',')
			mediaRange, params, _ := CutUnquoted(elem, ';')
			mediaRange = strings.TrimSpace(mediaRange)
			if mediaRange == "" {
				continue
			}
			q, ok := qvalue(params)
			if !ok {
				continue
			}
			switch {
			case strings.EqualFold(mediaRange, "application/json"),
				strings.EqualFold(mediaRange, "application/problem+json"):
				jsonQ = max(jsonQ, q)
			case strings.HasSuffix(mediaRange, "/*"):
			default:
				otherQ = max(otherQ, q)
			}
		}
	}
	return jsonQ > 0 && jsonQ >= otherQ
}

// qvalue finds the q parameter among ;-separated params and returns it in
// thousandths (RFC 9110 12.4.2: "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3("0") ]);
// 1000 when there is none, ok false when it is malformed.
func qvalue(params string) (q int, ok bool) {
	for rest, more := params, params != ""; more; {
		var p string
		p, rest, more = CutUnquoted(rest, ';')
		name, val, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		return parseQ(strings.TrimSpace(val))
	}
	return 1000, true
}

func parseQ(s string) (int, bool) {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	whole := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return whole, true
	}
	if s[1] != '.' || len(s) > 5 {
		return 0, false
	}
	frac, scale := 0, 100
	for i := 2; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' || (whole == 1000 && c != '0') {
			return 0, false
		}
		frac += int(c-'0') * scale
		scale /= 10
	}
	return whole + frac, true
}
