package wms

import (
	"container/list"
	"context"
	"strconv"
	"sync"
	"time"
)

// Order is where an event's sequence number falls among those already seen
// for its session.
type Order uint8

const (
	// InOrder is the number expected next (0 for a session not seen before).
	InOrder Order = iota + 1
	// Duplicate is a number already seen: a retried or repeated delivery.
	Duplicate
	// Gap is a number past the one expected: the numbers in between
	// (Verdict.Missing) have not arrived.
	Gap
	// Late is a number below the one expected that was missing until now
	// (it arrives after a later one), or that the tracker can no longer tell
	// apart from a duplicate because its record was trimmed.
	Late
)

// String returns "in order", "duplicate", "gap" or "late".
func (o Order) String() string {
	switch o {
	case InOrder:
		return "in order"
	case Duplicate:
		return "duplicate"
	case Gap:
		return "gap"
	case Late:
		return "late"
	default:
		return "Order(" + strconv.Itoa(int(o)) + ")"
	}
}

// Range is a run of consecutive sequence numbers: Count numbers from First.
// The zero Range is empty.
type Range struct {
	First, Count int64
}

// Last returns the last number of r; First-1 when r is empty.
func (r Range) Last() int64 { return r.First + r.Count - 1 }

// Numbers returns the numbers of r in order, at most limit of them (a gap
// can be as wide as the sender's numbers jump).
func (r Range) Numbers(limit int) []int64 {
	n := max(min(r.Count, int64(limit)), 0)
	out := make([]int64, 0, n)
	for i := int64(0); i < n; i++ {
		out = append(out, r.First+i)
	}
	return out
}

// Verdict is what a Tracker says about one event.
type Verdict struct {
	Order    Order
	Sequence int64 // the event's own number
	// Expected is the number the session expected before this event.
	Expected int64
	// Missing holds the numbers skipped by a Gap; empty otherwise.
	Missing Range
}

type verdictKey struct{}

// ContextWithVerdict returns a copy of ctx carrying v. The handler uses it
// to hand the tracker's verdict to the user's function.
func ContextWithVerdict(ctx context.Context, v Verdict) context.Context {
	return context.WithValue(ctx, verdictKey{}, v)
}

// VerdictFromContext returns the tracker's verdict on the event being
// handled, and false when the handler has no tracker.
func VerdictFromContext(ctx context.Context) (Verdict, bool) {
	v, ok := ctx.Value(verdictKey{}).(Verdict)
	return v, ok
}

// Tracker follows the sequence numbers of each session and classifies every
// event as in order, duplicate, gap or late. Its memory is bounded: a session
// idle longer than the idle timeout is forgotten, the least recently seen
// session is forgotten when there are more than the maximum, and each session
// remembers at most 256 runs of missing numbers (older runs are trimmed, and
// their numbers are then reported Late, never Duplicate). A forgotten
// session starts again: its next event counts as a gap from 0 (or in order
// at 0). Handlers tracking with it also record there which events' deliveries
// are in flight (one entry per running delivery, removed when its function
// returns), so that WithDropDuplicates never acknowledges an event before
// its first delivery succeeded, even across handlers sharing the tracker. A
// Tracker is safe for concurrent use.
type Tracker struct {
	idle        time.Duration
	maxSessions int
	now         func() time.Time

	mu       sync.Mutex
	sessions map[string]*list.Element // of *session
	lru      list.List                // front: most recently seen
	// inflight holds the deliveries of the handlers tracking with t whose
	// function has not returned yet, one per event; waiting counts the
	// repeats waiting for one of them.
	inflight map[flightKey]*flight
	waiting  int
}

// flightKey names one event of one session.
type flightKey struct {
	id  string
	seq int64
}

// flight is a delivery whose function is running: done is closed when it
// returns, and ok (written before) says whether it succeeded.
type flight struct {
	done chan struct{}
	ok   bool
}

