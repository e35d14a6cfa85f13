package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/vendorhooks/vendorhooks/eeg"
)

// mountEEG accepts Petal Metrics messages posted to /eeg/ and /eeg/<name>/
// (a source), and to POST / with no source: Petal posts to the root of the
// URL it is given (GET / is the dashboard's). Petal sends no key or signature, so this
// route is as open as the address the receiver listens on (127.0.0.1 by
// default). Petal events have no session key.
func (s *Server) mountEEG(mux *http.ServeMux) error {
	h, err := eeg.New(func(ctx context.Context, ev eeg.Event) error {
		_, err := s.store(ctx, extra{})
		return err
	})
	if err != nil {
		return err
	}
	mux.Handle("POST /{$}", s.mountPrefix(mux, "/eeg", "eeg", h, nil))
	return nil
}

// eegCurl is the banner's curl line for Petal.
func eegCurl(base string) string {
	return fmt.Sprintf("curl -sS %s/eeg/ -H 'Content-Type: application/json' --data-binary @testdata/eeg/real-bandpower.in", base)
}
