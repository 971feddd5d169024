package httpsyntax

import (
	"mime"
	"regexp"
	"strings"
	"testing"
)

func TestPrefersJSON(t *testing.T) {
	for _, tc := range []struct {
		accept []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"*/*"}, false},
		{[]string{"application/*"}, false},
		{[]string{"application/json"}, true},
		{[]string{"Application/JSON"}, true},
		{[]string{"application/problem+json"}, true},
		{[]string{"application/json, */*;q=0.1"}, true},
		{[]string{"text/html, application/json"}, true}, // a tie: JSON was asked for
		{[]string{"text/html", "application/json;q=0.9"}, false},
		{[]string{"text/html;q=0.5", "application/json;q=0.9"}, true},
		{[]string{"application/json;q=0"}, false},
		{[]string{"application/json;q=0.001"}, true},
		{[]string{"application/json;q=2"}, false},   // malformed q: ignored
		{[]string{"application/json;q=1.5"}, false}, // idem
		{[]string{"application/json;q=0.1234"}, false},
		{[]string{`application/json;x="a,b";q=1, text/plain;q=0.2`}, true},
		{[]string{` application/json ; Q=0.8 , text/plain ; q=0.7`}, true},
		{[]string{"text/plain;q=1.000, application/json;q=0.999"}, false},
	} {
		if got := PrefersJSON(tc.accept); got != tc.want {
			t.Errorf("PrefersJSON(%q) = %v, want %v", tc.accept, got, tc.want)
		}
	}
}

var qvalueRE = regexp.MustCompile(`^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$`)

// refPrefersJSON is a second implementation, on mime.ParseMediaType, for
// Accept values without quotes whose every element it can parse.
func refPrefersJSON(accept string) (want, ok bool) {
	jsonQ, otherQ := -1.0, -1.0
	for _, elem := range strings.Split(accept, ",") {
		if strings.TrimSpace(elem) == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(elem)
		if err != nil || !strings.Contains(mt, "/") {
			return false, false
		}
		q := 1.0
		if v, has := params["q"]; has {
			if !qvalueRE.MatchString(v) {
				continue
			}
			q = 0
			for i, scale := 0, 1.0; i < len(v); i++ {
				if v[i] == '.' {
					continue
				}
				q += float64(v[i]-'0') * scale
				scale /= 10
			}
		}
		switch {
		case mt == "application/json" || mt == "application/problem+json":
			jsonQ = max(jsonQ, q)
		case strings.HasSuffix(mt, "/*"):
		default:
			otherQ = max(otherQ, q)
		}
	}
	return jsonQ > 0 && jsonQ >= otherQ-1e-9, true
}

func FuzzPrefersJSON(f *testing.F) {
	for _, s := range []string{"", "*/*", "application/json", "text/html;q=0.9, application/json;q=0.8",
		"application/problem+json;q=0.5, text/plain;q=0.4", `text/html;a="x,y"`, "application/json;q=1.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		got := PrefersJSON([]string{accept}) // must not panic
		if strings.ContainsAny(accept, "\"\\") {
			return
		}
		want, ok := refPrefersJSON(accept)
		if ok && got != want {
			t.Errorf("PrefersJSON(%q) = %v, reference says %v", accept, got, want)
		}
	})
}
