package frameworks

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/testutil"
	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/ratelimit"
	"github.com/seed1f3c5038/mw/recovery"
)

// mw's middlewares inside echo with echo.WrapMiddleware, and a handler that
// returns an error: echo writes its error page to the writer our middleware
// handed down after our ServeHTTP returned. That must never crash, and
// under concurrent requests every client gets its own error page.
func TestEchoWrapMiddlewareWithErrors(t *testing.T) {
	for name, use := range map[string]func(l *slog.Logger, lim *ratelimit.Limiter) []echo.MiddlewareFunc{
		"logging": func(l *slog.Logger, _ *ratelimit.Limiter) []echo.MiddlewareFunc {
			return []echo.MiddlewareFunc{echo.WrapMiddleware(logging.New(l))}
		},
		"logging+recovery": func(l *slog.Logger, _ *ratelimit.Limiter) []echo.MiddlewareFunc {
			return []echo.MiddlewareFunc{echo.WrapMiddleware(logging.New(l)), echo.WrapMiddleware(recovery.New(recovery.WithLogger(l)))}
		},
		"full stack": func(l *slog.Logger, lim *ratelimit.Limiter) []echo.MiddlewareFunc {
			return []echo.MiddlewareFunc{echo.WrapMiddleware(Stack(l, lim).Then)}
		},
	} {
		t.Run(name, func(t *testing.T) {
			var logs testutil.Sink
			logger := slog.New(slog.NewJSONHandler(&logs, nil))
			limiter, err := ratelimit.New("100000-M")
			require.NoError(t, err)
			defer limiter.Close()

			e := echo.New()
			e.Use(use(logger, limiter)...)
			e.GET("/fail/:id", func(c echo.Context) error {
				return echo.NewHTTPError(http.StatusTeapot, "teapot "+c.Param("id"))
			})
			e.GET("/boom/:id", func(c echo.Context) error {
				return fmt.Errorf("boom %s", c.Param("id")) // echo answers 500
			})
			srv := httptest.NewServer(e)
			defer srv.Close()

			const clients, each = 8, 10
			var wg sync.WaitGroup
			for c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						id := strconv.Itoa(c*each + i)
						res, err := http.Get(srv.URL + "/fail/" + id)
						if !assert.NoError(t, err) {
							return
						}
						body, err := io.ReadAll(res.Body)
						res.Body.Close()
						assert.NoError(t, err, "a complete response")
						assert.Equal(t, http.StatusTeapot, res.StatusCode)
						assert.JSONEq(t, `{"message":"teapot `+id+`"}`, string(body), "each client its own bytes")

						res, err = http.Get(srv.URL + "/boom/" + id)
						if !assert.NoError(t, err) {
							return
						}
						_, err = io.ReadAll(res.Body)
						res.Body.Close()
						assert.NoError(t, err)
						assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
					}
				}()
			}
			wg.Wait()
			// logging inside the engine wrote its record before echo wrote the
			// error page (so it logs 200): the recipe wraps the engine instead.
			logs.Wait(t, 2*clients*each)
		})
	}
}
