package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/vendorhooks/vendorhooks/labvanced"
)

// mountLabvanced accepts the Labvanced player's routes below /labvanced/
// (/labvanced/recordTrial, ...) and below a study's /labvanced/<study>/
// (its source: set the study's "URL path" to it), with CORS for
// cfg.CORSOrigins. Each event
// is stored with its expSessionNr as the session key (Delivery.Session); a
// /file_upload is streamed to UploadsDir by the handler and gets a row in
// uploads too, committed with its event. The raw body stored for an upload
// is what Delivery.Body holds for it, never the file's bytes: the file is
// on disk.
//
// A retried upload (the same session, file name and content: the same
// idempotency key) is a duplicate like any retry: no second event or
// uploads row. The handler has already stored its file a second time, so
// that copy is removed, and the answer names the file stored first, which
// is the one the receiver keeps.
//
// Files are written under a temporary name carrying this Server's instance
// id (Config.Instance) and renamed once durable, so a receiver killed
// mid-upload leaves a temporary file, never a partial one under its final
// name. On start the directory is swept of this instance's temporary files
// (its killed run's leftovers) and of any older than a day (a receiver's
// that never came back), never of a peer's fresh one: several receivers
// may share UploadsDir.
func (s *Server) mountLabvanced(mux *http.ServeMux) error {
	files, err := labvanced.DirStore(s.cfg.UploadsDir).ForInstance(s.instance)
	if err != nil {
		return err
	}
	if n, err := files.Sweep(context.Background(), uploadSweepAge); err != nil {
		s.log.Warn("sweeping interrupted uploads", slog.String("dir", s.cfg.UploadsDir), slog.String("error", err.Error()))
	} else if n > 0 {
		s.log.Info("swept interrupted uploads", slog.String("dir", s.cfg.UploadsDir), slog.Int("files", n))
	}
	opts := []labvanced.Option{labvanced.WithFileStore(files), labvanced.WithMaxUploadBytes(s.cfg.MaxUploadBytes)}
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
		res, err := s.store(ctx, x)
		if err != nil || res.Upload == nil {
			return err
		}
		up := ev.(*labvanced.FileUpload)
		if err := files.Remove(context.WithoutCancel(ctx), up.FileName); err != nil {
			// The event is stored; a second copy of its file is litter,
			// not a loss, and no reason to make the player retry.
			s.log.WarnContext(ctx, "removing a retried upload's second file",
				slog.String("file", up.FileName), slog.String("error", err.Error()))
		}
		// The handler answers the player from the event: it gets the
		// first upload's GUID and name, as for the first request.
		up.GUID, up.FileName = res.Upload.GUID, res.Upload.StoredName
		return nil
	}, opts...)
	if err != nil {
		return err
	}
	s.mountPrefix(mux, "/labvanced", "labvanced", h, nil)
	return nil
}

// uploadSweepAge is how old another instance's temporary upload file must
// be for the start-up sweep to remove it: a peer's upload in flight keeps
// its file's modification time fresh.
const uploadSweepAge = 24 * time.Hour

// randomInstance returns a random instance id: 16 hex digits.
func randomInstance() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// labvancedCurls are the banner's curl lines for Labvanced: a trial in the
// player's form encoding and a file upload.
func labvancedCurls(base string) []string {
	return []string{
		fmt.Sprintf("curl -sS %s/labvanced/recordTrial --data-binary @testdata/labvanced/recordTrial.form.in", base),
		fmt.Sprintf("curl -sS %s/labvanced/file_upload -F expSessionNr=982345 -F newFileName=rec1.webm -F myFile=@README.md", base),
	}
}
