package hmacverify_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/hmacverify"
	"github.com/vendorhooks/vendorhooks/hmacverify/hmacverifytest"
	"github.com/vendorhooks/vendorhooks/internal/httpx"

	// Every test binary must know the harness's -update flag.
	_ "github.com/vendorhooks/vendorhooks/internal/golden"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func newVerifier(t *testing.T, opts ...hmacverify.Option) *hmacverify.Verifier {
	t.Helper()
	v, err := hmacverify.New(opts...)
	require.NoError(t, err)
	return v
}

// TestRFC4231 checks HMAC-SHA-256 and HMAC-SHA-512 against the test vectors
// of RFC 4231 section 4. Test case 5 is left out: the RFC gives only a
// truncated 128-bit output, which a verifier never accepts.
func TestRFC4231(t *testing.T) {
	aa131 := strings.Repeat("aa", 131)
	cases := []struct {
		name, key, data, sha256, sha512 string
	}{
		{"1", strings.Repeat("0b", 20), hex.EncodeToString([]byte("Hi There")),
			"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
			"87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
		{"2", hex.EncodeToString([]byte("Jefe")), hex.EncodeToString([]byte("what do ya want for nothing?")),
			"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
			"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
		{"3", strings.Repeat("aa", 20), strings.Repeat("dd", 50),
			"773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
			"fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"},
		{"4", "0102030405060708090a0b0c0d0e0f10111213141516171819", strings.Repeat("cd", 50),
			"82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
			"b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"},
		{"6", aa131, hex.EncodeToString([]byte("Test Using Larger Than Block-Size Key - Hash Key First")),
			"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
			"80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
		{"7", aa131, hex.EncodeToString([]byte("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.")),
			"9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
			"e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key, data := mustHex(t, c.key), mustHex(t, c.data)
			for _, h := range []struct {
				hash hmacverify.Hash
				want string
			}{{hmacverify.SHA256, c.sha256}, {hmacverify.SHA512, c.sha512}} {
				v := newVerifier(t, hmacverify.WithSecrets(key), hmacverify.WithHash(h.hash))
				assert.Equal(t, h.want, v.Sign(data), h.hash)
				assert.NoError(t, v.Verify(data, h.want), h.hash)
				assert.NoError(t, v.Verify(data, strings.ToUpper(h.want)), "%v upper case", h.hash)
				assert.ErrorIs(t, v.Verify(append(data, 'x'), h.want), hmacverify.ErrInvalidSignature, h.hash)
			}
		})
	}
}

func TestEnumStrings(t *testing.T) {
	assert.Equal(t, "sha256", hmacverify.SHA256.String())
	assert.Equal(t, "sha1", hmacverify.SHA1.String())
	assert.Equal(t, "sha512", hmacverify.SHA512.String())
	assert.Equal(t, "Hash(9)", hmacverify.Hash(9).String())
	assert.Equal(t, "hex", hmacverify.Hex.String())
	assert.Equal(t, "base64", hmacverify.Base64.String())
	assert.Equal(t, "base64url", hmacverify.Base64URL.String())
	assert.Equal(t, "Encoding(-1)", hmacverify.Encoding(-1).String())
}

func TestNewErrors(t *testing.T) {
	secret := hmacverify.WithSecrets([]byte("s"))
	cases := []struct {
		name string
		opts []hmacverify.Option
		want error
	}{
		{"no secret", nil, hmacverify.ErrNoSecret},
		{"empty list", []hmacverify.Option{hmacverify.WithSecrets()}, hmacverify.ErrNoSecret},
		{"empty secret", []hmacverify.Option{hmacverify.WithSecrets([]byte("a"), nil)}, hmacverify.ErrEmptySecret},
		{"empty github secret", []hmacverify.Option{hmacverify.GitHub("")}, hmacverify.ErrEmptySecret},
		{"bad whsec", []hmacverify.Option{hmacverify.StandardWebhooks("whsec_not base64!")}, hmacverify.ErrMalformedSecret},
		{"empty whsec", []hmacverify.Option{hmacverify.StandardWebhooks("whsec_")}, hmacverify.ErrEmptySecret},
		{"unknown hash", []hmacverify.Option{secret, hmacverify.WithHash(7)}, hmacverify.ErrInvalidConfig},
		{"unknown encoding", []hmacverify.Option{secret, hmacverify.WithEncoding(7)}, hmacverify.ErrInvalidConfig},
		{"empty header", []hmacverify.Option{secret, hmacverify.WithHeader("")}, hmacverify.ErrInvalidConfig},
		{"prefix after a separator", []hmacverify.Option{secret, hmacverify.WithPrefix(",sha256=")}, hmacverify.ErrInvalidConfig},
		{"empty timestamp header", []hmacverify.Option{secret, hmacverify.WithTimestamp("", 0)}, hmacverify.ErrInvalidConfig},
		{"empty id header", []hmacverify.Option{secret, hmacverify.WithTimestamp("t", 0), hmacverify.WithIDHeader("")}, hmacverify.ErrInvalidConfig},
		{"template without timestamp", []hmacverify.Option{secret, hmacverify.WithTemplate("{body}")}, hmacverify.ErrInvalidConfig},
		{"id without timestamp", []hmacverify.Option{secret, hmacverify.WithIDHeader("id")}, hmacverify.ErrInvalidConfig},
		{"template without body", []hmacverify.Option{secret, hmacverify.WithTimestamp("t", 0), hmacverify.WithTemplate("{timestamp}")}, hmacverify.ErrInvalidConfig},
		{"template with two bodies", []hmacverify.Option{secret, hmacverify.WithTimestamp("t", 0), hmacverify.WithTemplate("{body}{body}")}, hmacverify.ErrInvalidConfig},
		{"template id without header", []hmacverify.Option{secret, hmacverify.WithTimestamp("t", 0), hmacverify.WithTemplate("{id}{body}")}, hmacverify.ErrInvalidConfig},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := hmacverify.New(c.opts...)
			assert.Nil(t, v)
			require.ErrorIs(t, err, c.want)
			assert.True(t, strings.HasPrefix(err.Error(), "hmacverify: "), err.Error())
			assert.NotContains(t, err.Error(), "not base64!")
		})
	}
}

