package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"time"

	"github.com/vendorhooks/vendorhooks/labvanced"
)

// mountLabvanced accepts the Labvanced player's routes below /labvanced/
// (/labvanced/recordTrial, ...), with CORS for cfg.CORSOrigins. Each event
// is stored with its expSessionNr as the session key; a /file_upload is
// streamed to UploadsDir and gets a row in uploads too, committed with its
// event. Upload bodies are not kept as raw bodies: the file is on disk.
func (s *Server) mountLabvanced(mux *http.ServeMux) {
	opts := []labvanced.Option{
		labvanced.WithFileStore(labvanced.DirStore(s.cfg.UploadsDir)),
		labvanced.WithMaxBodyBytes(labvanced.DefaultMaxBodyBytes),
	}
	if len(s.cfg.CORSOrigins) > 0 {
		opts = append(opts, labvanced.WithOrigins(s.cfg.CORSOrigins...))
	}
	h := labvanced.NewHandler(func(ctx context.Context, ev labvanced.Event) error {
		session := labvancedSession(ev)
		if up, ok := ev.(*labvanced.FileUpload); ok {
			return s.storeUpload(ctx, up, session)
		}
		_, err := s.store(ctx, ev.Kind(), session, ev, "", "")
		return err
	}, opts...)
	capture := func(r *http.Request) bool { return path.Base(r.URL.Path) != labvanced.RouteFileUpload }
	s.mountPrefix(mux, "/labvanced", "labvanced", labvanced.DefaultMaxBodyBytes, capture, h)
}

// labvancedSession returns the event's expSessionNr as text, or "" when it
// has none (startExpPlayer) or sent it empty.
func labvancedSession(ev labvanced.Event) string {
	b, err := json.Marshal(ev)
	if err != nil {
		return ""
	}
	var probe struct {
		ExpSessionNr json.Number `json:"expSessionNr"`
	}
	if json.Unmarshal(b, &probe) != nil || probe.ExpSessionNr == "0" {
		return ""
	}
	return probe.ExpSessionNr.String()
}

// storeUpload commits the upload's event and its uploads row in one
// transaction.
func (s *Server) storeUpload(ctx context.Context, up *labvanced.FileUpload, session string) error {
	info := requestFrom(ctx)
	if info == nil {
		return fmt.Errorf("server: request not routed through vendorRoute")
	}
	row := &uploadRow{
		GUID:         up.GUID,
		Session:      session,
		StoredName:   up.FileName,
		OriginalName: up.NewFileName,
		Size:         up.Size,
		SHA256:       up.SHA256,
		Received:     time.Now(),
	}
	_, err := s.storeWith(ctx, up.Kind(), session, up, "", "", row)
	return err
}

// labvancedCurls are the banner's curl lines for Labvanced: a trial in the
// player's form encoding and a file upload.
func labvancedCurls(base string) []string {
	return []string{
		fmt.Sprintf("curl -sS %s/labvanced/recordTrial --data-binary @testdata/labvanced/recordTrial.form.in", base),
		fmt.Sprintf("curl -sS %s/labvanced/file_upload -F expSessionNr=982345 -F newFileName=rec1.webm -F myFile=@README.md", base),
	}
}
