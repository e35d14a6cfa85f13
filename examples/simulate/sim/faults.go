package sim

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Fault is a way real senders and networks misbehave.
type Fault int

const (
	FaultNone      Fault = iota // ordinary traffic
	FaultDuplicate              // the same delivery twice (a retry after a lost answer)
	FaultDrop                   // a delivery that never arrives (WMS: a sequence gap)
	FaultReorder                // a delivery overtaken by the next one
	FaultBadAuth                // a delivery with a wrong key or MAC, before the right one
	FaultTruncate               // a delivery whose body was cut in half, before the whole one
	FaultOversize               // a delivery with a body over the receiver's limit, before the normal one
	FaultSlow                   // a body that arrives in slow pieces
	numFaults
)

var faultNames = [numFaults]string{"none", "duplicate", "drop", "reorder", "badauth", "truncate", "oversize", "slow"}

func (f Fault) String() string {
	if f >= 0 && f < numFaults {
		return faultNames[f]
	}
	return fmt.Sprintf("fault(%d)", int(f))
}

// AllFaults lists every fault, in table order.
func AllFaults() []Fault {
	var fs []Fault
	for f := FaultNone + 1; f < numFaults; f++ {
		fs = append(fs, f)
	}
	return fs
}

// ParseFaults reads a comma-separated list of fault names ("duplicate,drop"),
// "all" or "none"/"". Short forms dup, bad-mac, bad-key, badmac, trunc and
// big are accepted.
func ParseFaults(s string) ([]Fault, error) {
	var fs []Fault
	for _, name := range strings.Split(s, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		switch name {
		case "", "none":
			continue
		case "all":
			return AllFaults(), nil
		case "dup":
			name = "duplicate"
		case "bad-mac", "bad-key", "badmac", "badkey":
			name = "badauth"
		case "trunc":
			name = "truncate"
		case "big":
			name = "oversize"
		}
		i := slices.Index(faultNames[:], name)
		if i <= 0 {
			return nil, fmt.Errorf("sim: unknown fault %q (want %s or all)", name, strings.Join(faultNames[1:], ", "))
		}
		if !slices.Contains(fs, Fault(i)) {
			fs = append(fs, Fault(i))
		}
	}
	return fs, nil
}

// injector turns a session's clean requests into what is sent.
type injector struct {
	gen      Generator
	faults   []Fault // the faults the generator can show
	rate     float64 // probability that a request carries a fault
	oversize int     // body size of an oversized delivery
}

// group is one clean request and the fault copies sent with it.
type group struct {
	reqs    []*Request
	reorder bool
}

// apply returns the requests to send for session n, in order, and the
// requests dropped. Each clean request carries a fault with probability
// in.rate, at most one, chosen among those that apply to it; the faults take
// turns (session n starts its turn at a different fault) so that a few
// sessions show every one. Every request leaves authorized.
func (in *injector) apply(rng *rand.Rand, n int, clean []*Request) (send, dropped []*Request) {
	groups := make([]group, 0, len(clean))
	turn := n * 2
	for i, r := range clean {
		f := FaultNone
		if len(in.faults) > 0 && rng.Float64() < in.rate {
			ok := in.applicable(r, i, len(clean))
			for k := range in.faults {
				if c := in.faults[(turn+k)%len(in.faults)]; slices.Contains(ok, c) {
					f = c
					if k == 0 { // a fault that did not apply keeps its turn
						turn++
					}
					break
				}
			}
		}
		var g group
		switch f {
		case FaultDrop:
			r.Fault = FaultDrop
			dropped = append(dropped, r)
			continue
		case FaultBadAuth:
			c := r.clone()
			in.gen.Authorize(c, false)
			c.Fault, c.Expect = FaultBadAuth, ExpectFailure
			g.reqs = append(g.reqs, c)
		case FaultTruncate:
			c := r.clone()
			in.gen.Authorize(c, true) // signed whole, cut in transit
			c.Body = c.Body[:len(c.Body)/2]
			c.Fault, c.Expect = FaultTruncate, ExpectFailure
			if r.TruncatedMayPass {
				c.Expect = ExpectEither
			}
			g.reqs = append(g.reqs, c)
		case FaultOversize:
			c := r.clone()
			c.Body = r.Pad(c.Body, in.oversize)
			in.gen.Authorize(c, true) // well signed: only the size is wrong
			c.Fault, c.Expect = FaultOversize, ExpectFailure
			g.reqs = append(g.reqs, c)
		}
		in.gen.Authorize(r, true)
		switch f {
		case FaultSlow:
			r.Fault, r.Slow = FaultSlow, true
		case FaultReorder:
			r.Fault, g.reorder = FaultReorder, true
		}
		g.reqs = append(g.reqs, r)
		if f == FaultDuplicate {
			c := r.clone()
			c.Fault = FaultDuplicate
			g.reqs = append(g.reqs, c)
		}
		groups = append(groups, g)
	}
	for i := 0; i+1 < len(groups); i++ {
		if groups[i].reorder {
			groups[i], groups[i+1] = groups[i+1], groups[i]
			i++
		}
	}
	for _, g := range groups {
		send = append(send, g.reqs...)
	}
	return send, dropped
}

// applicable lists the enabled faults that make sense for request i of n.
func (in *injector) applicable(r *Request, i, n int) []Fault {
	var ok []Fault
	for _, f := range in.faults {
		switch f {
		case FaultTruncate:
			if len(r.Body) < 2 || r.NoBodyFaults {
				continue
			}
		case FaultOversize:
			if r.Body == nil || r.NoBodyFaults || r.Pad == nil {
				continue
			}
		case FaultSlow:
			if len(r.Body) == 0 {
				continue
			}
		case FaultReorder:
			if i+1 >= n {
				continue
			}
		}
		ok = append(ok, f)
	}
	return ok
}

// padJSON grows a JSON object body with whitespace before its closing brace:
// still valid JSON, only too big.
func padJSON(body []byte, n int) []byte {
	if len(body) >= n || len(body) == 0 {
		return body
	}
	end := len(body) - 1
	out := make([]byte, 0, n)
	out = append(out, body[:end]...)
	out = append(out, bytes.Repeat([]byte{' '}, n-len(body))...)
	return append(out, body[end:]...)
}

// padForm grows a form body with one more field.
func padForm(body []byte, n int) []byte {
	const field = "&padding="
	if len(body)+len(field) >= n {
		return body
	}
	out := make([]byte, 0, n)
	out = append(append(out, body...), field...)
	return append(out, bytes.Repeat([]byte{'x'}, n-len(out))...)
}
