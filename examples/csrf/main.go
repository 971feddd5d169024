// Command csrf shows methodrouter.MethodOverride with gorilla/csrf: an
// HTML form deletes a note through POST with _method=DELETE, and the CSRF
// token travels in the same form. MethodOverride goes first (outside), so
// the CSRF check sees the DELETE and finds its token in the form
// MethodOverride parsed. This example is its own module, so gorilla/csrf
// never enters mw's go.mod.
//
//	cd examples/csrf && go run .
//	open http://127.0.0.1:8083/notes/1
package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"sync"

	"github.com/gorilla/csrf"

	"github.com/seed1f3c5038/mw/methodrouter"
)

var page = template.Must(template.New("note").Parse(`<!doctype html>
<title>Note {{.ID}}</title>
<p>{{.Text}}</p>
<form method="post" enctype="multipart/form-data">
  <input type="hidden" name="_method" value="DELETE">
  {{.CSRF}}
  <input name="reason" placeholder="why?">
  <button>Delete</button>
</form>
`))

// notes is the application: one resource, GET shows it with its delete
// form, DELETE removes it and reads the form's reason.
type notes struct {
	mu   sync.Mutex
	text map[string]string
}

func (n *notes) show(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	text, ok := n.text[r.PathValue("id")]
	n.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	page.Execute(w, map[string]any{"ID": r.PathValue("id"), "Text": text, "CSRF": csrf.TemplateField(r)})
}

func (n *notes) remove(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	delete(n.text, r.PathValue("id"))
	n.mu.Unlock()
	fmt.Fprintf(w, "deleted %s: %s\n", r.PathValue("id"), r.FormValue("reason"))
}

// newHandler is the whole stack: MethodOverride, then the CSRF check,
// then the routes.
func newHandler(key []byte, opts ...csrf.Option) http.Handler {
	n := &notes{text: map[string]string{"1": "buy milk", "2": "call home"}}
	mux := http.NewServeMux()
	mux.Handle("/notes/{id}", methodrouter.New().Get(n.show).Delete(n.remove))
	return methodrouter.MethodOverride(csrf.Protect(key, opts...)(mux))
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8083", "address to listen on")
	flag.Parse()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		log.Fatal(err)
	}
	// Plain HTTP on loopback for the demo: tell gorilla/csrf so, as it
	// assumes HTTPS (and then demands a Referer) otherwise.
	h := newHandler(key, csrf.Secure(false))
	plaintext := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, csrf.PlaintextHTTPRequest(r))
	})
	log.Printf("listening on http://%s/notes/1", *addr)
	log.Fatal(http.ListenAndServe(*addr, plaintext))
}
