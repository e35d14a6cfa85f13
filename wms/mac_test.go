package wms_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/hmacverify"
	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

// The MACs below were computed with Node v20 by the vendor's sample code:
//
//	const h = require('crypto').createHmac('sha256', macSecret);
//	h.update(requestBody.toString(), 'ascii');
//	'hmac-sha256=' + h.digest('hex')
//
// with macSecret "wmstest-mac-secret" (wmstest.Secret), and for rawMAC with
// h.update(requestBody) instead.
var (
	// nonASCIIBody holds é, € and an emoji.
	nonASCIIBody = []byte(`{"timestamp":1689684577,"sessionId":"séance €","sequence":0,"event":"GENERAL_ERROR","severity":"ERROR","payload":{"details":"caméra 😀 €"}}`)
	nodeMAC      = "hmac-sha256=571cae2f36d606844dc86034097a3b346b1532a463a580c230f16a12dcea03e7"
	rawMAC       = "hmac-sha256=1c3216d89c6d3e3cdc3384bcc376983ba1c809054f574e2e20d0d97f88ae7306"
	// invalidUTF8Body holds a truncated sequence, a stray byte, a surrogate
	// and a truncated emoji; Node turns each maximal subpart into U+FFFD.
	invalidUTF8Body = mustHex("7b2261223a22e28241ffeda080f09f227d")
	invalidUTF8MAC  = "hmac-sha256=9ac850281390008d25c76a16e8b375dadf6a2aabae634da67dc3d116653295f5"
	// specMAC signs testdata/wms/spec-body.in, which is ASCII.
	specMAC = "hmac-sha256=40a489f9267b853a9e990d5e04c19055491ad1daca1e66889765c376c0d73dd5"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func specBody(t testing.TB) []byte {
	b, err := os.ReadFile(goldenDir + "/spec-body.in")
	require.NoError(t, err)
	return b
}

func verifier(t testing.TB, secrets ...string) *wms.Verifier {
	v, err := wms.NewVerifier(secrets...)
	require.NoError(t, err)
	return v
}

func TestNodeASCII(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain ascii", "plain ascii"},
		{"", ""},
		{"é", "\xe9"},
		{"€", "\xac"},
		{"😀", "\x3d\x00"},                // U+1F600: surrogates D83D DE00
		{"a\xe2\x82Ab", "a\xfdAb"},       // truncated sequence: one U+FFFD
		{"\xff\x41", "\xfdA"},            // stray byte
		{"\xed\xa0\x80", "\xfd\xfd\xfd"}, // encoded surrogate: three
		{"\xc0\xaf", "\xfd\xfd"},         // overlong
		{"\xf4\x90\x80\x80", "\xfd\xfd\xfd\xfd"},
		{"\xf0\x90\x80A", "\xfdA"},
		{"\xef\xbb\xbfA", "\xffA"}, // a BOM is kept
		{"\xef\xbf\xbd", "\xfd"},   // U+FFFD itself
	} {
		assert.Equal(t, []byte(c.want), wms.NodeASCII([]byte(c.in)), "%q", c.in)
	}
	// Ill-formed sequences of every lead byte class, with what Node v20
	// gives for Buffer.from(hex, 'hex').toString() written as 'latin1'
	// (the same bytes as hmac.update(s, 'ascii')).
	for in, want := range map[string]string{
		"c3": "fd", "c341": "fd41", "c2c3a9": "fde9", "dfbf": "ff", "c1bf": "fdfd", "80": "fd",
		"e0": "fd", "e080": "fdfd", "e0a0": "fd", "e0a041": "fd41", "e09f41": "fdfd41", "e1": "fd", "eda0": "fdfd",
		"f0": "fd", "f1": "fd", "f18080": "fd", "f1808041": "fd41", "f38f": "fd", "f48f": "fd", "f5": "fd",
	} {
		assert.Equal(t, mustHex(want), wms.NodeASCII(mustHex(in)), "%s", in)
	}
}

func TestSignMatchesNode(t *testing.T) {
	assert.Equal(t, nodeMAC, wmstest.SignNode(nonASCIIBody, wmstest.Secret))
	assert.Equal(t, rawMAC, wmstest.Sign(nonASCIIBody, wmstest.Secret))
	assert.Equal(t, invalidUTF8MAC, wmstest.SignNode(invalidUTF8Body, wmstest.Secret))
	assert.Equal(t, specMAC, wmstest.SignNode(specBody(t), wmstest.Secret))
	assert.Equal(t, specMAC, wmstest.Sign(specBody(t), wmstest.Secret), "ASCII: both ways agree")
	assert.Equal(t, rawMAC, verifier(t, wmstest.Secret).Sign(nonASCIIBody))
}

