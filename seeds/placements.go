package seeds

import (
	"context"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/store"
)

// Placements gives diagnose (Options.Placements) the seed runs kept in a
// store, for the placement.* findings of a check.
type Placements struct{ Store PlacementRunStore }

// PlacementRunStore is the part of the store Placements reads;
// store.Store implements it.
type PlacementRunStore interface {
	PlacementRuns(ctx context.Context, provider string, runs int) ([][]*store.Placement, error)
}

// PlacementRuns implements diagnose.PlacementSource.
func (s Placements) PlacementRuns(ctx context.Context, provider string, runs int) ([][]diagnose.SeedPlacement, error) {
	got, err := s.Store.PlacementRuns(ctx, provider, runs)
	if err != nil {
		return nil, err
	}
	out := make([][]diagnose.SeedPlacement, len(got))
	for i, run := range got {
		for _, p := range run {
			sp := diagnose.SeedPlacement{Seed: p.Seed, Kind: string(p.Kind), Folder: p.Folder, Sent: p.SentAt}
			if d, ok := p.Latency(); ok {
				sp.Latency = d
			}
			out[i] = append(out[i], sp)
		}
	}
	return out, nil
}
