package registryclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Sentinel errors. Every error returned by this package wraps one of them
// (test with errors.Is) and says what was being done.
var (
	// ErrInvalidReference: a reference string could not be parsed. The
	// concrete error is a *ReferenceError naming the bad part.
	ErrInvalidReference = errors.New("invalid reference")
	// ErrNotFound: the registry has no such repository, manifest, tag or blob (HTTP 404).
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized: the registry refused the credentials, or asked for some (HTTP 401/403).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrUnreachable: the registry could not be reached (DNS, connection refused, TLS, timeout).
	ErrUnreachable = errors.New("registry unreachable")
	// ErrDigestMismatch: content did not hash to the digest that named it.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrUnsupportedManifest: the manifest's media type is not one berth handles (e.g. schema 1).
	ErrUnsupportedManifest = errors.New("unsupported manifest")
	// ErrNoMatchingPlatform: an index has no manifest for the wanted platform.
	ErrNoMatchingPlatform = errors.New("no matching manifest for platform")
	// ErrInvalidOption: conflicting or malformed options.
	ErrInvalidOption = errors.New("invalid option")
	// ErrNotSupported: the operation is not supported by the registry or this OS.
	ErrNotSupported = errors.New("not supported")
)

// ReferenceError is returned for a reference that cannot be parsed. It wraps
// ErrInvalidReference.
type ReferenceError struct {
	Input  string // the whole string given
	Part   string // the offending part: "registry", "repository", "tag" or "digest"
	Reason string // human explanation
}

func (e *ReferenceError) Error() string {
	return fmt.Sprintf("invalid reference %q: %s %s", e.Input, e.Part, e.Reason)
}

func (e *ReferenceError) Unwrap() error { return ErrInvalidReference }

// Sentinels added by the registryclient owner.
var (
	// ErrInvalidManifest: a manifest could not be decoded (bad JSON, wrong
	// schemaVersion, malformed descriptor). The concrete error is a
	// *ManifestError.
	ErrInvalidManifest = errors.New("invalid manifest")
	// ErrTLSVerification: the registry's TLS certificate could not be
	// verified, or plain HTTP was refused for a registry that is not
	// insecure. Always comes together with ErrUnreachable.
	ErrTLSVerification = errors.New("TLS verification failed")
	// ErrUnexpectedResponse: the registry answered with an HTTP status
	// that is none of the classified ones (e.g. 500 after retries). The
	// status is available via errors.As with *transport.Error.
	ErrUnexpectedResponse = errors.New("unexpected registry response")
)

// ManifestError is returned by DecodeManifest. It wraps ErrUnsupportedManifest
// (a media type berth does not handle, such as schema 1) or
// ErrInvalidManifest (content that does not decode).
type ManifestError struct {
	MediaType string // as given, or as sniffed from the content
	Reason    string
	Err       error // ErrUnsupportedManifest or ErrInvalidManifest
	Cause     error // the underlying decode error, if any
}

func (e *ManifestError) Error() string {
	mt := e.MediaType
	if mt == "" {
		mt = "manifest without media type"
	}
	return fmt.Sprintf("%s: %s: %s", e.Err, mt, e.Reason)
}

func (e *ManifestError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// PlatformError is returned when an index has no manifest for the wanted
// platform. It wraps ErrNoMatchingPlatform.
type PlatformError struct {
	Wanted    string   // "linux/arm64/v8"
	Available []string // the platforms the index offers, in its order
}

func (e *PlatformError) Error() string {
	return fmt.Sprintf("%s %s in the manifest list entries (available: %s)",
		ErrNoMatchingPlatform, e.Wanted, strings.Join(e.Available, ", "))
}

func (e *PlatformError) Unwrap() error { return ErrNoMatchingPlatform }

// BlobError is returned while reading a blob whose content does not match
// its digest: either it hashed to something else, or it ended early
// (truncated). It wraps ErrDigestMismatch and the underlying read error.
type BlobError struct {
	Digest   v1.Hash // the digest that names the blob
	Got      v1.Hash // what the content hashed to; zero when truncated
	WantSize int64   // -1 when unknown
	GotSize  int64
	Err      error // underlying error (io.ErrUnexpectedEOF, ggcr's verify error), may be nil
}

// Truncated reports whether the blob ended before its size.
func (e *BlobError) Truncated() bool { return e.WantSize >= 0 && e.GotSize < e.WantSize }

func (e *BlobError) Error() string {
	if e.Truncated() {
		return fmt.Sprintf("blob %s: %s: truncated after %d of %d bytes", e.Digest, ErrDigestMismatch, e.GotSize, e.WantSize)
	}
	if e.Got.Hex == "" {
		return fmt.Sprintf("blob %s: %s: %d bytes, want %d", e.Digest, ErrDigestMismatch, e.GotSize, e.WantSize)
	}
	return fmt.Sprintf("blob %s: %s: content hashes to %s", e.Digest, ErrDigestMismatch, e.Got)
}

func (e *BlobError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrDigestMismatch, e.Err}
	}
	return []error{ErrDigestMismatch}
}

