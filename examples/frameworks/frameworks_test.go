package frameworks

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/testutil"
	"github.com/seed1f3c5038/mw/ratelimit"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode) // no debug banner in test output
	os.Exit(m.Run())
}

type recipe func(*slog.Logger, *ratelimit.Limiter, *Articles) http.Handler

// Each framework under the recommended stack, on a real server: the status
// and bytes the client got, the route template, the request ID, and a 429
// that never reaches the handler.
func TestRecipes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		build     recipe
		getRoute  string // the template logged for GET /articles/7
		newRoute  string // for POST /articles
		post      string // the path the POST goes to
		wrongVerb int    // what the framework answers for DELETE /articles/7
	}{
		{"servemux", ServeMux, "GET /articles/{id}", "POST /articles", "/articles", 405},
		{"chi", Chi, "/articles/{id}", "/articles", "/articles/", 405},
		{"gorilla", Gorilla, "/articles/{id}", "/articles", "/articles", 405},
		{"echo", Echo, "/articles/:id", "/articles", "/articles", 405},
		{"gin", Gin, "/articles/:id", "/articles", "/articles", 404}, // gin answers 404 unless HandleMethodNotAllowed
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs testutil.Sink
			logger := slog.New(slog.NewJSONHandler(&logs, nil))
			limiter, err := ratelimit.New("5-M")
			require.NoError(t, err)
			defer limiter.Close()
			app := &Articles{}
			srv := httptest.NewServer(tc.build(logger, limiter, app))
			defer srv.Close()

			type check struct {
				method, path, id string
				status           int
				body             string // "" means: any body, its length is checked
				route            string
			}
			checks := []check{
				{"GET", "/articles/7", "req-" + tc.name + "-1", 200, "article 7\n", tc.getRoute},
				{"POST", tc.post, "req-" + tc.name + "-2", 201, "created\n", tc.newRoute},
				// What the router answers itself is logged too: the stack wraps it.
				{"GET", "/nowhere", "", 404, "", ""},
				{"DELETE", "/articles/7", "", tc.wrongVerb, "", ""},
				{"GET", "/articles/8", "", 200, "article 8\n", tc.getRoute},
				{"GET", "/articles/9", "", 429, "", ""}, // the sixth request in the minute
			}
			for i, c := range checks {
				req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(`{}`))
				require.NoError(t, err)
				req.Header.Set("Content-Type", "application/json")
				if c.id != "" {
					req.Header.Set("X-Request-ID", c.id)
				}
				res, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				body, err := io.ReadAll(res.Body)
				require.NoError(t, err)
				res.Body.Close()

				assert.Equal(t, c.status, res.StatusCode, "%s %s", c.method, c.path)
				if c.body != "" {
					assert.Equal(t, c.body, string(body))
				}
				rec := logs.Wait(t, i+1)[i]
				assert.EqualValues(t, c.status, rec["status"], "logged status of %s %s", c.method, c.path)
				assert.EqualValues(t, len(body), rec["bytes"], "logged bytes are what the client received: %q", body)
				assert.Equal(t, c.path, rec["path"])
				assert.Equal(t, res.Header.Get("X-Request-ID"), rec["request_id"], "the echoed ID is the logged one")
				if c.id != "" {
					assert.Equal(t, c.id, rec["request_id"])
				}
				if c.route != "" {
					assert.Equal(t, c.route, rec["route"])
				}
			}
			assert.EqualValues(t, 3, app.Served(), "the 404, the 405 and the 429 never reached the application")
			assert.Equal(t, "WARN", logs.Records(t)[5]["level"])
		})
	}
}
