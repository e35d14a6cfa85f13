package server

// What the external tests (package server_test) use of the internal ones.
var (
	ForBackends = forBackends
	DBFor       = dbFor
)
