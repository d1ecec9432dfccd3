package main

import (
	"context"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/store"
)

// storePlacements gives diagnose the seed runs kept by `codeprobe seeds
// --db`.
type storePlacements struct{ st store.Store }

// PlacementRuns implements diagnose.PlacementSource.
func (s storePlacements) PlacementRuns(ctx context.Context, provider string, runs int) ([][]diagnose.SeedPlacement, error) {
	got, err := s.st.PlacementRuns(ctx, provider, runs)
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
