// Package hmacverify signs and verifies HMAC webhook signatures.
//
// A Verifier is built once with New from options: one or more secrets (any
// of them may match, so a secret can be rotated without downtime), the hash
// (SHA-256 by default), the signature's encoding (lower- or upper-case hex by
// default, or base64), the header that carries it and a prefix before the
// encoded MAC ("sha256=", "hmac-sha256=", or none). Several signatures may
// stand in one header value, separated by spaces or commas; the value passes
// when any of them matches any secret.
//
// A verifier may also use a timestamped scheme, where the signed message is a
// template of a message id, a Unix timestamp and the body, and a timestamp
// outside a symmetric tolerance is refused. StandardWebhooks and GitHub are
// presets for two common schemes.
//
// It works at three layers, each usable alone: Sign and Verify on bytes and a
// header value with no HTTP; VerifyRequest, which reads a request's body
// under a limit, verifies it and leaves the body readable again; and
// Middleware, which answers 401 or 413 itself.
//
// Signatures are compared in constant time over decoded bytes (hmac.Equal),
// against every secret, so the timing shows neither whether nor which secret
// matched. No error message contains a secret, a presented signature or a
// computed MAC.
package hmacverify

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Hash names the hash function of the HMAC.
type Hash int

// Hash functions. The zero value is SHA256.
const (
	SHA256 Hash = iota
	SHA1
	SHA512
)

// String returns "sha256", "sha1" or "sha512".
func (h Hash) String() string {
	switch h {
	case SHA256:
		return "sha256"
	case SHA1:
		return "sha1"
	case SHA512:
		return "sha512"
	}
	return "Hash(" + strconv.Itoa(int(h)) + ")"
}

// new returns the constructor of h and the size of its sum, or nil for an
// unknown Hash.
func (h Hash) new() (func() hash.Hash, int) {
	switch h {
	case SHA256:
		return sha256.New, sha256.Size
	case SHA1:
		return sha1.New, sha1.Size
	case SHA512:
		return sha512.New, sha512.Size
	}
	return nil, 0
}

// Encoding names how a MAC is written in a header.
type Encoding int

// Encodings. The zero value is Hex.
const (
	// Hex is hexadecimal. Sign writes lower case; Verify accepts either case.
	Hex Encoding = iota
	// Base64 is standard base64 (RFC 4648 section 4). Sign writes it padded;
	// Verify accepts it padded or not.
	Base64
	// Base64URL is URL-safe base64 (RFC 4648 section 5). Sign writes it
	// without padding; Verify accepts it padded or not.
	Base64URL
)

// String returns "hex", "base64" or "base64url".
func (e Encoding) String() string {
	switch e {
	case Hex:
		return "hex"
	case Base64:
		return "base64"
	case Base64URL:
		return "base64url"
	}
	return "Encoding(" + strconv.Itoa(int(e)) + ")"
}

// Defaults.
const (
	// DefaultHeader is the signature header unless WithHeader changes it.
	DefaultHeader = "X-Signature"
	// DefaultMaxBodyBytes is the body limit of VerifyRequest and Middleware
	// unless WithMaxBodyBytes changes it: 1 MiB.
	DefaultMaxBodyBytes int64 = 1 << 20
	// DefaultTolerance is how far a timestamp may lie from the clock, either
	// way, unless WithTimestamp sets a tolerance: 5 minutes.
	DefaultTolerance = 5 * time.Minute
)

// Template placeholders for WithTemplate.
const (
	TemplateID        = "{id}"
	TemplateTimestamp = "{timestamp}"
	TemplateBody      = "{body}"
)

// maxMACSize is the largest sum of any Hash (SHA-512).
const maxMACSize = sha512.Size

// maxEncodedSize is the longest encoding of a MAC Verify decodes: hex of a
// SHA-512 sum. A longer signature cannot be one.
const maxEncodedSize = 2 * maxMACSize

// config is what the options set.
type config struct {
	secrets   [][]byte
	hash      Hash
	encoding  Encoding
	header    string
	prefix    string
	maxBody   int64
	idHeader  string
	tsHeader  string
	tolerance time.Duration
	template  string
	now       func() time.Time
	err       error // the first error an option met; New returns it
}

// fail records the first error an option met.
func (c *config) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// Option configures a Verifier.
type Option func(*config)

// WithSecrets adds secrets. A signature passes when it matches any of them;
// Sign uses the first one added. New refuses a verifier with no secret
// (ErrNoSecret) or with an empty one (ErrEmptySecret). The secrets are
// copied.
func WithSecrets(secrets ...[]byte) Option {
	return func(c *config) {
		for _, s := range secrets {
			c.secrets = append(c.secrets, append([]byte(nil), s...))
		}
	}
}

// WithHash sets the hash function (default SHA256).
func WithHash(h Hash) Option { return func(c *config) { c.hash = h } }

