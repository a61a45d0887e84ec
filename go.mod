module github.com/yhcr/carecast

go 1.26.8

require (
	github.com/goccy/go-yaml v1.19.2
	golang.org/x/term v0.48.0
)

require golang.org/x/sys v0.50.0 // indirect