func TestEncodings(t *testing.T) {
	body := []byte(`{"event":"x"}`)
	for _, h := range []hmacverify.Hash{hmacverify.SHA256, hmacverify.SHA1, hmacverify.SHA512} {
		for _, e := range []hmacverify.Encoding{hmacverify.Hex, hmacverify.Base64, hmacverify.Base64URL} {
			t.Run(h.String()+"/"+e.String(), func(t *testing.T) {
				v := newVerifier(t, hmacverify.WithSecrets([]byte("k")), hmacverify.WithHash(h),
					hmacverify.WithEncoding(e), hmacverify.WithPrefix(h.String()+"="))
				sig := v.Sign(body)
				require.True(t, strings.HasPrefix(sig, h.String()+"="))
				require.NoError(t, v.Verify(body, sig))
				enc := strings.TrimPrefix(sig, h.String()+"=")
				switch e {
				case hmacverify.Hex:
					assert.Equal(t, strings.ToLower(enc), enc, "Sign writes lower case")
					assert.NoError(t, v.Verify(body, "SHA"+strings.TrimPrefix(h.String(), "sha")+"="+strings.ToUpper(enc)), "either case")
				case hmacverify.Base64:
					assert.True(t, strings.HasSuffix(enc, "="), "Sign pads standard base64")
					assert.NoError(t, v.Verify(body, h.String()+"="+strings.TrimRight(enc, "=")), "unpadded")
				case hmacverify.Base64URL:
					assert.False(t, strings.HasSuffix(enc, "="), "Sign does not pad URL-safe base64")
					pad := strings.Repeat("=", (4-len(enc)%4)%4)
					assert.NoError(t, v.Verify(body, h.String()+"="+enc+pad), "padded")
				}
				assert.ErrorIs(t, v.Verify([]byte("other"), sig), hmacverify.ErrInvalidSignature)
			})
		}
	}
}

