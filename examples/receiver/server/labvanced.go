package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/vendorhooks/vendorhooks/labvanced"
)

// mountLabvanced accepts the Labvanced player's routes below /labvanced/
// (/labvanced/recordTrial, ...), with CORS for cfg.CORSOrigins. Each event
// is stored with its expSessionNr as the session key (Delivery.Session); a
// /file_upload is streamed to UploadsDir by the handler and gets a row in
// uploads too, committed with its event. The raw body stored for an upload
// is what Delivery.Body holds for it, never the file's bytes: the file is
// on disk.
func (s *Server) mountLabvanced(mux *http.ServeMux) error {
	opts := []labvanced.Option{labvanced.WithFileStore(labvanced.DirStore(s.cfg.UploadsDir))}
	if len(s.cfg.CORSOrigins) > 0 {
		opts = append(opts, labvanced.WithOrigins(s.cfg.CORSOrigins...))
	}
	h, err := labvanced.New(func(ctx context.Context, ev labvanced.Event) error {
		var x extra
		if up, ok := ev.(*labvanced.FileUpload); ok {
			x.upload = &uploadRow{
				GUID:         up.GUID,
				StoredName:   up.FileName,
				OriginalName: up.NewFileName,
				Size:         up.Size,
				SHA256:       up.SHA256,
			}
		}
		_, err := s.store(ctx, ev, x)
		return err
	}, opts...)
	if err != nil {
		return err
	}
	s.mountPrefix(mux, "/labvanced", "labvanced", h)
	return nil
}

// labvancedCurls are the banner's curl lines for Labvanced: a trial in the
// player's form encoding and a file upload.
func labvancedCurls(base string) []string {
	return []string{
		fmt.Sprintf("curl -sS %s/labvanced/recordTrial --data-binary @testdata/labvanced/recordTrial.form.in", base),
		fmt.Sprintf("curl -sS %s/labvanced/file_upload -F expSessionNr=982345 -F newFileName=rec1.webm -F myFile=@README.md", base),
	}
}
