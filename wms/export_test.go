package wms

// Waiting returns the number of repeats waiting for a delivery of the same
// event in flight, so that a test can wait until a repeat is parked.
func Waiting(t *Tracker) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.waiting
}
