package labvanced

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// DirStore is a FileStore writing into the directory it names, which must
// exist:
//
//	labvanced.NewHandler(fn, labvanced.WithFileStore(labvanced.DirStore("/srv/uploads")))
//
// Each file is named "<guid>_<safe name>", where the safe name is the
// player's suggested name reduced to one harmless path element (see Put).
// A file is written under a temporary name first (see InstanceDirStore),
// created with O_EXCL and mode 0600, fsynced, then moved to its final name
// without ever replacing an existing file, and the directory is fsynced
// before Put returns. So the final name exists only once the content is
// durable: a process killed mid-upload leaves a temporary file, never a
// partial file under a final name. A failed Put removes what it wrote.
//
// A DirStore's temporary names carry an instance id drawn at random once
// per process. Programs that share a directory among several processes
// (receivers behind a load balancer), or that sweep leftovers on start,
// use DirStore(dir).ForInstance(id), with an id of their own, and call
// Sweep before serving.
type DirStore string

// InstanceDirStore is a DirStore for one instance of a program among those
// writing to the same directory. Its temporary files are named
// ".upload-<instance>-<16 hex digits>.tmp" (final names always hold a '_',
// temporary names never do), so that Sweep can tell its own leftovers from
// a peer's upload in flight. Make one with DirStore.ForInstance; the zero
// value fails every Put.
type InstanceDirStore struct {
	dir      string
	instance string
}

// Temporary file names: tempPrefix + instance + "-" + 16 hex digits +
// tempSuffix.
const (
	tempPrefix = ".upload-"
	tempSuffix = ".tmp"
	maxIDBytes = 64
)

// processInstance is the instance id of a plain DirStore.
var processInstance = randomHex(8)

// inflight holds the temporary names Puts of this process are writing, so
// that Sweep never removes one, whatever its instance.
var inflight sync.Map

// ForInstance returns the store of d for instance, which must be 1 to 64
// ASCII letters and digits (a random hex string, for example) and should be
// unique among the processes sharing d.
func (d DirStore) ForInstance(instance string) (InstanceDirStore, error) {
	if !isInstanceID(instance) {
		return InstanceDirStore{}, errors.New("labvanced: dir store: instance id must be 1 to 64 ASCII letters and digits")
	}
	return InstanceDirStore{dir: string(d), instance: instance}, nil
}

// Dir returns the directory d writes into.
func (d InstanceDirStore) Dir() string { return d.dir }

// Instance returns d's instance id.
func (d InstanceDirStore) Instance() string { return d.instance }

// Put is InstanceDirStore.Put with the process's random instance id.
func (d DirStore) Put(ctx context.Context, guid, suggested string, r io.Reader) (string, error) {
	return InstanceDirStore{dir: string(d), instance: processInstance}.Put(ctx, guid, suggested, r)
}

// Remove deletes the file name from the directory. It refuses a name that
// is not a single path element.
func (d DirStore) Remove(ctx context.Context, name string) error {
	return InstanceDirStore{dir: string(d)}.Remove(ctx, name)
}

// Sweep is InstanceDirStore.Sweep with the process's random instance id:
// it removes temporary files older than olderThan.
func (d DirStore) Sweep(ctx context.Context, olderThan time.Duration) (removed int, err error) {
	return InstanceDirStore{dir: string(d), instance: processInstance}.Sweep(ctx, olderThan)
}

// maxNameBytes bounds the safe part of a stored name, so that
// "<guid>_<name>" stays under the 255-byte limit of common file systems.
const maxNameBytes = 200

// copyBufSize is the size of the buffers of a pipeCopy, so the write size
// of DirStore: large enough to keep the syscall count of a 100 MB recording
// low, small enough to stay in a core's cache from one stage to the next.
// 1 MiB buffers were measured slower (about 245 against 205 ms for 256 MiB
// through the handler on 2 cores) for four times the memory.
const copyBufSize = 256 << 10

// writebackEvery is how often DirStore asks the kernel to start writing
// the file out, so that the final fsync has little left to wait for.
const writebackEvery = 8 << 20

var copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// Put writes r to a new file named guid + "_" + the safe form of suggested
// and returns that name. The safe form keeps letters, digits, '.', '-' and
// '_' of suggested, replaces every other character (separators, control
// characters, NUL, spaces, punctuation) by '_', collapses runs of dots,
// drops leading dots and dashes and trailing dots, prefixes Windows
// reserved names (CON, NUL, COM1, ...) with '_', and cuts the result to 200
// bytes keeping a short extension. An empty result becomes "file".
//
// The content goes to a temporary file of d's instance first; once it is
// fsynced, the file gets its final name (a hard link then the removal of the
// temporary name, which fails rather than replace a file; where the file
// system has no hard links, a rename after checking that the name is free),
// and the directory is fsynced. An existing file of the final name is never
// overwritten: Put fails with an error matching fs.ErrExist.
func (d InstanceDirStore) Put(ctx context.Context, guid, suggested string, r io.Reader) (name string, err error) {
	if !isSafeElement(guid) {
		return "", errors.New("labvanced: dir store: unsafe guid")
	}
	if !isInstanceID(d.instance) {
		return "", errors.New("labvanced: dir store: no instance id (use DirStore.ForInstance)")
	}
	name = guid + "_" + safeFileName(suggested)
	final := filepath.Join(d.dir, name)
	if _, err := os.Lstat(final); err == nil {
		return "", &fs.PathError{Op: "put", Path: final, Err: fs.ErrExist}
	}
	tmpName := tempPrefix + d.instance + "-" + randomHex(8) + tempSuffix
	tmp := filepath.Join(d.dir, tmpName)
	inflight.Store(tmpName, struct{}{})
	defer inflight.Delete(tmpName)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	closed, linked := false, false
	defer func() {
		if err == nil {
			return
		}
		if !closed {
			_ = f.Close()
		}
		if linked {
			_ = os.Remove(final)
		}
		_ = os.Remove(tmp)
	}()
	if err = copyToFile(ctx, f, r); err != nil {
		return "", err
	}
	if err = f.Sync(); err != nil {
		return "", err
	}
	closed = true
	if err = f.Close(); err != nil {
		return "", err
	}
	if err = moveNoReplace(tmp, final); err != nil {
		return "", err
	}
	linked = true
	if err = syncDir(d.dir); err != nil {
		return "", err
	}
	return name, nil
}

// Remove deletes the file name from the directory. It refuses a name that
// is not a single path element.
func (d InstanceDirStore) Remove(_ context.Context, name string) error {
	if !isSafeElement(name) {
		return errors.New("labvanced: dir store: unsafe name")
	}
	return os.Remove(filepath.Join(d.dir, name))
}

// Sweep removes the leftovers of interrupted Puts (a process killed
// mid-upload) and returns how many files it removed: every temporary file
// of d's instance, and every temporary file of another instance last
// written more than olderThan ago (a day is a good value: a peer's upload
// in flight keeps its file's modification time fresh). It never removes a
// final name, nor the temporary file of a Put of this process in flight.
// An olderThan of 0 removes the temporary files of every instance: only
// for a directory no other process writes to. It goes on past a file it
// cannot remove and returns the errors joined.
func (d InstanceDirStore) Sweep(ctx context.Context, olderThan time.Duration) (removed int, err error) {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return 0, err
	}
	cutoff := time.Now().Add(-olderThan)
	var errs []error
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		inst, ok := parseTempName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		if _, busy := inflight.Load(e.Name()); busy {
			continue
		}
		if inst != d.instance {
			info, err := e.Info()
			if err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, err)
				}
				continue
			}
			if olderThan > 0 && !info.ModTime().Before(cutoff) {
				continue
			}
		}
		switch err := os.Remove(filepath.Join(d.dir, e.Name())); {
		case err == nil:
			removed++
		case errors.Is(err, fs.ErrNotExist): // renamed or swept meanwhile
		default:
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}

