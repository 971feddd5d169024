package frameworks

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/ratelimit"
)

// recipe:echo
func Echo(logger *slog.Logger, limiter *ratelimit.Limiter, a *Articles) http.Handler {
	e := echo.New()
	e.Use(echoRoute)
	e.GET("/articles/:id", func(c echo.Context) error {
		return c.String(http.StatusOK, a.Get(c.Param("id")))
	})
	e.POST("/articles", func(c echo.Context) error {
		return c.String(http.StatusCreated, a.Create())
	})
	// Wrap the engine from outside: echo writes the response of a handler
	// that returns an error after its middlewares have returned, so only
	// a wrapper around the engine logs that response as sent.
	return Stack(logger, limiter).Then(e)
}

// echoRoute tells the access log the matched route's template.
func echoRoute(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p := c.Path(); p != "" {
			logging.AddAttrs(c.Request().Context(), slog.String("route", p))
		}
		return next(c)
	}
}

// recipe:end
