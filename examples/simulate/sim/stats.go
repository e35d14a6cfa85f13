package sim

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// VendorStats counts one vendor's requests.
type VendorStats struct {
	Sent, OK, Status4xx, Status5xx, NoAnswer int
	BadAnswer                                int // a 2xx whose body or headers failed the request's check
	Dropped                                  int // requests the drop fault kept back
	Unexpected                               int // outcomes that did not match the expectation
	Latencies                                []time.Duration
}

// Percentile returns the p-th percentile (0..100) of the vendor's latencies
// by nearest rank, or 0 when none were measured.
func (v *VendorStats) Percentile(p float64) time.Duration {
	return percentile(v.Latencies, p)
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(p/100*float64(len(s))+0.999999) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

// FaultStats counts what one fault produced.
type FaultStats struct {
	Injected   int
	Outcomes   map[string]int // "200", "401", "not sent", "no answer"
	Unexpected int
}

// Result is the outcome of a run.
type Result struct {
	Vendors map[string]*VendorStats
	Faults  map[Fault]*FaultStats
	// Outcomes holds every request, sent or dropped, in completion order.
	// Request bodies over 64 KiB (oversized deliveries) are not kept.
	Outcomes []Outcome
	Skipped  map[string]string // vendor → why it did not run
	Elapsed  time.Duration
}

// Unexpected counts requests whose outcome did not match their expectation.
func (r *Result) Unexpected() int {
	n := 0
	for _, v := range r.Vendors {
		n += v.Unexpected
	}
	return n
}

// Clean reports a run with no unexpected outcome.
func (r *Result) Clean() bool { return r.Unexpected() == 0 }

// recorder collects outcomes from concurrent sessions.
type recorder struct {
	mu  sync.Mutex
	res *Result
}

func newRecorder() *recorder {
	return &recorder{res: &Result{
		Vendors: map[string]*VendorStats{},
		Faults:  map[Fault]*FaultStats{},
		Skipped: map[string]string{},
	}}
}

func (rc *recorder) vendor(name string) *VendorStats {
	v := rc.res.Vendors[name]
	if v == nil {
		v = &VendorStats{}
		rc.res.Vendors[name] = v
	}
	return v
}

// keptBody is the largest request body a Result keeps.
const keptBody = 64 << 10

func (rc *recorder) add(o Outcome) {
	if len(o.Req.Body) > keptBody {
		r := *o.Req
		r.Body = nil
		o.Req = &r
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.res.Outcomes = append(rc.res.Outcomes, o)
	v := rc.vendor(o.Req.Vendor)
	switch {
	case o.Req.Fault == FaultDrop:
		v.Dropped++
	case !o.Sent:
		// cancelled before it went out: neither sent nor judged
	default:
		v.Sent++
		v.Latencies = append(v.Latencies, o.Latency)
		switch {
		case o.Status == 0:
			v.NoAnswer++
		case o.Status >= 500:
			v.Status5xx++
		case o.Status >= 400:
			v.Status4xx++
		case o.Succeeded():
			v.OK++
		default:
			v.BadAnswer++
		}
		if !o.Expected {
			v.Unexpected++
		}
	}
	if o.Req.Fault != FaultNone {
		f := rc.res.Faults[o.Req.Fault]
		if f == nil {
			f = &FaultStats{Outcomes: map[string]int{}}
			rc.res.Faults[o.Req.Fault] = f
		}
		f.Injected++
		f.Outcomes[describeStatus(o)]++
		if o.Sent && !o.Expected {
			f.Unexpected++
		}
	}
}

// progress returns one line: sent, ok, 4xx, 5xx per vendor.
func (rc *recorder) progress(elapsed time.Duration) string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	names := sortedKeys(rc.res.Vendors)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		v := rc.res.Vendors[n]
		parts = append(parts, fmt.Sprintf("%s sent=%d ok=%d 4xx=%d 5xx=%d", n, v.Sent, v.OK, v.Status4xx, v.Status5xx))
	}
	return fmt.Sprintf("[%5.1fs] %s", elapsed.Seconds(), strings.Join(parts, " | "))
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// WriteSummary prints the vendor table (counts and latency percentiles),
// the fault table (what each fault produced) and the verdict.
func (r *Result) WriteSummary(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "vendor\tsent\tok\t4xx\t5xx\tbad answer\tno answer\tdropped\tunexpected\tp50\tp95\tp99\t")
	for _, n := range sortedKeys(r.Vendors) {
		v := r.Vendors[n]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t\n", n, v.Sent, v.OK, v.Status4xx, v.Status5xx,
			v.BadAnswer, v.NoAnswer, v.Dropped, v.Unexpected, round(v.Percentile(50)), round(v.Percentile(95)), round(v.Percentile(99)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Faults) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "fault\tinjected\tunexpected\toutcomes")
		for _, f := range AllFaults() {
			s := r.Faults[f]
			if s == nil {
				continue
			}
			outs := make([]string, 0, len(s.Outcomes))
			for _, k := range sortedKeys(s.Outcomes) {
				outs = append(outs, fmt.Sprintf("%s×%d", k, s.Outcomes[k]))
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", f, s.Injected, s.Unexpected, strings.Join(outs, " "))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, n := range sortedKeys(r.Skipped) {
		fmt.Fprintf(w, "skipped %s: %s\n", n, r.Skipped[n])
	}
	if n := r.Unexpected(); n > 0 {
		fmt.Fprintf(w, "\nFAIL: %d requests did not get the answer they should have, in %s\n", n, round(r.Elapsed))
		shown := 0
		for _, o := range r.Outcomes {
			if !o.Sent || o.Expected {
				continue
			}
			if shown == 20 {
				fmt.Fprintln(w, "  …")
				break
			}
			shown++
			what := o.Req.Vendor + " " + o.Req.Kind
			if o.Req.Session != "" {
				what += " session " + o.Req.Session
			}
			fmt.Fprintf(w, "  %s (fault %s): want %s, got %s %s\n", what, o.Req.Fault, o.Req.Expect, describeStatus(o), errText(o))
		}
		return nil
	}
	_, err := fmt.Fprintf(w, "\nok: every request got the answer it should have, in %s\n", round(r.Elapsed))
	return err
}

func errText(o Outcome) string {
	s := strings.TrimSpace(string(o.Body))
	if o.Err != nil {
		s = o.Err.Error()
	}
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

func round(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(10 * time.Millisecond)
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