func TestVerify(t *testing.T) {
	v := verifier(t, wmstest.Secret)
	spec := specBody(t)
	upper := wms.MACPrefix + strings.ToUpper(strings.TrimPrefix(specMAC, wms.MACPrefix))
	for _, c := range []struct {
		name   string
		body   []byte
		header string
		want   error
		cause  error // the hmacverify sentinel the refusal also matches
	}{
		{"ascii", spec, specMAC, nil, nil},
		{"non-ascii signed the node way", nonASCIIBody, nodeMAC, nil, nil},
		{"non-ascii signed over bytes", nonASCIIBody, rawMAC, nil, nil},
		{"invalid utf-8 signed the node way", invalidUTF8Body, invalidUTF8MAC, nil, nil},
		// Hex is compared as bytes: the vendor sends lowercase, uppercase
		// carries the same MAC.
		{"uppercase hex", spec, upper, nil, nil},
		{"wrong secret", spec, wmstest.Sign(spec, "other"), wms.ErrInvalidMAC, hmacverify.ErrInvalidSignature},
		{"wrong secret node way", nonASCIIBody, wmstest.SignNode(nonASCIIBody, "other"), wms.ErrInvalidMAC, hmacverify.ErrInvalidSignature},
		{"tampered body", append(bytes.Clone(spec), ' '), specMAC, wms.ErrInvalidMAC, hmacverify.ErrInvalidSignature},
		{"node MAC of another body", spec, nodeMAC, wms.ErrInvalidMAC, hmacverify.ErrInvalidSignature},
		{"missing header", spec, "", wms.ErrMissingMAC, hmacverify.ErrMissingSignature},
		{"blank header", spec, "  ", wms.ErrMissingMAC, hmacverify.ErrMissingSignature},
		{"wrong prefix", spec, "sha256=" + strings.TrimPrefix(specMAC, wms.MACPrefix), wms.ErrInvalidMAC, hmacverify.ErrMalformedSignature},
		{"no prefix", spec, strings.TrimPrefix(specMAC, wms.MACPrefix), wms.ErrInvalidMAC, hmacverify.ErrMalformedSignature},
		{"prefix only", spec, wms.MACPrefix, wms.ErrInvalidMAC, hmacverify.ErrMalformedSignature},
		{"short hex", spec, specMAC[:len(specMAC)-2], wms.ErrInvalidMAC, hmacverify.ErrMalformedSignature},
		{"not hex", spec, specMAC[:len(specMAC)-1] + "g", wms.ErrInvalidMAC, hmacverify.ErrMalformedSignature},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := v.Verify(c.body, c.header)
			if c.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, c.want)
			assert.ErrorIs(t, err, c.cause)
		})
	}
}

func TestVerifyRotation(t *testing.T) {
	spec := specBody(t)
	v := verifier(t, "new-secret", "old-secret")
	assert.NoError(t, v.Verify(spec, wmstest.Sign(spec, "old-secret")))
	assert.NoError(t, v.Verify(spec, wmstest.Sign(spec, "new-secret")))
	assert.NoError(t, v.Verify(nonASCIIBody, wmstest.SignNode(nonASCIIBody, "old-secret")))
	assert.ErrorIs(t, v.Verify(spec, wmstest.Sign(spec, "retired-secret")), wms.ErrInvalidMAC)
	assert.Equal(t, wmstest.Sign(spec, "new-secret"), v.Sign(spec), "Sign uses the first secret")
}

func TestNewVerifierNeedsSecret(t *testing.T) {
	_, err := wms.NewVerifier()
	assert.ErrorIs(t, err, hmacverify.ErrNoSecret)
	assert.EqualError(t, err, "wms: hmacverify: no secret configured")
	_, err = wms.NewVerifier("ok", "")
	assert.ErrorIs(t, err, hmacverify.ErrEmptySecret)
	assert.EqualError(t, err, "wms: hmacverify: empty secret configured (secret 1)")
}

func FuzzVerify(f *testing.F) {
	f.Add(nodeMAC)
	f.Add(rawMAC)
	f.Add(strings.ToUpper(rawMAC))
	f.Add("")
	f.Add(wms.MACPrefix)
	f.Add("sha256=" + rawMAC[len(wms.MACPrefix):])
	f.Add(nodeMAC + ", " + rawMAC)
	f.Add("hmac-sha256=zz hmac-sha256=00")
	v := verifier(f, wmstest.Secret)
	macs := []string{rawMAC[len(wms.MACPrefix):], nodeMAC[len(wms.MACPrefix):]}
	f.Fuzz(func(t *testing.T, header string) {
		err := v.Verify(nonASCIIBody, header)
		if err != nil {
			if !assert.True(t, errorsIsAny(err, wms.ErrMissingMAC, wms.ErrInvalidMAC), "%v", err) {
				return
			}
			for _, m := range macs {
				assert.NotContains(t, err.Error(), m, "an error shows a MAC")
			}
			return
		}
		// Accepted: the header must hold one of the two true MACs.
		lower := strings.ToLower(header)
		assert.True(t, strings.Contains(lower, macs[0]) || strings.Contains(lower, macs[1]), "accepted %q", header)
	})
}

func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

func TestVerifyRaw(t *testing.T) {
	v := verifier(t, wmstest.Secret)
	assert.NoError(t, v.VerifyRaw(nonASCIIBody, rawMAC))
	assert.NoError(t, v.VerifyRaw(specBody(t), specMAC))
	assert.ErrorIs(t, v.VerifyRaw(nonASCIIBody, nodeMAC), wms.ErrInvalidMAC)
	assert.ErrorIs(t, v.VerifyRaw(nonASCIIBody, ""), wms.ErrMissingMAC)
}

// TestVerifyNodeCollision pins the weakness Verify inherits from the
// vendor's scheme, and that VerifyRaw does not have it.
func TestVerifyNodeCollision(t *testing.T) {
	v := verifier(t, wmstest.Secret)
	signed := []byte(`{"sessionId":"a"}`)
	forged := []byte(`{"sessionId":"š"}`) // U+0161: low byte 0x61, "a"
	mac := wmstest.Sign(signed, wmstest.Secret)
	assert.NoError(t, v.Verify(forged, mac))
	assert.ErrorIs(t, v.VerifyRaw(forged, mac), wms.ErrInvalidMAC)
}
