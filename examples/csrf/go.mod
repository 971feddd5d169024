module github.com/seed1f3c5038/mw/examples/csrf

go 1.23

require (
	github.com/gorilla/csrf v1.7.3
	github.com/seed1f3c5038/mw v0.0.0
)

require github.com/gorilla/securecookie v1.1.2 // indirect

replace github.com/seed1f3c5038/mw => ../..
