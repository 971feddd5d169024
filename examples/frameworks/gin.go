package frameworks

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/ratelimit"
)

// recipe:gin
func Gin(logger *slog.Logger, limiter *ratelimit.Limiter, a *Articles) http.Handler {
	g := gin.New()
	g.Use(ginRoute)
	g.GET("/articles/:id", func(c *gin.Context) {
		c.String(http.StatusOK, a.Get(c.Param("id")))
	})
	g.POST("/articles", func(c *gin.Context) {
		c.String(http.StatusCreated, a.Create())
	})
	// Wrap the engine from outside: gin handlers write through gin's own
	// writer, which a middleware inside the engine never sees.
	return Stack(logger, limiter).Then(g)
}

// ginRoute tells the access log the matched route's template.
func ginRoute(c *gin.Context) {
	if p := c.FullPath(); p != "" {
		logging.AddAttrs(c.Request.Context(), slog.String("route", p))
	}
	c.Next()
}

// recipe:end
