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

func nodeVerifier(t testing.TB, secrets ...string) *wms.Verifier {
	v, err := wms.NewNodeVerifier(secrets...)
	require.NoError(t, err)
	return v
}

func TestVerify(t *testing.T) {
	raw, node := verifier(t, wmstest.Secret), nodeVerifier(t, wmstest.Secret)
	assert.False(t, raw.Node())
	assert.True(t, node.Node())
	spec := specBody(t)
	upper := wms.MACPrefix + strings.ToUpper(strings.TrimPrefix(specMAC, wms.MACPrefix))
	for _, c := range []struct {
		name   string
		v      *wms.Verifier
		body   []byte
		header string
		want   error
		cause  error // the hmacverify sentinel the refusal also matches
		hint   error // a sentinel saying more, if any
	}{
		{"ascii", raw, spec, specMAC, nil, nil, nil},
		{"ascii, node", node, spec, specMAC, nil, nil, nil},
		{"non-ascii signed over bytes", raw, nonASCIIBody, rawMAC, nil, nil, nil},
		// A raw verifier refuses the Node form, and says so.
		{"non-ascii signed the node way", raw, nonASCIIBody, nodeMAC, wms.ErrInvalidMAC, hmacverify.ErrInvalidSignature, wms.ErrNodeFormMAC},
		{"invalid utf-8 signed the node way", raw, invalidUTF8Body, invalidUTF8MAC, wms.ErrInvalidMAC, hmacverify.ErrInvalidSignature, wms.ErrNodeFormMAC},
		// A node verifier refuses every body beyond U+00FF, whatever its MAC.
		{"above U+00FF, node", node, nonASCIIBody, nodeMAC, wms.ErrInvalidMAC, hmacverify.ErrInvalidSignature, wms.ErrNotLatin1},
		{"invalid utf-8, node", node, invalidUTF8Body, invalidUTF8MAC, wms.ErrInvalidMAC, hmacverify.ErrInvalidSignature, wms.ErrNotLatin1},
		{"above U+00FF, node, no MAC", node, nonASCIIBody, "", wms.ErrMissingMAC, hmacverify.ErrMissingSignature, nil},
		{"non-ascii signed over bytes, node", node, nonASCIIBody, rawMAC, wms.ErrInvalidMAC, hmacverify.ErrInvalidSignature, wms.ErrNotLatin1},
		// Hex is compared as bytes: the vendor sends lowercase, uppercase
		// carries the same MAC.
		{"uppercase hex", raw, spec, upper, nil, nil, nil},
		{"wrong secret", raw, spec, wmstest.Sign(spec, "other"), wms.ErrInvalidMAC, hmacverify.ErrInvalidSignature, nil},
		{"wrong secret node way", raw, nonASCIIBody, wmstest.SignNode(nonASCIIBody, "other"), wms.ErrInvalidMAC, hmacverify.ErrInvalidSignature, nil},
		{"tampered body", raw, append(bytes.Clone(spec), ' '), specMAC, wms.ErrInvalidMAC, hmacverify.ErrInvalidSignature, nil},
		{"node MAC of another body", raw, spec, nodeMAC, wms.ErrInvalidMAC, hmacverify.ErrInvalidSignature, nil},
		{"missing header", raw, spec, "", wms.ErrMissingMAC, hmacverify.ErrMissingSignature, nil},
		{"blank header", raw, spec, "  ", wms.ErrMissingMAC, hmacverify.ErrMissingSignature, nil},
		{"wrong prefix", raw, spec, "sha256=" + strings.TrimPrefix(specMAC, wms.MACPrefix), wms.ErrInvalidMAC, hmacverify.ErrMalformedSignature, nil},
		{"no prefix", raw, spec, strings.TrimPrefix(specMAC, wms.MACPrefix), wms.ErrInvalidMAC, hmacverify.ErrMalformedSignature, nil},
		{"prefix only", raw, spec, wms.MACPrefix, wms.ErrInvalidMAC, hmacverify.ErrMalformedSignature, nil},
		{"short hex", raw, spec, specMAC[:len(specMAC)-2], wms.ErrInvalidMAC, hmacverify.ErrMalformedSignature, nil},
		{"not hex", raw, spec, specMAC[:len(specMAC)-1] + "g", wms.ErrInvalidMAC, hmacverify.ErrMalformedSignature, nil},
		{"not hex, node, above U+00FF", node, nonASCIIBody, specMAC[:len(specMAC)-1] + "g", wms.ErrInvalidMAC, hmacverify.ErrMalformedSignature, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.v.Verify(c.body, c.header)
			if c.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, c.want)
			assert.ErrorIs(t, err, c.cause)
			for _, hint := range []error{wms.ErrNodeFormMAC, wms.ErrNotLatin1} {
				assert.Equal(t, hint == c.hint, errors.Is(err, hint), "%v matches %v", err, hint)
			}
			if hex := strings.TrimPrefix(c.header, wms.MACPrefix); len(hex) > 16 {
				assert.NotContains(t, err.Error(), hex[:16], "no MAC in the error")
			}
		})
	}
}

