//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/berth-dev/berth/registryclient"
)

// transferProgress shows the blobs of a pull or push: one progress bar per
// blob on a terminal, one plain line per finished blob otherwise
// ("a307d6ecc620: Pull complete"). Its update method is safe to call from
// several goroutines.
type transferProgress struct {
	out        io.Writer
	doneMsg    string             // "Pull complete", "Pushed"
	skippedMsg string             // "Already exists", "Layer already exists"
	ignore     func(v1.Hash) bool // blobs not to show; nil shows all

	mu       sync.Mutex
	bars     *mpb.Progress // nil when printing plain lines
	blobBars map[v1.Hash]*blobBar
	finished map[v1.Hash]bool
}

// blobBar is one blob's bar and the message it shows instead of byte counts.
type blobBar struct {
	bar    *mpb.Bar
	done   bool // completed; under transferProgress.mu
	mu     sync.Mutex
	status string
}

func (b *blobBar) setStatus(s string) {
	b.mu.Lock()
	b.status = s
	b.mu.Unlock()
}

func (b *blobBar) decorate(s decor.Statistics) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.status != "" {
		return b.status
	}
	if s.Total <= 0 {
		return humanSize(s.Current)
	}
	return humanSize(s.Current) + "/" + humanSize(s.Total)
}

// newTransferProgress draws bars when out is a terminal. Set ignore before
// the first update to hide blobs (docker shows layers, not config blobs).
func newTransferProgress(ctx context.Context, out io.Writer, doneMsg, skippedMsg string) *transferProgress {
	p := &transferProgress{
		out:        out,
		doneMsg:    doneMsg,
		skippedMsg: skippedMsg,
		blobBars:   map[v1.Hash]*blobBar{},
		finished:   map[v1.Hash]bool{},
	}
	if isTerminal(out) {
		p.bars = mpb.NewWithContext(ctx, mpb.WithOutput(out), mpb.WithWidth(50))
	}
	return p
}

// update records one progress event.
func (p *transferProgress) update(ev registryclient.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished[ev.Digest] || (p.ignore != nil && p.ignore(ev.Digest)) {
		return
	}
	if ev.Done {
		p.finished[ev.Digest] = true
	}
	msg := p.doneMsg
	if ev.Skipped {
		msg = p.skippedMsg
	}
	if p.bars == nil {
		if ev.Done {
			fmt.Fprintf(p.out, "%s: %s\n", shortID(ev.Digest.String()), msg)
		}
		return
	}
	b := p.blobBars[ev.Digest]
	if b == nil {
		b = &blobBar{}
		total := ev.Total
		if total < 0 {
			total = 0
		}
		b.bar = p.bars.New(total, mpb.BarStyle(),
			mpb.PrependDecorators(decor.Name(shortID(ev.Digest.String())+":")),
			mpb.BarFillerClearOnComplete(),
			mpb.AppendDecorators(decor.Any(b.decorate)),
		)
		p.blobBars[ev.Digest] = b
	}
	if ev.Total > 0 {
		b.bar.SetTotal(ev.Total, false)
	}
	if ev.Complete > 0 {
		b.bar.SetCurrent(ev.Complete)
	}
	if ev.Done {
		b.setStatus(msg)
		b.bar.SetTotal(-1, true)
		b.done = true
	}
}

// finish stops drawing; bars of blobs that never finished are left as they
// stand (the command failed or was interrupted).
func (p *transferProgress) finish() {
	p.mu.Lock()
	bars := p.bars
	// Not mpb's Bar.Completed: once a bar is done it reads the bar's
	// state while the renderer still writes it (a data race).
	for _, b := range p.blobBars {
		if !b.done {
			b.bar.Abort(false)
		}
	}
	p.mu.Unlock()
	if bars != nil {
		bars.Wait()
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
