package httpsyntax

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsToken(t *testing.T) {
	for _, s := range []string{"GET", "PURGE", "X-Forwarded-For", "a!#$%&'*+-.^_`|~9"} {
		assert.True(t, IsToken(s), "%q", s)
	}
	for _, s := range []string{"", "GET ", "a b", "a,b", "(x)", "é", "a\x00"} {
		assert.False(t, IsToken(s), "%q", s)
	}
}

func TestCutUnquoted(t *testing.T) {
	for _, c := range []struct {
		in, before, after string
		found             bool
	}{
		{`a,b`, `a`, `b`, true},
		{`"a,b",c`, `"a,b"`, `c`, true},
		{`"a\",b",c`, `"a\",b"`, `c`, true},
		{`"a,b`, `"a,b`, ``, false},
		{`abc`, `abc`, ``, false},
		{`,`, ``, ``, true},
	} {
		before, after, found := CutUnquoted(c.in, ',')
		assert.Equal(t, []any{c.before, c.after, c.found}, []any{before, after, found}, "%q", c.in)
	}
}