func TestBase64Alphabets(t *testing.T) {
	// A MAC whose standard encoding holds '+' or '/': find one by body.
	std := newVerifier(t, hmacverify.WithSecrets([]byte("k")), hmacverify.WithEncoding(hmacverify.Base64))
	url := newVerifier(t, hmacverify.WithSecrets([]byte("k")), hmacverify.WithEncoding(hmacverify.Base64URL))
	var body []byte
	for i := 0; ; i++ {
		body = []byte{byte(i)}
		if strings.ContainsAny(std.Sign(body), "+/") {
			break
		}
	}
	assert.ErrorIs(t, std.Verify(body, url.Sign(body)), hmacverify.ErrMalformedSignature)
	assert.ErrorIs(t, url.Verify(body, std.Sign(body)), hmacverify.ErrMalformedSignature)

	// Decoding is strict: the 43rd character of a SHA-256 MAC carries two
	// unused bits, and an encoding with them set is refused, not read as
	// the same MAC.
	for _, v := range []*hmacverify.Verifier{std, url} {
		sig := strings.TrimRight(v.Sign(body), "=")
		require.Len(t, sig, 43)
		alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		if v == url {
			alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		}
		last := strings.IndexByte(alphabet, sig[42])
		require.Zero(t, last&3, "the unused bits of a signature are zero")
		loose := sig[:42] + string(alphabet[last|1])
		assert.ErrorIs(t, v.Verify(body, loose), hmacverify.ErrMalformedSignature, loose)
	}
}

func TestVerifyErrors(t *testing.T) {
	body := []byte("payload")
	v := newVerifier(t, hmacverify.WithSecrets([]byte("topsecret")), hmacverify.WithPrefix("sha256="))
	good := v.Sign(body)
	mac := strings.TrimPrefix(good, "sha256=")
	flipped := "sha256=" + flip(mac)
	cases := []struct {
		name, header string
		want         []error
		msg          string
	}{
		{"empty", "", []error{hmacverify.ErrMissingSignature}, "hmacverify: missing signature"},
		{"separators only", " , \t", []error{hmacverify.ErrMissingSignature}, "hmacverify: missing signature"},
		{"wrong prefix", "sha1=" + mac, []error{hmacverify.ErrMalformedSignature, hmacverify.ErrInvalidSignature}, `hmacverify: malformed signature: none with prefix "sha256="`},
		{"no prefix", mac, []error{hmacverify.ErrMalformedSignature}, `hmacverify: malformed signature: none with prefix "sha256="`},
		{"empty after prefix", "sha256=", []error{hmacverify.ErrMalformedSignature}, "hmacverify: malformed signature: empty after prefix"},
		{"short", good[:len(good)-2], []error{hmacverify.ErrMalformedSignature, hmacverify.ErrInvalidSignature}, "hmacverify: malformed signature: wrong length for sha256 hex"},
		{"long", good + "00", []error{hmacverify.ErrMalformedSignature}, "hmacverify: malformed signature: wrong length for sha256 hex"},
		{"not hex", "sha256=" + strings.Repeat("zz", 32), []error{hmacverify.ErrMalformedSignature}, "hmacverify: malformed signature: not hex"},
		{"wrong mac", flipped, []error{hmacverify.ErrInvalidSignature}, "hmacverify: invalid signature"},
		{"several wrong", flipped + " " + flipped + ",sha1=" + mac, []error{hmacverify.ErrInvalidSignature}, "hmacverify: invalid signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := v.Verify(body, c.header)
			require.Error(t, err)
			for _, w := range c.want {
				assert.ErrorIs(t, err, w)
			}
			assert.Equal(t, c.msg, err.Error())
			assert.NotContains(t, err.Error(), "topsecret")
			assert.NotContains(t, err.Error(), mac)
			assert.Equal(t, http.StatusUnauthorized, httpx.Status(err))
			assert.Equal(t, c.msg, httpx.PublicMessage(err))
		})
	}
	if !assert.False(t, errors.Is(v.Verify(body, flipped), hmacverify.ErrMalformedSignature)) {
		t.Log("a well-formed wrong MAC is invalid, not malformed")
	}
}

