package registryclient

import (
	"io"
	"sync"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Progress is one update about one blob being transferred.
type Progress struct {
	Digest   v1.Hash // the blob
	Complete int64   // bytes done
	Total    int64   // bytes in all (-1 when unknown)
	Done     bool    // transfer finished (or skipped because present)
	Skipped  bool    // the blob already existed at the destination
}

// pushImage is the image handed to remote.Write: its layers count bytes
// for WithProgress and offer a cross-repository mount source.
type pushImage struct {
	v1.Image
	layers   []*progressLayer
	byDigest map[v1.Hash]v1.Layer
	report   func(Progress)
	// configSource is where the config blob may be mounted from, if anywhere.
	configSource name.Reference
}

func newPushImage(img v1.Image, dest name.Reference, call callConfig) (*pushImage, error) {
	ls, err := img.Layers()
	if err != nil {
		return nil, classify(err)
	}
	var mountFrom *name.Repository
	for _, repo := range call.mountFrom {
		if repo.RegistryStr() == dest.Context().RegistryStr() && repo.RepositoryStr() != dest.Context().RepositoryStr() {
			repo := repo
			mountFrom = &repo
			break
		}
	}
	pi := &pushImage{Image: img, byDigest: map[v1.Hash]v1.Layer{}, report: call.progress}
	if mountFrom != nil {
		cfgName, err := img.ConfigName()
		if err != nil {
			return nil, classify(err)
		}
		pi.configSource = mountFrom.Digest(cfgName.String())
	}
	for _, l := range ls {
		digest, err := l.Digest()
		if err != nil {
			return nil, classify(err)
		}
		size, err := l.Size()
		if err != nil {
			return nil, classify(err)
		}
		inner := l
		var source name.Reference
		if ml, ok := l.(*remote.MountableLayer); ok {
			inner, source = ml.Layer, ml.Reference
		}
		if source == nil && mountFrom != nil {
			source = mountFrom.Digest(digest.String())
		}
		pl := &progressLayer{Layer: inner, digest: digest, size: size, report: call.progress}
		pi.layers = append(pi.layers, pl)
		var wrapped v1.Layer = pl
		if source != nil && source.Context().RegistryStr() == dest.Context().RegistryStr() {
			wrapped = &remote.MountableLayer{Layer: pl, Reference: source}
		}
		pi.byDigest[digest] = wrapped
	}
	return pi, nil
}

func (p *pushImage) Layers() ([]v1.Layer, error) {
	out := make([]v1.Layer, len(p.layers))
	for i, l := range p.layers {
		out[i] = p.byDigest[l.digest]
	}
	return out, nil
}

func (p *pushImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	if l, ok := p.byDigest[h]; ok {
		return l, nil
	}
	return p.Image.LayerByDigest(h)
}

// ConfigLayer offers the config blob for mounting like the layers.
func (p *pushImage) ConfigLayer() (v1.Layer, error) {
	l, err := partial.ConfigLayer(p.Image)
	if err != nil || p.configSource == nil {
		return l, err
	}
	return &remote.MountableLayer{Layer: l, Reference: p.configSource}, nil
}

// Descriptor keeps the source's descriptor (annotations, platform).
func (p *pushImage) Descriptor() (*v1.Descriptor, error) { return partial.Descriptor(p.Image) }

// reportSkipped sends one Skipped update for every layer remote.Write
// never read: the registry had it already, or mounted it.
func (p *pushImage) reportSkipped() {
	if p.report == nil {
		return
	}
	seen := map[v1.Hash]bool{}
	for _, l := range p.layers {
		if seen[l.digest] || l.opened.Load() {
			continue
		}
		seen[l.digest] = true
		p.report(Progress{Digest: l.digest, Complete: l.size, Total: l.size, Done: true, Skipped: true})
	}
}

// progressLayer reports the bytes read from Compressed, per blob.
type progressLayer struct {
	v1.Layer
	digest v1.Hash
	size   int64
	report func(Progress)
	opened atomic.Bool
}

// Descriptor keeps the source's layer descriptor (media type, URLs).
func (l *progressLayer) Descriptor() (*v1.Descriptor, error) { return partial.Descriptor(l.Layer) }

func (l *progressLayer) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	l.opened.Store(true)
	if l.report == nil {
		return rc, nil
	}
	return &countingReader{ReadCloser: rc, layer: l}, nil
}

type countingReader struct {
	io.ReadCloser
	layer *progressLayer
	mu    sync.Mutex
	n     int64
	done  bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.mu.Lock()
	c.n += int64(n)
	update := Progress{Digest: c.layer.digest, Complete: c.n, Total: c.layer.size}
	send := n > 0
	if err == io.EOF && !c.done {
		c.done, update.Done, send = true, true, true
	}
	c.mu.Unlock()
	if send {
		c.layer.report(update)
	}
	return n, err
}
