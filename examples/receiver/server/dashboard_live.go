package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// liveEvent is what /live sends for each committed delivery.
type liveEvent struct {
	ID        int64  `json:"id"`
	Vendor    string `json:"vendor"`
	Kind      string `json:"kind"`
	Session   string `json:"session,omitempty"`
	Duplicate bool   `json:"duplicate,omitempty"`
}

// hub fans committed deliveries out to the open /live streams. A slow
// stream loses events rather than slowing the writer: a page refetches its
// view on any event, so a lost one only delays a refresh until the next.
type hub struct {
	mu      sync.Mutex
	subs    map[chan liveEvent]struct{}
	stopped chan struct{}
	once    sync.Once
}

func newHub() *hub {
	return &hub{subs: map[chan liveEvent]struct{}{}, stopped: make(chan struct{})}
}

// publish hands e to every stream without blocking.
func (h *hub) publish(e liveEvent) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.subs {
		select {
		case c <- e:
		default:
		}
	}
}

func (h *hub) subscribe() chan liveEvent {
	c := make(chan liveEvent, 64)
	h.mu.Lock()
	h.subs[c] = struct{}{}
	h.mu.Unlock()
	return c
}

func (h *hub) unsubscribe(c chan liveEvent) {
	h.mu.Lock()
	delete(h.subs, c)
	h.mu.Unlock()
}

// StopLive ends every open /live stream, and those opened later at once, so
// that http.Server.Shutdown, which waits for active requests, is not held
// up by dashboard tabs. Register it with http.Server.RegisterOnShutdown.
func (s *Server) StopLive() {
	if s.live != nil {
		s.live.once.Do(func() { close(s.live.stopped) })
	}
}

// liveHeartbeat is how often an idle stream sends a comment, so that
// proxies and the connection cap see it alive and a closed tab is noticed.
const liveHeartbeat = 20 * time.Second

// serveLive streams committed deliveries as Server-Sent Events ("delivery",
// with a liveEvent as data) until the client goes away or StopLive. It
// clears the write and read deadlines the server may have set for reads: a
// stream is meant to stay open.
func (s *Server) serveLive(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // ErrNotSupported only where no deadline can be set either
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	c := s.live.subscribe()
	defer s.live.unsubscribe(c)
	if _, err := fmt.Fprint(w, "retry: 2000\n: connected\n\n"); err != nil {
		return
	}
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(liveHeartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.live.stopped:
			return
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return
			}
		case e := <-c:
			b, _ := json.Marshal(e) // strings and numbers only
			if _, err := fmt.Fprintf(w, "event: delivery\nid: %d\ndata: %s\n\n", e.ID, b); err != nil {
				return
			}
		}
		if rc.Flush() != nil {
			return
		}
	}
}