// flip changes the first hex digit of s.
func flip(s string) string {
	c := byte('0')
	if s[0] == '0' {
		c = '1'
	}
	return string(c) + s[1:]
}

func TestSeveralSignatures(t *testing.T) {
	body := []byte("payload")
	v := newVerifier(t, hmacverify.WithSecrets([]byte("k")), hmacverify.WithPrefix("sha256="))
	good := v.Sign(body)
	bad := "sha256=" + flip(strings.TrimPrefix(good, "sha256="))
	for _, header := range []string{
		bad + " " + good,
		bad + "," + good,
		good + ", " + bad,
		"  " + good + "  ",
		"sha1=abc " + good,
		"garbage, sha256=zz, " + good,
		"SHA256=" + strings.TrimPrefix(good, "sha256="),
	} {
		assert.NoError(t, v.Verify(body, header), header)
	}
}

// TestSingleSignatureAsInList checks that a header of exactly one
// signature, which Verify decides without scanning for separators, gets the
// answer it gets inside a list (after a separator), for every scheme.
func TestSingleSignatureAsInList(t *testing.T) {
	body := []byte("payload")
	for _, v := range []*hmacverify.Verifier{
		newVerifier(t, hmacverify.WithSecrets([]byte("a"), []byte("k")), hmacverify.WithPrefix("sha256=")),
		newVerifier(t, hmacverify.WithSecrets([]byte("k")), hmacverify.WithHash(hmacverify.SHA512)),
		newVerifier(t, hmacverify.WithSecrets([]byte("k")), hmacverify.WithPrefix("v1,"), hmacverify.WithEncoding(hmacverify.Base64)),
		newVerifier(t, hmacverify.WithSecrets([]byte("k")), hmacverify.WithEncoding(hmacverify.Base64URL)),
	} {
		good := v.Sign(body)
		for _, header := range []string{
			good, strings.ToUpper(good), good + "=", good + "==", good[:len(good)-1], good + "A",
			good[:len(good)-2] + "\n", flip(good), "x" + good, good + "x",
		} {
			single, inList := v.Verify(body, header), v.Verify(body, " "+header)
			if inList == nil {
				assert.NoError(t, single, "%q", header)
			} else if assert.Error(t, single, "%q", header) {
				assert.Equal(t, inList.Error(), single.Error(), "%q", header)
			}
		}
		assert.NoError(t, v.Verify(body, good))
	}
}

func TestRotation(t *testing.T) {
	body := []byte("payload")
	old := newVerifier(t, hmacverify.WithSecrets([]byte("old")))
	cur := newVerifier(t, hmacverify.WithSecrets([]byte("new")))
	other := newVerifier(t, hmacverify.WithSecrets([]byte("other")))
	both := newVerifier(t, hmacverify.WithSecrets([]byte("new")), hmacverify.WithSecrets([]byte("old")))

	assert.NoError(t, both.Verify(body, old.Sign(body)))
	assert.NoError(t, both.Verify(body, cur.Sign(body)))
	assert.ErrorIs(t, both.Verify(body, other.Sign(body)), hmacverify.ErrInvalidSignature)
	assert.Equal(t, cur.Sign(body), both.Sign(body), "Sign uses the first secret")
	assert.NoError(t, cur.Verify(body, hmacverifytest.Join(old.Sign(body), cur.Sign(body))))

	// The secrets are copied.
	key := []byte("mutable")
	v := newVerifier(t, hmacverify.WithSecrets(key))
	sig := v.Sign(body)
	key[0] = 'X'
	assert.Equal(t, sig, v.Sign(body))
}

var (
	epoch = time.Unix(1_700_000_000, 0)
	clock = func() time.Time { return epoch }
)

