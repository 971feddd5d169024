package recovery_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/recovery"
)

// The recommended order: logging outside recovery outside the rest. The
// panic becomes a 500, logged once by recovery (with the request ID) and
// once by logging as the request's record.
func ExampleNew() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{}
			}
			return a
		},
	}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) {
		panic("cart is nil") // a bug in the handler
	})
	handler := logging.New(logger)(recovery.New(recovery.WithLogger(logger), recovery.WithStack(false))(mux))

	r := httptest.NewRequest("GET", "/boom", nil)
	r.RemoteAddr = "192.0.2.10:54321"
	r.Header.Set("X-Request-ID", "req-9")
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// level=ERROR msg="panic recovered" panic="cart is nil" method=GET path=/boom request_id=req-9
	// level=ERROR msg="http request" method=GET path=/boom query="" status=500 bytes=22 remote_ip=192.0.2.10 user_agent="" request_id=req-9 proto=HTTP/1.1 route="GET /boom"
	// 500 Internal Server Error
}

// A JSON API answers panics with an RFC 9457 problem document.
func ExampleWithResponder() {
	problem := recovery.WithResponder(func(w http.ResponseWriter, r *http.Request, v any) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"type":"about:blank","title":"Internal Server Error","status":500}`)
	})
	quiet := recovery.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	h := recovery.New(problem, quiet)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("bug")
	}))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/orders", nil))
	fmt.Println(w.Code, w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"))
	fmt.Println(w.Body.String())
	// Output:
	// 500 application/problem+json no-store
	// {"type":"about:blank","title":"Internal Server Error","status":500}
}