func TestVerifyRotation(t *testing.T) {
	spec := specBody(t)
	v := verifier(t, "new-secret", "old-secret")
	assert.NoError(t, v.Verify(spec, wmstest.Sign(spec, "old-secret")))
	assert.NoError(t, v.Verify(spec, wmstest.Sign(spec, "new-secret")))
	assert.NoError(t, v.Verify(nonASCIIBody, wmstest.Sign(nonASCIIBody, "old-secret")))
	assert.ErrorIs(t, v.Verify(spec, wmstest.Sign(spec, "retired-secret")), wms.ErrInvalidMAC)
	assert.Equal(t, wmstest.Sign(spec, "new-secret"), v.Sign(spec), "Sign uses the first secret")
	n := nodeVerifier(t, "new-secret", "old-secret")
	assert.NoError(t, n.Verify(genuineE, wmstest.SignNode(genuineE, "old-secret")))
	assert.Equal(t, wmstest.SignNode(genuineE, "new-secret"), n.Sign(genuineE), "Sign signs in the verifier's form")
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
		// Accepted: the header must hold the MAC of the raw bytes, the
		// one form of this verifier.
		assert.Contains(t, strings.ToLower(header), macs[0], "accepted %q", header)
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

// The bodies and MACs of the forgery tests were computed with Node v20
// (node -e), secret wmstest.Secret:
//
//	const c = require('crypto'), s = 'wmstest-mac-secret';
//	c.createHmac('sha256', s).update(Buffer.from(body).toString(), 'ascii').digest('hex') // node
//	c.createHmac('sha256', s).update(Buffer.from(body)).digest('hex')                    // raw
var (
	// genuineE holds "é" (C3 A9, U+00E9): a real body of a sender that
	// signs the Node way (genuineENodeMAC) or over bytes (genuineERawMAC).
	genuineE        = []byte(`{"timestamp":1689684577,"sessionId":"café","sequence":0,"event":"WMS_LOADED"}`)
	genuineENodeMAC = "hmac-sha256=22fd7da2ad31ed53b0780dee404bcf06a179465113ca7933efb2208b9a49e987"
	genuineERawMAC  = "hmac-sha256=2b87e0c4bf679d5f2133f0cf1f786153dec682bfb82f74ba1b4bc488ed4e2c9d"
	// asciiSigned is ASCII, so its node and raw MACs are one.
	asciiSigned    = []byte(`{"timestamp":1689684577,"sessionId":"forge-1","sequence":0,"event":"PAGE_VISIBILITY_CHANGE","payload":{"measurementId":"m","state":"HIDDEN"}}`)
	asciiSignedMAC = "hmac-sha256=fac2a7f998d237365dfaf9fa1acb7bcf2e4c1f39b3b13b0a0a406ed154e4d1e8"
	// forgedSession replaces "f" by U+0166 "Ŧ" (0x100+'f'): Node's
	// 'ascii' form, and so asciiSignedMAC, is unchanged.
	forgedSession = []byte(`{"timestamp":1689684577,"sessionId":"Ŧorge-1","sequence":0,"event":"PAGE_VISIBILITY_CHANGE","payload":{"measurementId":"m","state":"HIDDEN"}}`)
	// forgedQuotes replaces four quotes by U+0122 "Ģ" (0x100+'"'): the
	// Node form is unchanged, the JSON swallows "state" into the id.
	forgedQuotes = []byte(`{"timestamp":1689684577,"sessionId":"forge-1","sequence":0,"event":"PAGE_VISIBILITY_CHANGE","payload":{"measurementId":"mĢ,ĢstateĢ:ĢHIDDEN"}}`)
	// forgedE resends genuineE with "Ã©" (U+00C3 U+00A9) for "é": its Node
	// form is C3 A9, the raw bytes of "é", so genuineERawMAC is its Node
	// MAC (Node prints 2b87e0c4... for both).
	forgedE = []byte(`{"timestamp":1689684577,"sessionId":"cafÃ©","sequence":0,"event":"WMS_LOADED"}`)
)

// TestVerifyNodeSigned checks real Node-signed bodies: a genuine "é" passes
// in the form it was signed in, and every forgery that Node's 'ascii' form
// allows is refused in both forms.
func TestVerifyNodeSigned(t *testing.T) {
	raw, node := verifier(t, wmstest.Secret), nodeVerifier(t, wmstest.Secret)
	// The constants are what Node computed; wmstest agrees with it.
	assert.Equal(t, genuineENodeMAC, wmstest.SignNode(genuineE, wmstest.Secret))
	assert.Equal(t, genuineERawMAC, wmstest.Sign(genuineE, wmstest.Secret))
	assert.Equal(t, asciiSignedMAC, wmstest.Sign(asciiSigned, wmstest.Secret))
	for _, forged := range [][]byte{forgedSession, forgedQuotes} {
		assert.Equal(t, asciiSignedMAC, wmstest.SignNode(forged, wmstest.Secret), "the forgery shares the Node MAC")
	}
	assert.Equal(t, genuineERawMAC, wmstest.SignNode(forgedE, wmstest.Secret), "Ã© has the Node MAC of é's bytes")

	assert.NoError(t, node.Verify(genuineE, genuineENodeMAC), "a genuine é, node mode")
	assert.NoError(t, raw.Verify(genuineE, genuineERawMAC), "a genuine é, raw mode")
	assert.NoError(t, raw.Verify(asciiSigned, asciiSignedMAC))
	assert.NoError(t, node.Verify(asciiSigned, asciiSignedMAC))
	for _, c := range []struct {
		name string
		body []byte
		mac  string
	}{
		{"ASCII c as U+0100+c in the session id", forgedSession, asciiSignedMAC},
		{"quotes as U+0122", forgedQuotes, asciiSignedMAC},
		{"é signed over bytes, resent as Ã©", forgedE, genuineERawMAC},
		{"é signed the node way, presented to the other form", genuineE, genuineENodeMAC},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.ErrorIs(t, raw.Verify(c.body, c.mac), wms.ErrInvalidMAC, "raw mode")
			if bytes.Equal(c.body, forgedE) {
				// In node mode Ã© is authentic for a sender that signs the
				// Node way: that sender's MAC of é is genuineENodeMAC, never
				// genuineERawMAC, so no body it signed is altered here. The
				// attack needs both forms for one secret, which New refuses
				// (TestHandlerOneFormPerSecret).
				return
			}
			if bytes.Equal(c.body, genuineE) {
				assert.ErrorIs(t, node.Verify(c.body, genuineERawMAC), wms.ErrInvalidMAC, "node mode")
				return
			}
			assert.ErrorIs(t, node.Verify(c.body, c.mac), wms.ErrNotLatin1, "node mode")
		})
	}
}