// moveNoReplace gives the file at tmp the name final, failing with an error
// matching fs.ErrExist rather than replacing a file. A hard link is atomic
// about it; where the file system has none (FAT, some FUSE), final is
// checked first: its guid is fresh, so nothing else creates it meanwhile.
func moveNoReplace(tmp, final string) error {
	err := os.Link(tmp, final)
	if err == nil {
		// Should the temporary name stay (a crash now), it is a second
		// name of a complete file, which Sweep removes.
		_ = os.Remove(tmp)
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, lerr := os.Lstat(final); lerr == nil {
		return &fs.PathError{Op: "rename", Path: final, Err: fs.ErrExist}
	}
	return os.Rename(tmp, final)
}

// parseTempName returns the instance id of a temporary file name.
func parseTempName(name string) (instance string, ok bool) {
	rest, ok := strings.CutPrefix(name, tempPrefix)
	if !ok {
		return "", false
	}
	rest, ok = strings.CutSuffix(rest, tempSuffix)
	if !ok {
		return "", false
	}
	instance, random, ok := strings.Cut(rest, "-")
	if !ok || !isInstanceID(instance) || len(random) != 16 {
		return "", false
	}
	return instance, true
}

// isInstanceID reports whether id is 1 to 64 ASCII letters and digits.
func isInstanceID(id string) bool {
	if id == "" || len(id) > maxIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// randomHex returns n random bytes from crypto/rand in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// syncDir makes a new directory entry durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	// Some file systems cannot sync a directory; the file itself is synced.
	if errors.Is(err, os.ErrInvalid) || errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	return err
}

// isSafeElement reports whether name is one local path element.
func isSafeElement(name string) bool {
	return name != "" && name != "." && name != ".." &&
		!strings.ContainsAny(name, "/\\\x00") && filepath.IsLocal(name)
}

// safeFileName reduces a client-chosen name to one harmless path element:
// see DirStore.Put for the rules.
func safeFileName(s string) string {
	var b strings.Builder
	prevDot := false
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		switch {
		case r == '.':
			if prevDot {
				continue
			}
		case r == '-' || r == '_':
		case r == utf8.RuneError && size <= 1:
			r = '_'
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
		default:
			r = '_'
		}
		prevDot = r == '.'
		b.WriteRune(r)
	}
	name := strings.TrimLeft(b.String(), ".-")
	name = strings.TrimRight(name, ".")
	if name == "" {
		return "file"
	}
	if isReservedName(name) {
		name = "_" + name
	}
	return truncateName(name, maxNameBytes)
}

// truncateName cuts name to at most limit bytes on a rune boundary,
// keeping an extension of up to 16 bytes.
func truncateName(name string, limit int) string {
	if len(name) <= limit {
		return name
	}
	ext := filepath.Ext(name)
	if len(ext) > 16 {
		ext = ""
	}
	stem := name[:len(name)-len(ext)]
	cut := limit - len(ext)
	for cut > 0 && !utf8.RuneStart(stem[cut]) {
		cut--
	}
	return strings.TrimRight(stem[:cut], ".") + ext
}

// isReservedName reports whether name is a device name on Windows (CON,
// PRN, AUX, NUL, COM0-9, LPT0-9), with or without an extension.
func isReservedName(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(base)
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) {
		c := base[3]
		return c >= '0' && c <= '9'
	}
	return false
}

// copyToFile copies r to f in large writes, starting writeback every
// writebackEvery bytes and stopping when ctx ends. A reader that is an
// io.WriterTo (the handler's) writes itself.
func copyToFile(ctx context.Context, f *os.File, r io.Reader) error {
	fw := &fileWriter{ctx: ctx, f: f}
	if wt, ok := r.(io.WriterTo); ok {
		_, err := wt.WriteTo(fw)
		return err
	}
	_, rerr, werr := pipeCopy(fw, r, nil)
	if werr != nil {
		return werr
	}
	return rerr
}

// fileWriter writes to a file being stored.
type fileWriter struct {
	ctx     context.Context
	f       *os.File
	written int64
	flushed int64 // bytes handed to startWriteback
}

func (w *fileWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := w.f.Write(p)
	w.written += int64(n)
	if w.written-w.flushed >= writebackEvery {
		startWriteback(w.f, w.flushed, w.written-w.flushed)
		w.flushed = w.written
	}
	return n, err
}