// maxHoles bounds the ranges of missing numbers one session remembers.
const maxHoles = 256

type session struct {
	id    string
	seen  time.Time
	next  int64
	holes []hole // missing numbers below next, in order
	// trimmed is the number below which holes were dropped to honour
	// maxHoles: numbers under it that are not in holes are reported Late,
	// never Duplicate, so that dropping duplicates never loses an event.
	trimmed int64
}

// TrackerOption configures a Tracker.
type TrackerOption func(*Tracker)

// WithIdleTimeout makes the tracker forget a session after d without events
// (default 1 hour). d <= 0 keeps the default.
func WithIdleTimeout(d time.Duration) TrackerOption {
	return func(t *Tracker) {
		if d > 0 {
			t.idle = d
		}
	}
}

// WithMaxSessions bounds the sessions remembered at once (default 10000);
// beyond it the least recently seen is forgotten. n <= 0 keeps the default.
func WithMaxSessions(n int) TrackerOption {
	return func(t *Tracker) {
		if n > 0 {
			t.maxSessions = n
		}
	}
}

// WithClock sets the tracker's clock, for tests (default time.Now).
func WithClock(now func() time.Time) TrackerOption {
	return func(t *Tracker) {
		if now != nil {
			t.now = now
		}
	}
}

// NewTracker returns an empty tracker.
func NewTracker(opts ...TrackerOption) *Tracker {
	t := &Tracker{idle: time.Hour, maxSessions: 10000, now: time.Now,
		sessions: map[string]*list.Element{}, inflight: map[flightKey]*flight{}}
	for _, o := range opts {
		o(t)
	}
	return t
}

// Track records event number seq of session id and returns its verdict. A
// number outside 0 ≤ seq < 2^53, which Decode never delivers, is not
// recorded and is reported Late (never Duplicate, so it is not dropped), so
// that the tracker's arithmetic cannot overflow: a Gap's Missing.Count is
// always positive and below 2^53.
func (t *Tracker) Track(id string, seq int64) Verdict {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.track(id, seq)
}

// track is Track with t.mu held.
func (t *Tracker) track(id string, seq int64) Verdict {
	now := t.now()
	t.expire(now)
	s := t.session(id, now)
	v := Verdict{Sequence: seq, Expected: s.next}
	switch {
	case seq < 0 || seq >= maxSequence:
		v.Order = Late
	case seq == s.next:
		v.Order = InOrder
		s.next++
	case seq > s.next:
		v.Order = Gap
		v.Missing = Range{First: s.next, Count: seq - s.next}
		s.holes = append(s.holes, hole{s.next, seq - 1})
		s.next = seq + 1
		s.trim()
	case s.fill(seq) || seq < s.trimmed:
		v.Order = Late
	default:
		v.Order = Duplicate
	}
	return v
}

// Release marks number seq of session id as not seen, so that the next
// delivery of it is not a Duplicate. The handler calls it when the user's
// function fails, so that the sender's retry is processed.
func (t *Tracker) Release(id string, seq int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.release(id, seq)
}

// release is Release with t.mu held.
func (t *Tracker) release(id string, seq int64) {
	e, ok := t.sessions[id]
	if !ok {
		return
	}
	s := e.Value.(*session)
	switch {
	case seq >= s.next || seq < 0: // s.next ≤ 2^53: never recorded
	case seq == s.next-1 && !s.inHole(seq):
		s.next--
		// A hole ending just below becomes the tail of the expected range.
		if n := len(s.holes); n > 0 && s.holes[n-1].last == s.next-1 {
			s.next = s.holes[n-1].first
			s.holes = s.holes[:n-1]
		}
	case !s.inHole(seq):
		s.addHole(seq)
	}
}

