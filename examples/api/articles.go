package main

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"sync"

	"github.com/seed1f3c5038/mw/methodrouter"
	"github.com/seed1f3c5038/mw/ratelimit"
)

type article struct {
	ID    int    `json:"id"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

// articleStore is an in-memory table, enough for a showcase.
type articleStore struct {
	mu     sync.Mutex
	nextID int
	byID   map[int]article
}

func newArticleStore() *articleStore {
	s := &articleStore{nextID: 1, byID: map[int]article{}}
	s.add(article{Title: "Hello, mw", Body: "Small middlewares, done right."})
	return s
}

func (s *articleStore) add(a article) article {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.ID = s.nextID
	s.nextID++
	s.byID[a.ID] = a
	return a
}

func (s *articleStore) list() []article {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]article, 0, len(s.byID))
	for _, a := range s.byID {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *articleStore) get(id int) (article, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.byID[id]
	return a, ok
}

func (s *articleStore) put(a article) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[a.ID]; !ok {
		return false
	}
	s.byID[a.ID] = a
	return true
}

func (s *articleStore) delete(id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.byID[id]
	delete(s.byID, id)
	return ok
}

// articles is the /articles resource, a Django-style class-based view.
type articles struct {
	store         *articleStore
	throttledPost http.Handler // the POST method handler behind its throttle
}

func articlesView(store *articleStore, posts *ratelimit.Limiter) http.Handler {
	v := &articles{store: store}
	v.throttledPost = posts.Middleware(http.HandlerFunc(v.Post))
	return methodrouter.View(v)
}

// Dispatch runs before every method, like an overridden dispatch(): here it
// puts POST behind its own throttle, the way DRF checks throttles in
// initial(), before the handler.
func (v *articles) Dispatch(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if r.Method == http.MethodPost {
		v.throttledPost.ServeHTTP(w, r)
		return
	}
	next.ServeHTTP(w, r)
}

func (v *articles) Get(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, v.store.list())
}

func (v *articles) Post(w http.ResponseWriter, r *http.Request) {
	var a article
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&a); err != nil || a.Title == "" {
		writeProblem(w, http.StatusBadRequest, "the body must be a JSON article with a title")
		return
	}
	a = v.store.add(a)
	w.Header().Set("Location", "/articles/"+strconv.Itoa(a.ID))
	writeJSON(w, http.StatusCreated, a)
}

// article is the /articles/{id} resource.
type articleResource struct{ store *articleStore }

func articleView(store *articleStore) http.Handler {
	return methodrouter.View(&articleResource{store: store})
}

func (v *articleResource) id(w http.ResponseWriter, r *http.Request) (int, bool) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		writeProblem(w, http.StatusNotFound, "no such article")
		return 0, false
	}
	return id, true
}

func (v *articleResource) Get(w http.ResponseWriter, r *http.Request) {
	id, ok := v.id(w, r)
	if !ok {
		return
	}
	a, found := v.store.get(id)
	if !found {
		writeProblem(w, http.StatusNotFound, "no such article")
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (v *articleResource) Put(w http.ResponseWriter, r *http.Request) {
	id, ok := v.id(w, r)
	if !ok {
		return
	}
	var a article
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&a); err != nil || a.Title == "" {
		writeProblem(w, http.StatusBadRequest, "the body must be a JSON article with a title")
		return
	}
	a.ID = id
	if !v.store.put(a) {
		writeProblem(w, http.StatusNotFound, "no such article")
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (v *articleResource) Delete(w http.ResponseWriter, r *http.Request) {
	id, ok := v.id(w, r)
	if !ok {
		return
	}
	if !v.store.delete(id) {
		writeProblem(w, http.StatusNotFound, "no such article")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeProblem answers with an RFC 9457 problem document.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"title":  http.StatusText(status),
		"status": status,
		"detail": detail,
	})
}
