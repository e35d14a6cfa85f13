package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// readBack reads the newest stored event from the receiver at base with the
// admin token (reads need it) and says what it found, so a run shows that
// its traffic reached the store and that the token opens the receiver's
// dashboard. Without a token it says how to give one. It never changes the
// exit status: the answers checked during the run decide that.
func readBack(ctx context.Context, out io.Writer, base, token string) {
	if token == "" {
		fmt.Fprintln(out, "simulate: no admin token (-admin-token, $VENDORHOOKS_ADMIN_TOKEN or the receiver's -db): stored events not read back")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/events?limit=1", nil)
	if err != nil {
		fmt.Fprintln(out, "simulate: reading back:", err)
		return
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(out, "simulate: reading back:", err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(out, "simulate: reading back: GET /events answered %s (is the admin token the receiver's? receiver -print-keys shows it)\n", resp.Status)
		return
	}
	var list struct {
		Events []struct {
			ID     int64  `json:"id"`
			Vendor string `json:"vendor"`
			Kind   string `json:"kind"`
		} `json:"events"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list.Events) == 0 {
		fmt.Fprintln(out, "simulate: reading back: no stored event")
		return
	}
	e := list.Events[0]
	fmt.Fprintf(out, "simulate: newest stored event: #%d %s %s; the dashboard is %s/ (sign in with the admin token)\n", e.ID, e.Vendor, e.Kind, strings.TrimSuffix(base, "/"))
}
