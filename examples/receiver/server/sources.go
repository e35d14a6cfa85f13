package server

import "context"

// sourceKey is the context key of the request's source name.
type sourceKey struct{}

// withSource returns ctx carrying source, the name segment of the mount a
// request came in on.
func withSource(ctx context.Context, source string) context.Context {
	return context.WithValue(ctx, sourceKey{}, source)
}

// sourceFromContext returns the request's source name, empty when it came
// in on a mount without one.
func sourceFromContext(ctx context.Context) string {
	s, _ := ctx.Value(sourceKey{}).(string)
	return s
}