func TestTimestampTolerance(t *testing.T) {
	body := []byte("payload")
	v := newVerifier(t, hmacverify.WithSecrets([]byte("k")), hmacverify.WithTimestamp("X-Timestamp", 5*time.Minute),
		hmacverify.WithIDHeader("X-ID"), hmacverify.WithClock(clock))
	require.True(t, v.Timestamped())
	cases := []struct {
		skew time.Duration
		want error
	}{
		{0, nil},
		{5 * time.Minute, nil},
		{-5 * time.Minute, nil},
		{5*time.Minute + time.Second, hmacverify.ErrTimestampTooNew},
		{-5*time.Minute - time.Second, hmacverify.ErrTimestampTooOld},
		{-24 * time.Hour, hmacverify.ErrTimestampTooOld},
		{24 * time.Hour, hmacverify.ErrTimestampTooNew},
	}
	for _, c := range cases {
		t.Run(c.skew.String(), func(t *testing.T) {
			at := epoch.Add(c.skew)
			ts := formatUnix(at)
			err := v.VerifyTimestamped(body, "msg_1", ts, v.SignTimestamped(body, "msg_1", at))
			if c.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, c.want)
			assert.Equal(t, http.StatusUnauthorized, httpx.Status(err))
			other := hmacverify.ErrTimestampTooOld
			if c.want == other {
				other = hmacverify.ErrTimestampTooNew
			}
			assert.NotErrorIs(t, err, other)
		})
	}
}

func formatUnix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func TestTimestampErrors(t *testing.T) {
	body := []byte("payload")
	v := newVerifier(t, hmacverify.WithSecrets([]byte("k")), hmacverify.WithTimestamp("X-Timestamp", 0),
		hmacverify.WithIDHeader("X-ID"), hmacverify.WithClock(clock))
	now := formatUnix(epoch)
	sig := v.SignTimestamped(body, "msg_1", epoch)
	cases := []struct {
		name, id, ts, header string
		want                 error
	}{
		{"missing id", "", now, sig, hmacverify.ErrMissingID},
		{"missing timestamp", "msg_1", "", sig, hmacverify.ErrMissingTimestamp},
		{"not a number", "msg_1", "soon", sig, hmacverify.ErrMalformedTimestamp},
		{"negative", "msg_1", "-1", sig, hmacverify.ErrMalformedTimestamp},
		{"fraction", "msg_1", now + ".5", sig, hmacverify.ErrMalformedTimestamp},
		{"too many digits", "msg_1", "9999999999999", sig, hmacverify.ErrMalformedTimestamp},
		{"other id", "msg_2", now, sig, hmacverify.ErrInvalidSignature},
		{"other timestamp", "msg_1", formatUnix(epoch.Add(time.Second)), sig, hmacverify.ErrInvalidSignature},
		{"missing signature", "msg_1", now, "", hmacverify.ErrMissingSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := v.VerifyTimestamped(body, c.id, c.ts, c.header)
			assert.ErrorIs(t, err, c.want)
			assert.Equal(t, http.StatusUnauthorized, httpx.Status(err))
		})
	}
	assert.NoError(t, v.VerifyTimestamped(body, "msg_1", now, sig))
	assert.ErrorIs(t, v.Verify(body, sig), hmacverify.ErrMissingTimestamp, "Verify has no timestamp")
	assert.NotEqual(t, v.Sign(body), sig, "Sign signs the body alone")
}

func TestTemplate(t *testing.T) {
	body := []byte(`{"a":1}`)
	key := []byte("k")
	v := newVerifier(t, hmacverify.WithSecrets(key), hmacverify.WithTimestamp("T", time.Hour),
		hmacverify.WithIDHeader("I"), hmacverify.WithTemplate("v0:{timestamp}:{id}:{body}{"), hmacverify.WithClock(clock))
	// The same MAC by hand: the template expanded, signed by a plain verifier.
	plain := newVerifier(t, hmacverify.WithSecrets(key))
	msg := "v0:" + formatUnix(epoch) + ":id-1:" + string(body) + "{"
	want := plain.Sign([]byte(msg))
	assert.Equal(t, want, v.SignTimestamped(body, "id-1", epoch))
	assert.NoError(t, v.VerifyTimestamped(body, "id-1", formatUnix(epoch), want))

	// Default templates.
	ts := newVerifier(t, hmacverify.WithSecrets(key), hmacverify.WithTimestamp("T", 0), hmacverify.WithClock(clock))
	assert.Equal(t, plain.Sign([]byte(formatUnix(epoch)+"."+string(body))), ts.SignTimestamped(body, "ignored", epoch))
	tsID := newVerifier(t, hmacverify.WithSecrets(key), hmacverify.WithTimestamp("T", 0), hmacverify.WithIDHeader("I"))
	assert.Equal(t, plain.Sign([]byte("x."+formatUnix(epoch)+"."+string(body))), tsID.SignTimestamped(body, "x", epoch))

	// Braces that are no placeholder are literal text.
	braces := newVerifier(t, hmacverify.WithSecrets(key), hmacverify.WithTimestamp("T", 0), hmacverify.WithTemplate("{x}{timestamp}{{body}"))
	assert.Equal(t, plain.Sign([]byte("{x}"+formatUnix(epoch)+"{"+string(body))), braces.SignTimestamped(body, "", epoch))

	// A long id crosses the copy buffer.
	long := strings.Repeat("i", 200)
	assert.Equal(t, plain.Sign([]byte(long+"."+formatUnix(epoch)+"."+string(body))), tsID.SignTimestamped(body, long, epoch))
}