// registryError is what a failed registry call becomes: a short
// classification (one or more sentinels) plus the original error, which
// stays in the chain for errors.As (*transport.Error, *net.OpError, ...).
type registryError struct {
	kinds  []error
	detail string
	err    error
}

func (e *registryError) Error() string {
	if e.detail == "" {
		return e.kinds[0].Error()
	}
	return e.kinds[0].Error() + ": " + e.detail
}

func (e *registryError) Unwrap() []error { return append(append([]error(nil), e.kinds...), e.err) }

// classify translates errors from go-containerregistry and net/http into
// this package's sentinels, keeping the original in the chain. Errors that
// are already classified, and context errors, pass through unchanged.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var already *registryError
	if errors.As(err, &already) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	for _, s := range []error{ErrDigestMismatch, ErrUnsupportedManifest, ErrInvalidManifest, ErrNoMatchingPlatform, ErrInvalidReference, ErrInvalidOption} {
		if errors.Is(err, s) {
			return err
		}
	}
	if isTLSError(err) {
		return &registryError{kinds: []error{ErrUnreachable, ErrTLSVerification}, detail: rootMessage(err), err: err}
	}
	var te *transport.Error
	if errors.As(err, &te) {
		return &registryError{kinds: []error{statusKind(te)}, detail: transportDetail(te), err: err}
	}
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &opErr) || errors.As(err, &dnsErr) || errors.As(err, &netErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &registryError{kinds: []error{ErrUnreachable}, detail: rootMessage(err), err: err}
	}
	return err
}

func statusKind(te *transport.Error) error {
	for _, d := range te.Errors {
		switch d.Code {
		case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode, transport.BlobUnknownErrorCode:
			return ErrNotFound
		case transport.UnauthorizedErrorCode, transport.DeniedErrorCode:
			return ErrUnauthorized
		}
	}
	switch te.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrUnauthorized
	case http.StatusNotFound:
		return ErrNotFound
	}
	return ErrUnexpectedResponse
}

// transportDetail is the registry's own words, lower-cased as docker
// prints them ("manifest unknown"), or the HTTP status text.
func transportDetail(te *transport.Error) string {
	if len(te.Errors) > 0 {
		msgs := make([]string, 0, len(te.Errors))
		for _, d := range te.Errors {
			m := d.Message
			if m == "" {
				m = strings.ToLower(strings.ReplaceAll(string(d.Code), "_", " "))
			}
			msgs = append(msgs, m)
		}
		return strings.Join(msgs, "; ")
	}
	return fmt.Sprintf("%d %s", te.StatusCode, strings.ToLower(http.StatusText(te.StatusCode)))
}

func isTLSError(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verification *tls.CertificateVerificationError
	var refused *plainHTTPRefusedError
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &verification) || errors.As(err, &refused)
}

// rootMessage is the innermost useful message of a network error chain,
// without the URL noise *url.Error adds.
func rootMessage(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + " " + redactURL(ue.URL) + ": " + ue.Err.Error()
	}
	return err.Error()
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	u.RawQuery = ""
	u.User = nil
	return u.String()
}

// plainHTTPRefusedError is returned by the transport when a request would
// go over plain HTTP to a registry that is not insecure.
type plainHTTPRefusedError struct{ Host string }

func (e *plainHTTPRefusedError) Error() string {
	return fmt.Sprintf("refusing plain HTTP to %s: not an insecure registry", e.Host)
}
