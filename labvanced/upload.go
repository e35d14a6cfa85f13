package labvanced

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/internal/jsonptr"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// Multipart field names of /file_upload.
const (
	fieldExpSessionNr = "expSessionNr"
	fieldNewFileName  = "newFileName"
	fieldFile         = "myFile"
)

// Bounds on the small (non-file) parts of an upload.
const (
	maxFieldBytes = 64 << 10
	maxFields     = 64
)

// FileStore keeps uploaded files. The handler calls Put once per upload,
// while the request is still streaming: a FileStore must copy r to its
// destination without holding it in memory.
type FileStore interface {
	// Put stores everything read from r under a name derived from guid (a
	// fresh uuid v4) and the player's suggested name, which is untrusted.
	// It returns the name used once the content is durable. When Put
	// fails, nothing it created may remain.
	Put(ctx context.Context, guid, suggested string, r io.Reader) (name string, err error)
	// Remove deletes a file Put stored. The handler calls it when the
	// request fails after Put succeeded (a malformed later part, or an
	// error from your function), so a failed upload leaves no file.
	Remove(ctx context.Context, name string) error
}

// newGUID returns a random (version 4) uuid from crypto/rand.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// sourceReader is the myFile part as a store sees it: it hashes and counts
// what the store reads, and remembers a read error so that a failure of the
// request (too large, cut off) is told apart from a failure of the store.
type sourceReader struct {
	r    io.Reader
	n    int64
	hash hashWriter
	err  error
}

type hashWriter interface {
	io.Writer
	Sum([]byte) []byte
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.n += int64(n)
		_, _ = s.hash.Write(p[:n])
	}
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// WriteTo copies the rest of the file to w, reading, hashing and writing
// at once (see pipeCopy); io.Copy uses it.
func (s *sourceReader) WriteTo(w io.Writer) (int64, error) {
	n, rerr, werr := pipeCopy(w, s.r, s.hash)
	s.n += n
	if rerr != nil && s.err == nil {
		s.err = rerr
	}
	if werr != nil {
		return n, werr
	}
	return n, rerr
}

// putFunc stores the file part and returns the name it used.
type putFunc func(suggested string, r io.Reader) (string, error)

// removeFunc undoes a successful put.
type removeFunc func(name string)

// readUpload reads the parts of a /file_upload body, hands the myFile part
// to put as it streams, and returns the event with its warnings (a field
// given twice keeps its last value, a second myFile replaces the first,
// text that is not UTF-8 is read as Latin-1, a field of an unexpected form
// is left empty), kept to a few hundred while the parts are read
// (tolerant.Compact, through warn) and cut to tolerant's rule at the end
// (sortWarnings), however many parts the body has. When it fails after put
// succeeded it calls remove, so a failed upload leaves no file. Errors
// carry their httpx class; an upload without myFile cannot be stored and
// is refused.
func readUpload(mr *multipart.Reader, put putFunc, remove removeFunc) (ev *FileUpload, list tolerant.List, err error) {
	fields := map[string]any{}
	var stored string
	var src *sourceReader
	var partName, partType string
	defer func() {
		if err != nil && stored != "" {
			remove(stored)
		}
	}()
	filePath := jsonptr.Join(fieldFile)
	for nfields := 0; ; nfields++ {
		p, perr := mr.NextPart()
		if perr == io.EOF {
			break
		}
		if perr != nil {
			return nil, nil, requestError("multipart body", perr)
		}
		name := text([]byte(p.FormName()), "", &list)
		path := string(tolerant.AppendToken(nil, name)) // no more of the name than a warning shows
		switch {
		case name == fieldFile:
			if src != nil {
				warn(&list, filePath, -1, "given twice: the last file wins")
				remove(stored)
				stored = ""
			}
			suggested, _ := fields[fieldNewFileName].(string)
			if suggested == "" {
				suggested = p.FileName()
			}
			partName = text([]byte(p.FileName()), filePath, &list)
			partType = text([]byte(p.Header.Get("Content-Type")), filePath, &list)
			src = &sourceReader{r: p, hash: sha256.New()}
			stored, err = put(suggested, src)
			if err != nil {
				stored = ""
				if src.err != nil {
					return nil, nil, requestError(fieldFile, src.err)
				}
				return nil, nil, httpx.Wrap(httpx.ErrHandler, fmt.Errorf("labvanced: storing %s: %w", fieldFile, err))
			}
			// A store that stopped early must not shorten the file silently.
			if extra, _ := io.Copy(io.Discard, src); extra > 0 || src.err != nil {
				if src.err != nil {
					return nil, nil, requestError(fieldFile, src.err)
				}
				return nil, nil, httpx.Wrap(httpx.ErrHandler, errors.New("labvanced: the file store did not read the whole file"))
			}
		case p.FileName() != "":
			// Another file: not part of the protocol; drain it.
			warn(&list, path, -1, "a file part this package does not know: dropped")
			if _, derr := io.Copy(io.Discard, p); derr != nil {
				return nil, nil, requestError("multipart body", derr)
			}
		default:
			if nfields >= maxFields {
				return nil, nil, malformed("", fmt.Sprintf("more than %d parts", maxFields))
			}
			b, rerr := io.ReadAll(io.LimitReader(p, maxFieldBytes+1))
			if rerr != nil {
				return nil, nil, requestError(name, rerr)
			}
			if len(b) > maxFieldBytes {
				return nil, nil, malformed(name, fmt.Sprintf("field over %d bytes", maxFieldBytes))
			}
			if _, dup := fields[name]; dup {
				warn(&list, path, -1, msgDuplicate)
			}
			fields[name] = text(b, path, &list)
		}
	}
	if src == nil {
		return nil, nil, malformed(fieldFile, "missing: an upload without its file cannot be stored")
	}
	d := &decoder{list: list}
	o := &object{d: d, m: fields}
	ev = &FileUpload{
		ExpSessionNr: o.Str(fieldExpSessionNr),
		NewFileName:  o.Str(fieldNewFileName),
		FileName:     stored,
		Size:         src.n,
		SHA256:       hex.EncodeToString(src.hash.Sum(nil)),
		ContentType:  partType,
		PartFileName: partName,
	}
	ev.Extra = o.Rest()
	return ev, sortWarnings(d.list), nil
}

// malformed is a DecodeError of the multipart field (or, for "", of the
// body as a whole).
func malformed(field, msg string) error {
	path := ""
	if field != "" {
		path = string(tolerant.AppendToken(nil, field))
	}
	return decodeError(path, -1, msg)
}

// requestError classes an error reading the request: over the limit (413)
// or malformed (400).
func requestError(what string, err error) error {
	if httpx.Status(err) == 413 {
		return httpx.Wrap(httpx.ErrTooLarge, err)
	}
	return malformed(what, "reading: "+err.Error())
}

// decodeMultipart reads a /file_upload body held in memory: it measures
// and hashes myFile without storing it.
func decodeMultipart(boundary string, body []byte) (Event, tolerant.List, error) {
	if boundary == "" {
		return nil, nil, decodeError("", -1, "multipart body without boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	discard := func(_ string, r io.Reader) (string, error) {
		_, err := io.Copy(io.Discard, r)
		return "", err
	}
	ev, list, err := readUpload(mr, discard, func(string) {})
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			return nil, nil, de
		}
		return nil, nil, decodeError("", -1, err.Error())
	}
	return ev, list, nil
}