// TestStandardWebhooks checks the reference vector of the Standard Webhooks
// specification's test suite.
func TestStandardWebhooks(t *testing.T) {
	const (
		secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		id     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		ts     = "1614265330"
		want   = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	body := []byte(`{"test": 2432232314}`)
	at := time.Unix(1614265330, 0)
	v := newVerifier(t, hmacverify.StandardWebhooks(secret), hmacverify.WithClock(func() time.Time { return at }))
	assert.Equal(t, "webhook-signature", v.Header())
	assert.Equal(t, want, v.SignTimestamped(body, id, at))
	assert.NoError(t, v.VerifyTimestamped(body, id, ts, want))
	assert.NoError(t, v.VerifyTimestamped(body, id, ts, "v2,abc "+want+" v1,"+strings.Repeat("A", 43)+"="))
	assert.ErrorIs(t, v.VerifyTimestamped([]byte(`{"test": 2432232315}`), id, ts, want), hmacverify.ErrInvalidSignature)
	assert.ErrorIs(t, v.VerifyTimestamped(body, id, ts, "v2,"+strings.TrimPrefix(want, "v1,")), hmacverify.ErrMalformedSignature)

	// The secret without its prefix, and as raw bytes.
	raw, err := hmacverify.ParseStandardSecret(secret)
	require.NoError(t, err)
	assert.Len(t, raw, 24)
	// A secret whose base64 needs padding is read with or without it.
	padded := "whsec_" + base64.StdEncoding.EncodeToString([]byte("seventeen bytes!!"))
	require.True(t, strings.HasSuffix(padded, "="))
	for _, s := range []string{padded, strings.TrimRight(padded, "=")} {
		key, err := hmacverify.ParseStandardSecret(s)
		require.NoError(t, err, s)
		assert.Equal(t, []byte("seventeen bytes!!"), key, s)
	}
	bare := newVerifier(t, hmacverify.StandardWebhooks(strings.TrimPrefix(secret, "whsec_")))
	assert.Equal(t, want, bare.SignTimestamped(body, id, at))
	bytesKey := newVerifier(t, hmacverify.StandardWebhooks(), hmacverify.WithSecrets(raw))
	assert.Equal(t, want, bytesKey.SignTimestamped(body, id, at))

	// Tolerance of 5 minutes both ways.
	late := newVerifier(t, hmacverify.StandardWebhooks(secret), hmacverify.WithClock(func() time.Time { return at.Add(6 * time.Minute) }))
	assert.ErrorIs(t, late.VerifyTimestamped(body, id, ts, want), hmacverify.ErrTimestampTooOld)
	early := newVerifier(t, hmacverify.StandardWebhooks(secret), hmacverify.WithClock(func() time.Time { return at.Add(-6 * time.Minute) }))
	assert.ErrorIs(t, early.VerifyTimestamped(body, id, ts, want), hmacverify.ErrTimestampTooNew)

	// Over HTTP.
	r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
	r.Header.Set("Webhook-Id", id)
	r.Header.Set("Webhook-Timestamp", ts)
	r.Header.Set("Webhook-Signature", want)
	got, err := v.VerifyRequest(r)
	require.NoError(t, err)
	assert.Equal(t, body, got)
}

// TestGitHub checks the example of GitHub's documentation on validating
// webhook deliveries.
func TestGitHub(t *testing.T) {
	const want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	body := []byte("Hello, World!")
	v := newVerifier(t, hmacverify.GitHub("It's a Secret to Everybody"))
	assert.Equal(t, "X-Hub-Signature-256", v.Header())
	assert.False(t, v.Timestamped())
	assert.Equal(t, want, v.Sign(body))
	assert.NoError(t, v.Verify(body, want))
	assert.ErrorIs(t, v.Verify([]byte("Hello, World?"), want), hmacverify.ErrInvalidSignature)
	r := hmacverifytest.NewRequest(v, http.MethodPost, "/", body)
	assert.Equal(t, want, r.Header.Get("X-Hub-Signature-256"))
}

func TestVerifyRequest(t *testing.T) {
	body := []byte(`{"event":"WMS_LOADED"}`)
	v := newVerifier(t, hmacverify.WithSecrets([]byte("k")), hmacverify.WithHeader("X-WMS-Content-MAC"),
		hmacverify.WithPrefix("hmac-sha256="), hmacverify.WithMaxBodyBytes(64))

	t.Run("ok, body restored", func(t *testing.T) {
		r := hmacverifytest.NewRequest(v, http.MethodPost, "/", body)
		got, err := v.VerifyRequest(r)
		require.NoError(t, err)
		assert.Equal(t, body, got)
		again, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		assert.Equal(t, body, again)
		assert.Equal(t, int64(len(body)), r.ContentLength)
	})
	t.Run("unknown length", func(t *testing.T) {
		r := hmacverifytest.NewRequest(v, http.MethodPost, "/", body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = -1
		got, err := v.VerifyRequest(r)
		require.NoError(t, err)
		assert.Equal(t, body, got)
		assert.Equal(t, int64(len(body)), r.ContentLength, "the restored body's length is known")
	})
	t.Run("bad signature, body still restored", func(t *testing.T) {
		r := hmacverifytest.NewRequest(v, http.MethodPost, "/", body)
		r.Header.Set("X-WMS-Content-MAC", v.Sign([]byte("other")))
		got, err := v.VerifyRequest(r)
		assert.ErrorIs(t, err, hmacverify.ErrInvalidSignature)
		assert.Nil(t, got)
		again, _ := io.ReadAll(r.Body)
		assert.Equal(t, body, again)
	})
	t.Run("missing signature, body not read", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		_, err := v.VerifyRequest(r)
		assert.ErrorIs(t, err, hmacverify.ErrMissingSignature)
		rest, _ := io.ReadAll(r.Body)
		assert.Equal(t, body, rest)
	})
	t.Run("too large, declared", func(t *testing.T) {
		big := bytes.Repeat([]byte("x"), 65)
		r := hmacverifytest.NewRequest(v, http.MethodPost, "/", big)
		_, err := v.VerifyRequest(r)
		assert.ErrorIs(t, err, hmacverify.ErrTooLarge)
		assert.Equal(t, http.StatusRequestEntityTooLarge, httpx.Status(err))
		assert.True(t, strings.HasPrefix(err.Error(), "hmacverify: "), err.Error())
	})
	t.Run("too large, undeclared", func(t *testing.T) {
		big := bytes.Repeat([]byte("x"), 65)
		r := hmacverifytest.NewRequest(v, http.MethodPost, "/", big)
		r.Body = io.NopCloser(bytes.NewReader(big))
		r.ContentLength = -1
		_, err := v.VerifyRequest(r)
		assert.ErrorIs(t, err, hmacverify.ErrTooLarge)
	})
	t.Run("default limit is 1 MiB", func(t *testing.T) {
		require.Equal(t, int64(1<<20), hmacverify.DefaultMaxBodyBytes)
		dv := newVerifier(t, hmacverify.WithSecrets([]byte("k")))
		for size, ok := range map[int]bool{1 << 20: true, 1<<20 + 1: false} {
			big := bytes.Repeat([]byte("x"), size)
			_, err := dv.VerifyRequest(hmacverifytest.NewRequest(dv, http.MethodPost, "/", big))
			if ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, hmacverify.ErrTooLarge)
			}
		}
	})
	t.Run("read error", func(t *testing.T) {
		r := hmacverifytest.NewRequest(v, http.MethodPost, "/", body)
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body[:3]), errReader{}))
		_, err := v.VerifyRequest(r)
		require.Error(t, err)
		assert.Equal(t, http.StatusBadRequest, httpx.Status(err))
	})
	t.Run("timestamp checked before body", func(t *testing.T) {
		tv := newVerifier(t, hmacverify.StandardWebhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
		r := hmacverifytest.NewRequestAt(tv, http.MethodPost, "/", body, "msg_1", time.Now().Add(-time.Hour))
		_, err := tv.VerifyRequest(r)
		assert.ErrorIs(t, err, hmacverify.ErrTimestampTooOld)
		rest, _ := io.ReadAll(r.Body)
		assert.Equal(t, body, rest)
		r = hmacverifytest.NewRequest(tv, http.MethodPost, "/", body)
		r.Header.Del("webhook-id")
		_, err = tv.VerifyRequest(r)
		assert.ErrorIs(t, err, hmacverify.ErrMissingID)
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestMiddleware(t *testing.T) {
	body := []byte(`{"event":"x"}`)
	secret := "mw-secret-value"
	v := newVerifier(t, hmacverify.WithSecrets([]byte(secret)), hmacverify.WithMaxBodyBytes(32))
	var seen []byte
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	do := func(r *http.Request) *httptest.ResponseRecorder {
		seen = nil
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	w := do(hmacverifytest.NewRequest(v, http.MethodPost, "/", body))
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Equal(t, body, seen, "the next handler reads the body again")

	r := hmacverifytest.NewRequest(v, http.MethodPost, "/", body)
	good := r.Header.Get(hmacverify.DefaultHeader)
	r.Header.Set(hmacverify.DefaultHeader, flip(good))
	w = do(r)
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.JSONEq(t, `{"error":"hmacverify: invalid signature"}`, w.Body.String())
	assert.NotContains(t, w.Body.String(), secret)
	assert.NotContains(t, w.Body.String(), good)
	assert.Nil(t, seen)

	w = do(httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)))
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.JSONEq(t, `{"error":"hmacverify: missing signature"}`, w.Body.String())

	w = do(hmacverifytest.NewRequest(v, http.MethodPost, "/", bytes.Repeat([]byte("x"), 33)))
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.JSONEq(t, `{"error":"request body too large"}`, w.Body.String())
	assert.Nil(t, seen)
}

func TestHeaderValueHelpers(t *testing.T) {
	body := []byte("b")
	opts := []hmacverify.Option{hmacverify.WithSecrets([]byte("k")), hmacverify.WithEncoding(hmacverify.Base64URL)}
	v := newVerifier(t, opts...)
	assert.Equal(t, v.Sign(body), hmacverifytest.HeaderValue(body, opts...))
	sw := []hmacverify.Option{hmacverify.StandardWebhooks(base64.StdEncoding.EncodeToString([]byte("0123456789abcdef")))}
	tv := newVerifier(t, sw...)
	assert.Equal(t, tv.SignTimestamped(body, "m", epoch), hmacverifytest.TimestampedHeaderValue(body, "m", epoch, sw...))
	assert.PanicsWithValue(t, "hmacverifytest: "+hmacverify.ErrNoSecret.Error(), func() { hmacverifytest.HeaderValue(body) })

	r := hmacverifytest.NewRequestAt(tv, http.MethodPost, "http://example.com/x", body, "m", epoch)
	assert.Equal(t, "m", r.Header.Get("webhook-id"))
	assert.Equal(t, formatUnix(epoch), r.Header.Get("webhook-timestamp"))
	assert.Equal(t, tv.SignTimestamped(body, "m", epoch), r.Header.Get("webhook-signature"))
	assert.Equal(t, "a b", hmacverifytest.Join("a", "b"))
}
