package sourceauth

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
)

// hmacVerifier verifies a generic HMAC-SHA256 signature header.
type hmacVerifier struct {
	keys     [][]byte
	header   string
	prefix   string
	encoding string
	tsHeader string // set only when the timestamp is signed
	idHeader string
	window   window
}

func newHMAC(cfg Config, p *problems) *hmacVerifier {
	v := &hmacVerifier{
		keys:     rawKeys(cfg.Secrets),
		header:   cfg.Header,
		prefix:   cfg.Prefix,
		encoding: cfg.Encoding,
		tsHeader: cfg.TimestampHeader,
		idHeader: cfg.IDHeader,
		window:   newWindow(cfg.Now, cfg.Tolerance),
	}
	if !validHeaderName(cfg.Header) {
		p.add("header", "is required and must be a valid HTTP header name for scheme %q", SchemeHMAC)
	}
	switch cfg.Encoding {
	case "":
		v.encoding = EncodingHex
	case EncodingHex, EncodingBase64:
	default:
		p.add("encoding", "%q is not %q or %q", cfg.Encoding, EncodingHex, EncodingBase64)
	}
	switch cfg.Signed {
	case "", SignedBody:
		if cfg.TimestampHeader != "" {
			p.add("timestamp_header", "applies only with signed: %q", SignedTimestampBody)
		}
		if cfg.Tolerance != 0 {
			p.add("tolerance", "applies only with signed: %q", SignedTimestampBody)
		}
	case SignedTimestampBody:
		if !validHeaderName(cfg.TimestampHeader) {
			p.add("timestamp_header", "is required and must be a valid HTTP header name with signed: %q", SignedTimestampBody)
		}
	default:
		p.add("signed", "%q is not %q or %q", cfg.Signed, SignedBody, SignedTimestampBody)
	}
	if cfg.IDHeader != "" && !validHeaderName(cfg.IDHeader) {
		p.add("id_header", "must be a valid HTTP header name")
	}
	return v
}

// Verify strips the prefix, decodes the signature, compares it with the HMAC
// of the signed content under every key and, when the timestamp is signed,
// checks it against the tolerance. The delivery id is the id header's value,
// "" when no id header is configured or the request lacks it. Note that the
// id header is not covered by the signature.
func (v *hmacVerifier) Verify(r *http.Request, body []byte) (string, error) {
	raw := strings.TrimSpace(r.Header.Get(v.header))
	if raw == "" {
		return "", fail(ErrMissingCredentials, "no "+v.header+" header")
	}
	if v.prefix != "" {
		if len(raw) < len(v.prefix) || !strings.EqualFold(raw[:len(v.prefix)], v.prefix) {
			return "", fail(ErrMalformed, v.header+" does not start with the configured prefix")
		}
		raw = raw[len(v.prefix):]
	}
	got, err := v.decode(raw)
	if err != nil {
		return "", fail(ErrMalformed, v.header+" is not "+v.encoding)
	}
	parts := [][]byte{body}
	var ts string
	if v.tsHeader != "" {
		ts = strings.TrimSpace(r.Header.Get(v.tsHeader))
		if ts == "" {
			return "", fail(ErrMissingCredentials, "no "+v.tsHeader+" header")
		}
		parts = [][]byte{[]byte(ts), {'.'}, body}
	}
	if !anyMAC(v.keys, [][]byte{got}, parts...) {
		return "", fail(ErrBadSignature, v.header+" does not match")
	}
	if v.tsHeader != "" {
		t, ok := parseLooseTimestamp(ts)
		if !ok {
			return "", fail(ErrMalformed, v.tsHeader+" is not unix seconds, unix milliseconds or RFC 3339")
		}
		if err := v.window.check(t); err != nil {
			return "", err
		}
	}
	if v.idHeader == "" {
		return "", nil
	}
	return r.Header.Get(v.idHeader), nil
}

func (v *hmacVerifier) decode(s string) ([]byte, error) {
	if v.encoding == EncodingHex {
		return hex.DecodeString(s)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return base64.RawStdEncoding.DecodeString(s)
	}
	return b, nil
}
