package logging

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var combinedLine = regexp.MustCompile(`^(\S+) - - \[([^\]]+)\] "(.*)" (\d{3}) (\S+) "(.*)" "(.*)"\n$`)

func TestCombinedLogFormat(t *testing.T) {
	var s sink
	h := CombinedLog(&s)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "short and stout")
	}))
	r := httptest.NewRequest("GET", "/pot?brew=1", nil)
	r.RemoteAddr = "[2001:db8::5]:4321"
	r.Header.Set("Referer", "https://example.com/start")
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11)")
	before := time.Now().Truncate(time.Second)
	h.ServeHTTP(httptest.NewRecorder(), r)

	m := combinedLine.FindStringSubmatch(s.String())
	require.NotNil(t, m, s.String())
	assert.Equal(t, "2001:db8::5", m[1])
	ts, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[2])
	require.NoError(t, err)
	assert.WithinDuration(t, before, ts, 2*time.Second)
	assert.Equal(t, "GET /pot?brew=1 HTTP/1.1", m[3])
	assert.Equal(t, "418", m[4])
	assert.Equal(t, "15", m[5])
	assert.Equal(t, "https://example.com/start", m[6])
	assert.Equal(t, "Mozilla/5.0 (X11)", m[7])
}

func TestCombinedLogDashesAndPanics(t *testing.T) {
	var s sink
	h := CombinedLog(&s)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	r := httptest.NewRequest("DELETE", "/x", nil)
	r.Header.Del("User-Agent")
	assert.PanicsWithValue(t, "boom", func() { h.ServeHTTP(httptest.NewRecorder(), r) })
	m := combinedLine.FindStringSubmatch(s.String())
	require.NotNil(t, m, s.String())
	assert.Equal(t, "500", m[4], "a panic before any write is logged as 500")
	assert.Equal(t, "-", m[5], "no body bytes")
	assert.Equal(t, "-", m[6])
	assert.Equal(t, "-", m[7])
}

func TestCombinedLogEscapes(t *testing.T) {
	var s sink
	srv := httptest.NewServer(CombinedLog(&s)(statusHandler(200)))
	defer srv.Close()
	// A client trying to end the quoted field and forge a second line.
	get(t, srv.URL+"/a%22b", map[string]string{
		"User-Agent": "evil\" 200 1 \"-\" \"x\ttab\\back ü",
		"Referer":    "r\"",
	})
	out := s.String()
	assert.Equal(t, 1, strings.Count(out, "\n"), out)
	m := combinedLine.FindStringSubmatch(out)
	require.NotNil(t, m, out)
	assert.Equal(t, "127.0.0.1", m[1])
	assert.Equal(t, "GET /a%22b HTTP/1.1", m[3])
	assert.Equal(t, `evil\" 200 1 \"-\" \"x\x09tab\\back \xc3\xbc`, m[7])
	assert.Equal(t, `r\"`, m[6])

	// net/http refuses line breaks in header values on both ends, but a
	// request built in process can carry anything.
	var s2 sink
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("User-Agent", "a\n127.0.0.1 - - [forged]\x7f")
	CombinedLog(&s2)(statusHandler(200)).ServeHTTP(httptest.NewRecorder(), r)
	out = s2.String()
	assert.Equal(t, 1, strings.Count(out, "\n"), out)
	assert.Contains(t, out, `"a\x0a127.0.0.1 - - [forged]\x7f"`)
}

func TestAppendEscapedControlCharacters(t *testing.T) {
	assert.Equal(t, `a\x0a\x0db\x00\x1b[31m`, string(appendEscaped(nil, "a\n\rb\x00\x1b[31m")))
}

func TestCombinedLogConcurrentLinesStayWhole(t *testing.T) {
	var s sink
	srv := httptest.NewServer(CombinedLog(&s)(statusHandler(204)))
	defer srv.Close()
	const n = 20
	done := make(chan struct{}, n)
	for range n {
		go func() {
			defer func() { done <- struct{}{} }()
			if res, err := http.Get(srv.URL + "/c"); err == nil {
				res.Body.Close()
			}
		}()
	}
	for range n {
		<-done
	}
	require.Eventually(t, func() bool { return strings.Count(s.String(), "\n") == n }, 5*time.Second, time.Millisecond)
	for _, line := range strings.Split(strings.TrimSuffix(s.String(), "\n"), "\n") {
		assert.Regexp(t, combinedLine, line+"\n")
	}
}
