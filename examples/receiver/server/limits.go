package server

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Defaults of the transport limits (Config.BodyReadTimeout, Config.MaxConns).
const (
	defaultBodyReadTimeout = 60 * time.Second
	// bodyReadStep is how many body bytes extend the body-read deadline by
	// a whole Config.BodyReadTimeout: a sender must deliver at least this
	// much per timeout (64 KiB per 60 s, about 1 KiB/s) or finish within
	// it. A 1 byte/s trickle never earns an extension; a 100 MB upload at
	// any real link speed earns one every few milliseconds.
	bodyReadStep = 64 << 10
	// defaultMaxConns is the cap on open connections. Go raises the soft
	// file limit to the hard one (commonly far above this), and the
	// database and uploads need a few descriptors beside.
	defaultMaxConns = 1024
	// The HTTP server's fixed limits.
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
)

// bodyDeadline gives r's body a read deadline of Config.BodyReadTimeout that
// every bodyReadStep bytes read push back by a whole timeout, so that a
// client sending too slowly is cut off (its read fails with a timeout, the
// vendor handler answers, and the connection is closed) while a large
// upload whose bytes keep flowing completes. It is set per request through
// http.ResponseController, not as http.Server.ReadTimeout, which would
// bound the whole body and kill large uploads. Where the writer cannot take
// deadlines (httptest.ResponseRecorder) it does nothing.
func (s *Server) bodyDeadline(w http.ResponseWriter, r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	d := s.cfg.BodyReadTimeout
	if d <= 0 {
		d = defaultBodyReadTimeout
	}
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(time.Now().Add(d)) != nil {
		return
	}
	r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc, timeout: d}
}

// deadlineBody pushes the read deadline back as bytes arrive.
type deadlineBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	since   int // bytes read since the deadline was last set
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.since += n; b.since >= bodyReadStep {
		b.since = 0
		_ = b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	}
	return n, err
}

// NewHTTPServer returns the http.Server for s.Handler(), with the limits a
// receiver open to the internet needs: ReadHeaderTimeout 10 s, IdleTimeout
// 120 s, MaxHeaderBytes 64 KiB. There is no server-wide ReadTimeout or
// WriteTimeout, which would cut large uploads and the dashboard's event
// stream: the body-read deadline is set per vendor request (bodyDeadline),
// the write deadline per read (requireToken). Serve it on Listen's
// listener, which caps the connections.
func (s *Server) NewHTTPServer() *http.Server {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.lim.mu.Lock()
	s.lim.httpServers = append(s.lim.httpServers, srv)
	s.lim.mu.Unlock()
	return srv
}

// Listen returns ln with at most Config.MaxConns connections open at once
// (1024 when zero): Accept waits while the cap is reached. So that idle
// keep-alive connections cannot hold the places vendors need, once three
// quarters of the cap are open every server from NewHTTPServer stops
// keeping connections alive (idle ones are closed at once, busy ones after
// their answer) until the count is back under half. Reads (events, the
// dashboard and its event streams, exports, metrics) are moreover limited to
// a quarter of the cap at once (requireToken answers 503 beyond), so open
// dashboard tabs and readers never take the places of vendors either.
func (s *Server) Listen(ln net.Listener) net.Listener {
	max := s.maxConns()
	l := &capListener{Listener: ln, s: s, slots: make(chan struct{}, max), done: make(chan struct{}),
		changed: make(chan struct{}, 1), high: max * 3 / 4, low: max / 2}
	go l.watch()
	return l
}

func (s *Server) maxConns() int {
	if s.cfg.MaxConns > 0 {
		return s.cfg.MaxConns
	}
	return defaultMaxConns
}

// capListener is Listen's listener.
type capListener struct {
	net.Listener
	s         *Server
	slots     chan struct{} // one per open connection
	done      chan struct{}
	closeOnce sync.Once
	high, low int
	// changed wakes watch when the count changed. watch alone turns
	// keep-alives off and on: turning them off closes idle connections,
	// whose Close signals here again, so doing it inline would re-enter.
	changed chan struct{}
}

func (l *capListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	l.signal()
	return &capConn{Conn: c, release: func() { <-l.slots; l.signal() }}, nil
}

func (l *capListener) signal() {
	select {
	case l.changed <- struct{}{}:
	default: // watch has a wake-up pending already
	}
}

func (l *capListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// watch turns keep-alives off at the high-water mark and back on at the
// low one, until the listener is closed.
func (l *capListener) watch() {
	shedding := false
	for {
		select {
		case <-l.done:
			return
		case <-l.changed:
		}
		switch n := len(l.slots); {
		case !shedding && n >= l.high:
			shedding = true
			l.s.log.Warn("connections near the cap: keep-alives off, idle connections closed", "open", n, "cap", cap(l.slots))
			l.s.setKeepAlives(false)
		case shedding && n <= l.low:
			shedding = false
			l.s.log.Info("connections back under half the cap: keep-alives on", "open", n, "cap", cap(l.slots))
			l.s.setKeepAlives(true)
		}
	}
}

func (s *Server) setKeepAlives(on bool) {
	s.lim.mu.Lock()
	defer s.lim.mu.Unlock()
	for _, srv := range s.lim.httpServers {
		srv.SetKeepAlivesEnabled(on) // false closes the idle connections
	}
}

// capConn gives its place back once, on Close.
type capConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *capConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// errTooManyReads is the answer to a read over the cap of concurrent reads.
var errTooManyReads = errors.New("too many reads at once; retry shortly")

// limits is the Server's state of the transport limits. Its zero value is
// ready: the read places are made on first use.
type limits struct {
	mu          sync.Mutex
	httpServers []*http.Server // from NewHTTPServer, for setKeepAlives
	readsOnce   sync.Once
	reads       chan struct{} // one per read being served
}

// acquireRead takes a place among the concurrent reads (a quarter of the
// connection cap), or reports false when none is free.
func (s *Server) acquireRead() bool {
	s.lim.readsOnce.Do(func() { s.lim.reads = make(chan struct{}, max(1, s.maxConns()/4)) })
	select {
	case s.lim.reads <- struct{}{}:
		return true
	default:
		return false
	}
}

func (s *Server) releaseRead() { <-s.lim.reads }
