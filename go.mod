module github.com/vendorhooks/vendorhooks

go 1.25

require (
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
)