// begin tracks a delivery of event seq of session id. When another
// delivery of the same event is in flight and wait is set, it returns that
// one's flight as busy, tracking nothing. Otherwise it returns the verdict
// and, unless the event is a Duplicate, a flight that end must close.
func (t *Tracker) begin(id string, seq int64, wait bool) (v Verdict, f, busy *flight) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := flightKey{id, seq}
	if other, ok := t.inflight[k]; ok && wait {
		t.waiting++
		return Verdict{}, nil, other
	}
	v = t.track(id, seq)
	if _, ok := t.inflight[k]; !ok && v.Order != Duplicate {
		f = &flight{done: make(chan struct{})}
		t.inflight[k] = f
	}
	return v, f, nil
}

// end closes flight f of event seq of session id, which begin returned:
// a failed delivery (ok false) releases the number first, so that a
// waiting repeat finds it unseen and is processed itself.
func (t *Tracker) end(id string, seq int64, f *flight, ok bool) {
	t.mu.Lock()
	if !ok {
		t.release(id, seq)
	}
	delete(t.inflight, flightKey{id, seq})
	f.ok = ok
	t.mu.Unlock()
	close(f.done)
}

// await waits, within ctx, for the flight busy that begin returned, and
// reports whether that delivery succeeded.
func (t *Tracker) await(ctx context.Context, busy *flight) (ok bool, err error) {
	defer func() {
		t.mu.Lock()
		t.waiting--
		t.mu.Unlock()
	}()
	select {
	case <-busy.done:
		return busy.ok, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// Len returns the number of sessions remembered.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expire(t.now())
	return len(t.sessions)
}

// session returns the record of id, created if needed, marked as seen now.
func (t *Tracker) session(id string, now time.Time) *session {
	if e, ok := t.sessions[id]; ok {
		s := e.Value.(*session)
		s.seen = now
		t.lru.MoveToFront(e)
		return s
	}
	s := &session{id: id, seen: now}
	t.sessions[id] = t.lru.PushFront(s)
	for len(t.sessions) > t.maxSessions {
		t.drop(t.lru.Back())
	}
	return s
}

// expire forgets the sessions idle for longer than the idle timeout.
func (t *Tracker) expire(now time.Time) {
	for e := t.lru.Back(); e != nil && now.Sub(e.Value.(*session).seen) > t.idle; e = t.lru.Back() {
		t.drop(e)
	}
}

func (t *Tracker) drop(e *list.Element) {
	delete(t.sessions, e.Value.(*session).id)
	t.lru.Remove(e)
}

// hole is an inclusive range of missing numbers.
type hole struct{ first, last int64 }

// trim drops the oldest holes beyond maxHoles.
func (s *session) trim() {
	if n := len(s.holes) - maxHoles; n > 0 {
		s.trimmed = s.holes[n-1].last + 1
		s.holes = append(s.holes[:0], s.holes[n:]...)
	}
}

// inHole reports whether seq is among the missing numbers.
func (s *session) inHole(seq int64) bool {
	for _, h := range s.holes {
		if h.first <= seq && seq <= h.last {
			return true
		}
	}
	return false
}

// fill removes seq from the missing numbers, and reports whether it was
// there.
func (s *session) fill(seq int64) bool {
	for i, h := range s.holes {
		if seq < h.first || seq > h.last {
			continue
		}
		switch {
		case h.first == h.last:
			s.holes = append(s.holes[:i], s.holes[i+1:]...)
		case seq == h.first:
			s.holes[i].first++
		case seq == h.last:
			s.holes[i].last--
		default:
			s.holes = append(s.holes[:i+1], s.holes[i:]...)
			s.holes[i].last = seq - 1
			s.holes[i+1].first = seq + 1
			s.trim()
		}
		return true
	}
	return false
}

// addHole marks seq, below next, as missing again.
func (s *session) addHole(seq int64) {
	i := 0
	for i < len(s.holes) && s.holes[i].last < seq {
		i++
	}
	s.holes = append(s.holes, hole{})
	copy(s.holes[i+1:], s.holes[i:])
	s.holes[i] = hole{seq, seq}
	s.trim()
}
