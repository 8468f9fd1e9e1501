package registryclient

import (
	"errors"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// verifiedImage is a pulled image whose layers check their digest while
// read and report a mismatch or truncation as *BlobError.
type verifiedImage struct{ v1.Image }

func (i *verifiedImage) Layers() ([]v1.Layer, error) {
	ls, err := i.Image.Layers()
	if err != nil {
		return nil, classify(err)
	}
	out := make([]v1.Layer, len(ls))
	for n, l := range ls {
		out[n] = &verifiedLayer{Layer: l}
	}
	return out, nil
}

func (i *verifiedImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	l, err := i.Image.LayerByDigest(h)
	if err != nil {
		return nil, classify(err)
	}
	return &verifiedLayer{Layer: l}, nil
}

func (i *verifiedImage) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	l, err := i.Image.LayerByDiffID(h)
	if err != nil {
		return nil, classify(err)
	}
	return &verifiedLayer{Layer: l}, nil
}

// Descriptor keeps the manifest's descriptor (platform, annotations).
func (i *verifiedImage) Descriptor() (*v1.Descriptor, error) { return partial.Descriptor(i.Image) }

// verifiedLayer checks the compressed bytes against the layer's digest and
// size, whichever reader is used.
type verifiedLayer struct{ v1.Layer }

// Descriptor keeps the manifest's descriptor (URLs, annotations).
func (l *verifiedLayer) Descriptor() (*v1.Descriptor, error) { return partial.Descriptor(l.Layer) }

func (l *verifiedLayer) Compressed() (io.ReadCloser, error) {
	digest, err := l.Digest()
	if err != nil {
		return nil, classify(err)
	}
	size, err := l.Size()
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", digest, classify(err))
	}
	rc, err := l.Layer.Compressed()
	if err != nil {
		if announced, ok := announcedSizeMismatch(err); ok {
			return nil, &BlobError{Digest: digest, WantSize: size, GotSize: announced, Err: err}
		}
		return nil, fmt.Errorf("blob %s: %w", digest, classify(err))
	}
	return newVerifyingReader(rc, digest, size)
}

// Uncompressed decompresses the verified compressed stream. If
// decompression fails first (corrupt data usually breaks gzip before the
// end), the rest of the blob is read so that a digest mismatch is reported
// as such rather than as a gzip error.
func (l *verifiedLayer) Uncompressed() (io.ReadCloser, error) {
	compressed, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	vr := compressed.(*verifyingReader)
	ul, err := partial.CompressedToLayer(&onceCompressed{layer: l.Layer, rc: vr})
	if err != nil {
		vr.Close()
		return nil, err
	}
	rc, err := ul.Uncompressed()
	if err != nil {
		vr.Close()
		if mismatch := vr.drain(); mismatch != nil {
			return nil, mismatch
		}
		return nil, err
	}
	return &uncompressedReader{ReadCloser: rc, verify: vr}, nil
}

type uncompressedReader struct {
	io.ReadCloser
	verify *verifyingReader
}

func (u *uncompressedReader) Read(p []byte) (int, error) {
	n, err := u.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		var be *BlobError
		if !errors.As(err, &be) {
			if mismatch := u.verify.drain(); mismatch != nil {
				return n, mismatch
			}
		}
	}
	return n, err
}

// onceCompressed hands an already opened compressed reader to
// partial.CompressedToLayer, which only needs it once per Uncompressed.
type onceCompressed struct {
	layer v1.Layer
	rc    io.ReadCloser
}

func (o *onceCompressed) Digest() (v1.Hash, error)            { return o.layer.Digest() }
func (o *onceCompressed) DiffID() (v1.Hash, error)            { return o.layer.DiffID() }
func (o *onceCompressed) Size() (int64, error)                { return o.layer.Size() }
func (o *onceCompressed) MediaType() (types.MediaType, error) { return o.layer.MediaType() }
func (o *onceCompressed) Compressed() (io.ReadCloser, error)  { return o.rc, nil }

// verifyingReader turns the end of a blob into a verdict. The bytes are
// hashed once, by go-containerregistry's own verifying reader underneath
// (remote blobs always are); this reader counts them, and translates that
// reader's verification failures — it has no exported error type, so they
// are recognised by their text, pinned by the tests — and short reads into
// a *BlobError.
type verifyingReader struct {
	inner    io.ReadCloser
	digest   v1.Hash
	size     int64 // -1 unknown
	read     int64
	verified bool
	failure  error
}

func newVerifyingReader(rc io.ReadCloser, digest v1.Hash, size int64) (*verifyingReader, error) {
	if digest.Algorithm != "sha256" {
		rc.Close()
		return nil, fmt.Errorf("blob %s: %w: digest algorithm %q", digest, ErrNotSupported, digest.Algorithm)
	}
	return &verifyingReader{inner: rc, digest: digest, size: size}, nil
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.failure != nil {
		return 0, v.failure
	}
	n, err := v.inner.Read(p)
	v.read += int64(n)
	if err == nil {
		if v.size >= 0 && v.read > v.size {
			v.failure = &BlobError{Digest: v.digest, WantSize: v.size, GotSize: v.read}
			return n, v.failure
		}
		return n, nil
	}
	if mismatch := v.check(err); mismatch != nil {
		v.failure = mismatch
		return n, mismatch
	}
	if err == io.EOF {
		v.verified = true
		return n, io.EOF
	}
	return n, classify(err)
}

// check returns a *BlobError if the stream, ending with err, does not
// match the blob; nil if it does (or if err is a failure unrelated to the
// content, such as a cancelled context).
func (v *verifyingReader) check(err error) error {
	var cause error
	if err != io.EOF {
		cause = err
	}
	if v.size >= 0 && v.read < v.size {
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) || cause != nil && v.read > 0 {
			return &BlobError{Digest: v.digest, WantSize: v.size, GotSize: v.read, Err: cause}
		}
		return nil
	}
	if cause != nil && strings.HasPrefix(cause.Error(), "error verifying ") {
		return &BlobError{Digest: v.digest, Got: checksumGot(cause), WantSize: v.size, GotSize: v.read, Err: cause}
	}
	return nil
}

// checksumGot extracts the digest the content hashed to from
// go-containerregistry's checksum error ("...; got \"sha256:...\", want ...").
func checksumGot(err error) v1.Hash {
	msg := err.Error()
	i := strings.Index(msg, `got "`)
	if i < 0 {
		return v1.Hash{}
	}
	rest := msg[i+len(`got "`):]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return v1.Hash{}
	}
	h, perr := v1.NewHash(rest[:j])
	if perr != nil {
		return v1.Hash{}
	}
	return h
}

// drain reads the rest of the blob and returns its *BlobError, if any.
func (v *verifyingReader) drain() error {
	if v.verified {
		return nil
	}
	_, err := io.Copy(io.Discard, v)
	var be *BlobError
	if errors.As(err, &be) {
		return err
	}
	if v.failure != nil {
		return v.failure
	}
	return nil
}

func (v *verifyingReader) Close() error { return v.inner.Close() }

// announcedSizeMismatch recognises go-containerregistry's refusal of a blob
// response whose Content-Length differs from the descriptor's size (it has
// no typed error for it) and returns the announced length.
func announcedSizeMismatch(err error) (int64, bool) {
	const marker = "Content-Length header "
	msg := err.Error()
	i := strings.Index(msg, marker)
	if i < 0 || !strings.Contains(msg[i:], "does not match expected size") {
		return 0, false
	}
	var announced int64
	if _, err := fmt.Sscanf(msg[i+len(marker):], "%d", &announced); err != nil {
		return 0, false
	}
	return announced, true
}
