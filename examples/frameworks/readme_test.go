package frameworks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// README.md's "Using mw with…" recipes are the code these tests run: each
// region between "// recipe:NAME" and "// recipe:end" in this package's
// files appears in README.md word for word.
func TestREADMEShowsTheTestedRecipes(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, region := range recipes(string(src)) {
			found++
			require.Contains(t, string(readme), region, "README.md must show %s's recipe as it is", f)
		}
	}
	require.Equal(t, 6, found, "the stack and five frameworks")
}

// recipes returns the text of each recipe region, without its markers and
// trailing blank lines.
func recipes(src string) []string {
	var out []string
	for {
		i := strings.Index(src, "// recipe:")
		if i < 0 {
			return out
		}
		rest := src[i:]
		nl := strings.IndexByte(rest, '\n')
		if strings.HasPrefix(rest, "// recipe:end") {
			src = rest[nl+1:]
			continue
		}
		body := rest[nl+1:]
		end := strings.Index(body, "// recipe:end")
		out = append(out, strings.TrimRight(body[:end], "\n"))
		src = body[end:]
	}
}