// WithEncoding sets how the MAC is encoded in the header (default Hex).
func WithEncoding(e Encoding) Option { return func(c *config) { c.encoding = e } }

// WithHeader sets the name of the signature header (default DefaultHeader,
// "X-Signature"). Header names are case-insensitive.
func WithHeader(name string) Option { return func(c *config) { c.header = name } }

// WithPrefix sets the text before each encoded MAC in the header value, such
// as "sha256=", "hmac-sha256=" or "v1," (default none). Verify matches the
// prefix without regard to case and ignores signatures without it (another
// scheme's or version's). New refuses a prefix starting with a separator
// (space, comma or tab) with ErrInvalidConfig.
func WithPrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// WithMaxBodyBytes sets the largest body VerifyRequest and Middleware read
// (default DefaultMaxBodyBytes, 1 MiB). Zero or less means the default.
func WithMaxBodyBytes(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithTimestamp turns on the timestamped scheme: the request carries the
// Unix time in seconds in header, the signed message includes it (see
// WithTemplate), and a timestamp more than tolerance before the clock fails
// with ErrTimestampTooOld, more than tolerance after it with
// ErrTimestampTooNew. The check is in whole seconds (a fraction of a second
// of tolerance counts as one). A tolerance of zero or less means
// DefaultTolerance.
func WithTimestamp(header string, tolerance time.Duration) Option {
	return func(c *config) {
		if header == "" {
			c.fail(fmt.Errorf("%w: empty timestamp header name", ErrInvalidConfig))
		}
		c.tsHeader, c.tolerance = header, tolerance
	}
}

// WithIDHeader names the header carrying a message id that the signed
// message includes (see WithTemplate).
func WithIDHeader(name string) Option {
	return func(c *config) {
		if name == "" {
			c.fail(fmt.Errorf("%w: empty id header name", ErrInvalidConfig))
		}
		c.idHeader = name
	}
}

// WithTemplate sets the signed message of the timestamped scheme: the text
// of template with TemplateID, TemplateTimestamp and TemplateBody replaced by
// the message id, the timestamp as it arrived, and the body. TemplateBody
// must occur exactly once. By default the template is "{timestamp}.{body}",
// or "{id}.{timestamp}.{body}" with WithIDHeader. A template is only allowed
// with WithTimestamp, and "{id}" only with WithIDHeader.
func WithTemplate(template string) Option { return func(c *config) { c.template = template } }

// WithClock sets the clock timestamps are checked against (default
// time.Now), for tests.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// GitHub configures GitHub's scheme: header X-Hub-Signature-256, value
// "sha256=" followed by the hex HMAC-SHA256 of the body, and adds secrets.
func GitHub(secrets ...string) Option {
	return func(c *config) {
		c.hash, c.encoding = SHA256, Hex
		c.header, c.prefix = "X-Hub-Signature-256", "sha256="
		for _, s := range secrets {
			c.secrets = append(c.secrets, []byte(s))
		}
	}
}

// StandardWebhooks configures the Standard Webhooks scheme
// (https://www.standardwebhooks.com): headers webhook-id, webhook-timestamp
// (Unix seconds) and webhook-signature, whose value holds one or more
// space-separated "v1,<base64>" signatures of HMAC-SHA256 over
// "{id}.{timestamp}.{body}", with the default tolerance of 5 minutes. It adds
// secrets written "whsec_<base64>" (the prefix is optional); one that does
// not decode makes New fail with ErrMalformedSecret.
func StandardWebhooks(secrets ...string) Option {
	return func(c *config) {
		c.hash, c.encoding = SHA256, Base64
		c.header, c.prefix = "webhook-signature", "v1,"
		c.idHeader, c.tsHeader = "webhook-id", "webhook-timestamp"
		c.template, c.tolerance = "{id}.{timestamp}.{body}", DefaultTolerance
		for i, s := range secrets {
			key, err := ParseStandardSecret(s)
			if err != nil {
				c.fail(fmt.Errorf("%w (secret %d)", err, i))
				continue
			}
			c.secrets = append(c.secrets, key)
		}
	}
}

// ParseStandardSecret decodes a Standard Webhooks secret, "whsec_" followed
// by standard base64 (the prefix is optional). The error is ErrMalformedSecret
// or ErrEmptySecret and never contains the secret.
func ParseStandardSecret(s string) ([]byte, error) {
	s = strings.TrimPrefix(s, "whsec_")
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil {
		return nil, ErrMalformedSecret
	}
	if len(key) == 0 {
		return nil, ErrEmptySecret
	}
	return key, nil
}

// segment is one piece of a parsed template.
type segment struct {
	kind int    // segLiteral, segID, segTimestamp or segBody
	lit  []byte // the text of a literal
}

const (
	segLiteral = iota
	segID
	segTimestamp
	segBody
)

// Verifier signs and verifies HMAC signatures. It is safe for concurrent use.
type Verifier struct {
	config             // as the options left it, with defaults filled in
	pool     sync.Pool // of *macSet
	size     int       // of the MAC in bytes
	segments []segment // the template; nil: the message is the body alone
}

// macSet holds a keyed hash per secret and room for their sums. Sets are
// reused through a pool, so that a verification allocates nothing.
type macSet struct {
	hs   []hash.Hash
	sums [][maxMACSize]byte
	copy [64]byte // for writing strings to a hash without converting them
}

// New builds a Verifier. It fails with ErrNoSecret when no secret is given,
// ErrEmptySecret when one is empty, ErrMalformedSecret when a preset's secret
// does not decode, and ErrInvalidConfig for an unknown hash or encoding, an
// empty header name, a prefix starting with a separator or a wrong template.
func New(opts ...Option) (*Verifier, error) {
	c := config{header: DefaultHeader}
	for _, o := range opts {
		o(&c)
	}
	if c.err != nil {
		return nil, c.err
	}
	if len(c.secrets) == 0 {
		return nil, ErrNoSecret
	}
	for i, s := range c.secrets {
		if len(s) == 0 {
			return nil, fmt.Errorf("%w (secret %d)", ErrEmptySecret, i)
		}
	}
	newHash, size := c.hash.new()
	if newHash == nil {
		return nil, fmt.Errorf("%w: unknown hash %v", ErrInvalidConfig, c.hash)
	}
	if c.encoding < Hex || c.encoding > Base64URL {
		return nil, fmt.Errorf("%w: unknown encoding %v", ErrInvalidConfig, c.encoding)
	}
	if c.header == "" {
		return nil, fmt.Errorf("%w: empty header name", ErrInvalidConfig)
	}
	if c.prefix != "" && isSeparator(c.prefix[0]) {
		// Verify skips separators before a signature, so no header could
		// ever pass.
		return nil, fmt.Errorf("%w: prefix starts with a space, comma or tab", ErrInvalidConfig)
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBodyBytes
	}
	if c.tolerance <= 0 {
		c.tolerance = DefaultTolerance
	}
	if c.now == nil {
		c.now = time.Now
	}
	v := &Verifier{config: c, size: size}
	if c.tsHeader != "" {
		if c.template == "" {
			c.template = TemplateTimestamp + "." + TemplateBody
			if c.idHeader != "" {
				c.template = TemplateID + "." + c.template
			}
		}
		segs, err := parseTemplate(c.template, c.idHeader != "")
		if err != nil {
			return nil, err
		}
		v.segments = segs
	} else if c.template != "" || c.idHeader != "" {
		return nil, fmt.Errorf("%w: a template or id header needs WithTimestamp", ErrInvalidConfig)
	}
	v.pool.New = func() any {
		set := &macSet{hs: make([]hash.Hash, len(v.secrets)), sums: make([][maxMACSize]byte, len(v.secrets))}
		for i, key := range v.secrets {
			set.hs[i] = hmac.New(newHash, key)
		}
		return set
	}
	return v, nil
}

// parseTemplate splits a template into segments.
func parseTemplate(t string, haveID bool) ([]segment, error) {
	var segs []segment
	bodies := 0
	for t != "" {
		i := strings.IndexByte(t, '{')
		kind := -1
		var ph string
		if i >= 0 {
			for k, p := range []string{segID: TemplateID, segTimestamp: TemplateTimestamp, segBody: TemplateBody} {
				if p != "" && strings.HasPrefix(t[i:], p) {
					kind, ph = k, p
				}
			}
		}
		if kind < 0 {
			// No placeholder here: the text up to and including '{' (or
			// the rest) is literal.
			n := len(t)
			if i >= 0 {
				n = i + 1
			}
			segs = appendLiteral(segs, t[:n])
			t = t[n:]
			continue
		}
		segs = appendLiteral(segs, t[:i])
		switch kind {
		case segID:
			if !haveID {
				return nil, fmt.Errorf("%w: template uses %s without WithIDHeader", ErrInvalidConfig, TemplateID)
			}
		case segBody:
			bodies++
		}
		segs = append(segs, segment{kind: kind})
		t = t[i+len(ph):]
	}
	if bodies != 1 {
		return nil, fmt.Errorf("%w: template must hold %s exactly once", ErrInvalidConfig, TemplateBody)
	}
	return segs, nil
}

// appendLiteral appends literal text, merging it with a literal before it.
func appendLiteral(segs []segment, s string) []segment {
	if s == "" {
		return segs
	}
	if n := len(segs); n > 0 && segs[n-1].kind == segLiteral {
		segs[n-1].lit = append(segs[n-1].lit, s...)
		return segs
	}
	return append(segs, segment{kind: segLiteral, lit: []byte(s)})
}

// Header returns the name of the signature header.
func (v *Verifier) Header() string { return v.header }

// Timestamped reports whether v uses the timestamped scheme.
func (v *Verifier) Timestamped() bool { return v.segments != nil }
