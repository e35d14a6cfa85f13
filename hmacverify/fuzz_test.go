package hmacverify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/vendorhooks/vendorhooks/hmacverify"
	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// FuzzVerify feeds arbitrary header values to verifiers of two schemes. It
// must never panic; a refusal is an unauthorized error naming one of the
// sentinels and never holding the MAC; an acceptance means the header holds
// the MAC; a header gets the same answer alone as after a space; and a good
// signature after any junk and a separator passes.
func FuzzVerify(f *testing.F) {
	key := []byte("fuzz-key")
	body := []byte(`{"event":"x"}`)
	m := hmac.New(sha256.New, key)
	m.Write(body)
	mac := m.Sum(nil)
	hexMAC := hex.EncodeToString(mac)
	b64MAC := base64.RawStdEncoding.EncodeToString(mac)

	for _, seed := range []string{
		"", " ", ",", "sha256=", "sha256=" + hexMAC, "SHA256=" + strings.ToUpper(hexMAC),
		"sha256=" + hexMAC[:63] + "g", "sha1=abc, sha256=" + hexMAC, "v1," + b64MAC + "=",
		"v1,x v2," + b64MAC + " v1," + b64MAC, "v1,,v1,", "v1," + b64MAC + "==", "v1," + strings.Repeat("=", 90),
		hexMAC + hexMAC, "\t,\t" + hexMAC,
	} {
		f.Add(seed)
	}
	hexV, err := hmacverify.New(hmacverify.WithSecrets([]byte("other"), key), hmacverify.WithPrefix("sha256="))
	if err != nil {
		f.Fatal(err)
	}
	b64V, err := hmacverify.New(hmacverify.WithSecrets(key), hmacverify.WithPrefix("v1,"), hmacverify.WithEncoding(hmacverify.Base64))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string) {
		for _, c := range []struct {
			v       *hmacverify.Verifier
			holds   func(string) bool
			encoded string
		}{
			{hexV, func(h string) bool { return strings.Contains(strings.ToLower(h), hexMAC) }, hexMAC},
			{b64V, func(h string) bool { return strings.Contains(h, b64MAC) }, b64MAC},
		} {
			err := c.v.Verify(body, header)
			if err == nil {
				if !c.holds(header) {
					t.Fatalf("accepted %q without the MAC", header)
				}
			} else {
				known := errors.Is(err, hmacverify.ErrMissingSignature) || errors.Is(err, hmacverify.ErrInvalidSignature)
				if !known || httpx.Status(err) != http.StatusUnauthorized {
					t.Fatalf("Verify(%q) = %v: want a sentinel of class unauthorized", header, err)
				}
				if strings.Contains(strings.ToLower(err.Error()), strings.ToLower(c.encoded)) || strings.Contains(err.Error(), "fuzz-key") {
					t.Fatalf("error %q leaks the MAC or the key", err)
				}
			}
			// A header alone gets the answer it gets after a separator
			// (Verify decides a single signature without the list scan).
			if inList := c.v.Verify(body, " "+header); (err == nil) != (inList == nil) || err != nil && err.Error() != inList.Error() {
				t.Fatalf("Verify(%q) = %v, but after a space: %v", header, err, inList)
			}
			if err := c.v.Verify(body, header+" "+c.v.Sign(body)); err != nil {
				t.Fatalf("Verify(%q + good signature) = %v", header, err)
			}
		}
	})
}
