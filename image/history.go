package image

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// HistoryEntry is one row of docker history, newest first.
type HistoryEntry struct {
	ID        string // image ID for the top row, "<missing>" otherwise, as docker
	Created   time.Time
	CreatedBy string
	// Size is the unpacked size of the layer this step made (as docker
	// shows it), 0 for steps that made no layer (empty_layer).
	Size    int64
	Comment string
	Tags    []string // the image's tags, on the top row only
}

// History returns the image's build history, newest first, as docker
// history prints it. An image whose config has no history gets one row
// per layer.
func (s *Store) History(ctx context.Context, nameOrID string) ([]HistoryEntry, error) {
	img, err := s.Get(ctx, nameOrID)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", nameOrID, err)
	}
	var rows []HistoryEntry
	layer := 0
	if len(img.History) == 0 {
		for _, l := range img.Layers {
			rows = append(rows, HistoryEntry{Created: img.Created, Size: l.UnpackedSize})
		}
	}
	for _, h := range img.History {
		row := HistoryEntry{Created: h.Created.Time, CreatedBy: h.CreatedBy, Comment: h.Comment}
		if !h.EmptyLayer {
			if layer < len(img.Layers) {
				row.Size = img.Layers[layer].UnpackedSize
			}
			layer++
		}
		rows = append(rows, row)
	}
	slices.Reverse(rows)
	for i := range rows {
		rows[i].ID = "<missing>"
	}
	if len(rows) > 0 {
		rows[0].ID = img.ID.String()
		rows[0].Tags = slices.Clone(img.RepoTags)
	}
	return rows, nil
}
