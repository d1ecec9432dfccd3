package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// The agents' reports (see [store.ReportStore]), and the dashboard's
// recent returns ([store.Store.ReturnsSince]).

// reportID is a report ID derived from seed: 16 characters of lower-case
// base32.
func reportID(seed string) string { return Token("report " + seed)[:16] }

// newReport is a report by ann on address, its ID derived from seed.
func newReport(seed, address string) *store.Report {
	return &store.Report{ID: reportID(seed), Agent: "ann", Address: address, Ref: "K7Q2-9XMD",
		Body: []byte(`{"address":"` + address + `","causes":[]}`)}
}

func mustPutReport(t *testing.T, st store.Store, r *store.Report) {
	t.Helper()
	if err := st.PutReport(ctx(t), r); err != nil {
		t.Fatalf("PutReport(%s): %v", r.ID, err)
	}
}

func mustReport(t *testing.T, st store.Store, id string) *store.Report {
	t.Helper()
	r, err := st.Report(ctx(t), id)
	if err != nil {
		t.Fatalf("Report(%s): %v", id, err)
	}
	return r
}

// putReportErr is PutReport's error, a panic turned into an error so that
// one bad case does not end the suite.
func putReportErr(t *testing.T, st store.Store, r *store.Report) (err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return st.PutReport(ctx(t), r)
}

// describeReports is "seed@minute" for each report, seed being the ID's
// position in seeds, made at(minute).
func describeReports(rs []*store.Report, seeds ...string) []string {
	var out []string
	for _, r := range rs {
		name := r.ID
		for _, s := range seeds {
			if reportID(s) == r.ID {
				name = s
			}
		}
		out = append(out, fmt.Sprintf("%s@%d", name, int(r.Created.Sub(at(0))/time.Minute)))
	}
	return out
}

func testReportRoundTrip(t *testing.T, st store.Store, clock *Clock) {
	now := clock.Now()
	// A new report is made now, by the store's clock.
	r := newReport("1", "ann@example.com")
	mustPutReport(t, st, r)
	if !r.Created.Equal(now) {
		t.Errorf("PutReport set the caller's Created to %v, want the clock's %v", r.Created, now)
	}
	want := store.Report{ID: reportID("1"), Created: now, Agent: "ann", Address: "ann@example.com", Ref: "K7Q2-9XMD",
		Body: []byte(`{"address":"ann@example.com","causes":[]}`)}
	if got := mustReport(t, st, r.ID); !reflect.DeepEqual(*got, want) {
		t.Errorf("Report round trip:\n got %+v\nwant %+v", *got, want)
	}
	// A given time is kept, in UTC to the microsecond; no ref; a body of
	// exactly 1 MiB and one of 2 bytes, byte for byte.
	big := []byte(`"` + strings.Repeat("ü", (1<<20-2)/2) + `"`)
	given := &store.Report{ID: "abcdefghijklmn27", Agent: "bob.o-k@example.com", Address: "Ünï@exämple.de",
		Created: time.Date(2026, 2, 1, 10, 0, 0, 123456789, time.FixedZone("CET", 3600)), Body: big}
	mustPutReport(t, st, given)
	got := mustReport(t, st, given.ID)
	if wantAt := time.Date(2026, 2, 1, 9, 0, 0, 123456000, time.UTC); !got.Created.Equal(wantAt) || got.Created.Location() != time.UTC {
		t.Errorf("given Created came back as %v, want %v", got.Created, wantAt)
	}
	if string(got.Body) != string(big) || len(got.Body) != 1<<20 || got.Ref != "" || got.Agent != given.Agent ||
		got.Address != given.Address {
		t.Errorf("report at the bounds came back with %d bytes of body, ref %q, agent %q, address %q",
			len(got.Body), got.Ref, got.Agent, got.Address)
	}
	small := &store.Report{ID: "2222222222222222", Agent: "a", Address: "b", Body: []byte("{}")}
	mustPutReport(t, st, small)
	if got := mustReport(t, st, small.ID); string(got.Body) != "{}" {
		t.Errorf("2-byte body came back as %q", got.Body)
	}

	// A taken ID is refused, and the first report stays.
	clock.Advance(time.Hour)
	dup := newReport("1", "bob@example.com")
	wantErr(t, st.PutReport(ctx(t), dup), store.ErrExists, "PutReport of a taken ID")
	if got := mustReport(t, st, reportID("1")); !reflect.DeepEqual(*got, want) {
		t.Errorf("after a refused duplicate: %+v, want the first report", *got)
	}
	for _, id := range []string{reportID("2"), strings.ToUpper(reportID("1")), reportID("1")[:15], ""} {
		wantErr(t, errOf(st.Report(ctx(t), id)), store.ErrNotFound, "Report(%q)", id)
	}
}

func testReportInvalid(t *testing.T, st store.Store, _ *Clock) {
	for _, tc := range []struct {
		name   string
		mutate func(*store.Report)
	}{
		{"no ID", func(r *store.Report) { r.ID = "" }},
		{"ID of 15", func(r *store.Report) { r.ID = r.ID[:15] }},
		{"ID of 17", func(r *store.Report) { r.ID += "a" }},
		{"ID upper case", func(r *store.Report) { r.ID = strings.ToUpper(r.ID) }},
		{"ID with 0, not base32", func(r *store.Report) { r.ID = "0" + r.ID[1:] }},
		{"ID with 1, not base32", func(r *store.Report) { r.ID = r.ID[:15] + "1" }},
		{"ID with 8, not base32", func(r *store.Report) { r.ID = "8" + r.ID[1:] }},
		{"ID with padding", func(r *store.Report) { r.ID = r.ID[:15] + "=" }},
		{"ID with a two-byte character", func(r *store.Report) { r.ID = r.ID[:14] + "é" }},
		{"no agent", func(r *store.Report) { r.Agent = "" }},
		{"no address", func(r *store.Report) { r.Address = "" }},
		{"no body", func(r *store.Report) { r.Body = nil }},
		{"body of 1", func(r *store.Report) { r.Body = []byte("1") }},
		{"body of 1 MiB + 1", func(r *store.Report) { r.Body = []byte(`"` + strings.Repeat("x", 1<<20-1) + `"`) }},
		{"created in year 10000", func(r *store.Report) { r.Created = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
	} {
		r := newReport(tc.name, "ann@example.com")
		tc.mutate(r)
		wantErr(t, putReportErr(t, st, r), store.ErrInvalid, "PutReport(%s)", tc.name)
		wantErr(t, errOf(st.Report(ctx(t), r.ID)), store.ErrNotFound, "Report after a refused PutReport(%s)", tc.name)
	}
	wantErr(t, putReportErr(t, st, nil), store.ErrInvalid, "PutReport(nil)")
	if rs, err := st.ReportsByAddress(ctx(t), "ann@example.com", 0); err != nil || len(rs) != 0 {
		t.Errorf("after refused reports: %d reports, %v; want none", len(rs), err)
	}
}

func testReportsByAddress(t *testing.T, st store.Store, clock *Clock) {
	const ann = "ann@example.com"
	seeds := []string{"old", "tie-1", "tie-2", "other", "new", "prefix", "case"}
	put := func(seed, address string, minute int) {
		t.Helper()
		clock.Set(at(minute))
		mustPutReport(t, st, newReport(seed, address))
	}
	put("old", ann, 0)
	put("tie-1", ann, 5)
	put("tie-2", ann, 5)
	put("other", "bob@example.com", 6)
	put("prefix", "ann@example.co", 7)
	put("case", "Ann@example.com", 8)
	// Made later but dated earlier by its caller: listed by Created.
	r := newReport("new", ann)
	r.Created = at(9)
	clock.Set(at(20))
	mustPutReport(t, st, r)

	// Reports of one time come in one order, the larger ID first.
	ties := []string{"tie-1@5", "tie-2@5"}
	if reportID("tie-2") > reportID("tie-1") {
		ties = []string{"tie-2@5", "tie-1@5"}
	}
	all := append(append([]string{"new@9"}, ties...), "old@0")
	for _, tc := range []struct {
		address string
		limit   int
		want    []string
	}{
		{ann, 0, all},
		{ann, -1, all},
		{ann, 5000, all},
		{ann, 2, all[:2]},
		{ann, 1, all[:1]},
		{"bob@example.com", 0, []string{"other@6"}},
		{"Ann@example.com", 0, []string{"case@8"}},
		{"ann@example.co", 0, []string{"prefix@7"}},
		{"ann@example.com ", 0, nil},
		{"ANN@EXAMPLE.COM", 0, nil},
		{"%", 0, nil},
		{"", 0, nil},
	} {
		got, err := st.ReportsByAddress(ctx(t), tc.address, tc.limit)
		if err != nil {
			t.Fatalf("ReportsByAddress(%q, %d): %v", tc.address, tc.limit, err)
		}
		if d := describeReports(got, seeds...); !slices.Equal(d, tc.want) {
			t.Errorf("ReportsByAddress(%q, %d) = %v, want %v", tc.address, tc.limit, d, tc.want)
		}
	}
	// Listed reports are whole.
	got, err := st.ReportsByAddress(ctx(t), ann, 1)
	if err != nil || len(got) != 1 || got[0].Agent != "ann" || got[0].Ref != "K7Q2-9XMD" ||
		string(got[0].Body) != `{"address":"ann@example.com","causes":[]}` {
		t.Errorf("listed report = %+v, %v; want it whole", got, err)
	}
	// The default limit keeps the newest.
	for i := range store.DefaultLimit + 1 {
		clock.Set(at(100 + i))
		mustPutReport(t, st, newReport(fmt.Sprint("many-", i), "many@example.com"))
	}
	if got, err := st.ReportsByAddress(ctx(t), "many@example.com", 0); err != nil || len(got) != store.DefaultLimit ||
		got[0].ID != reportID(fmt.Sprint("many-", store.DefaultLimit)) || !got[len(got)-1].Created.Equal(at(101)) {
		t.Errorf("ReportsByAddress(limit 0) = %d reports, %v; want the newest %d", len(got), err, store.DefaultLimit)
	}
}

func testPruneReports(t *testing.T, st store.Store, clock *Clock) {
	for i, when := range []time.Time{at(0), at(10).Add(-time.Microsecond), at(10), at(20)} {
		clock.Set(when)
		mustPutReport(t, st, newReport(fmt.Sprint(i), "ann@example.com"))
	}
	seeds := []string{"0", "1", "2", "3"}
	// Strictly before: the report made exactly at 10 is kept.
	if n, err := st.PruneReports(ctx(t), at(10)); err != nil || n != 2 {
		t.Fatalf("PruneReports(at 10) = %d, %v; want 2", n, err)
	}
	for i, kept := range []bool{false, false, true, true} {
		_, err := st.Report(ctx(t), reportID(fmt.Sprint(i)))
		if kept && err != nil || !kept && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("report %d after pruning: %v, want kept %v", i, err, kept)
		}
	}
	got, err := st.ReportsByAddress(ctx(t), "ann@example.com", 0)
	if d := describeReports(got, seeds...); err != nil || !slices.Equal(d, []string{"3@20", "2@10"}) {
		t.Errorf("after pruning: %v, %v; want 3@20, 2@10", d, err)
	}
	if n, err := st.PruneReports(ctx(t), at(10)); err != nil || n != 0 {
		t.Errorf("second PruneReports = %d, %v; want 0", n, err)
	}
	if n, err := st.PruneReports(ctx(t), at(30)); err != nil || n != 2 {
		t.Errorf("PruneReports(at 30) = %d, %v; want 2", n, err)
	}
	wantErr(t, errOf(st.PruneReports(ctx(t), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))), store.ErrInvalid,
		"PruneReports(year 10000)")
}

// describeReturns is "raw@minute" for each return, received at(minute).
func describeReturns(rs []*store.Return) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%d@%d", r.Size, int(r.Received.Sub(at(0))/time.Minute)))
	}
	return out
}

func testReturnsSince(t *testing.T, st store.Store, _ *Clock) {
	// Told apart by size: the raw message is n bytes long.
	put := func(n int, received time.Time) int64 {
		return mustPutReturn(t, st, newReturn(TokenN(n), received, strings.Repeat("x", n)))
	}
	put(1, at(0))
	put(2, at(10).Add(-time.Microsecond))
	first := put(3, at(10))
	second := put(4, at(10))
	put(5, at(20))
	put(6, at(15))
	if second <= first {
		t.Fatalf("IDs %d, %d do not increase", first, second)
	}
	for _, tc := range []struct {
		name  string
		since time.Time
		limit int
		want  []string
	}{
		{"since, inclusive", at(10), 0, []string{"5@20", "6@15", "4@10", "3@10"}},
		{"a microsecond later", at(10).Add(time.Microsecond), 0, []string{"5@20", "6@15"}},
		{"a microsecond earlier", at(10).Add(-time.Microsecond), 0, []string{"5@20", "6@15", "4@10", "3@10", "2@9"}},
		{"limit", at(10), 3, []string{"5@20", "6@15", "4@10"}},
		{"everything", at(-60), 0, []string{"5@20", "6@15", "4@10", "3@10", "2@9", "1@0"}},
		{"nothing yet", at(21), 0, nil},
	} {
		got, err := st.ReturnsSince(ctx(t), tc.since, tc.limit)
		if err != nil {
			t.Fatalf("ReturnsSince(%s): %v", tc.name, err)
		}
		// describeReturns rounds down: 2@9 is the one a microsecond before 10.
		if d := describeReturns(got); !slices.Equal(d, tc.want) {
			t.Errorf("ReturnsSince(%s, %d) = %v, want %v", tc.name, tc.limit, d, tc.want)
		}
		for _, r := range got {
			if r.Raw != nil || r.Token != TokenN(int(r.Size)) {
				t.Errorf("listed return %d: Raw %q, token %s; want no Raw, token %s", r.ID, r.Raw, r.Token, TokenN(int(r.Size)))
			}
		}
	}
	// The default limit keeps the newest.
	for i := range store.DefaultLimit {
		put(100+i, at(30+i))
	}
	if got, err := st.ReturnsSince(ctx(t), at(0), 0); err != nil || len(got) != store.DefaultLimit ||
		!got[0].Received.Equal(at(30+store.DefaultLimit-1)) || !got[len(got)-1].Received.Equal(at(30)) {
		t.Errorf("ReturnsSince(limit 0) = %d returns, %v; want the newest %d", len(got), err, store.DefaultLimit)
	}
}

func testReportsClosed(t *testing.T, st store.Store, _ *Clock) {
	mustPutReport(t, st, newReport("1", "ann@example.com"))
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	c := ctx(t)
	for name, call := range map[string]func() error{
		"PutReport":        func() error { return st.PutReport(c, newReport("2", "ann@example.com")) },
		"Report":           func() error { _, err := st.Report(c, reportID("1")); return err },
		"ReportsByAddress": func() error { _, err := st.ReportsByAddress(c, "ann@example.com", 0); return err },
		"PruneReports":     func() error { _, err := st.PruneReports(c, at(0)); return err },
		"ReturnsSince":     func() error { _, err := st.ReturnsSince(c, at(0), 0); return err },
		"Placements(Until)": func() error {
			_, err := st.Placements(c, store.PlacementFilter{Since: at(0), Until: at(10)})
			return err
		},
	} {
		if err := call(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

func testPlacementsUntil(t *testing.T, st store.Store, _ *Clock) {
	// Seven placements, three of them sent at one microsecond, stored in
	// two batches so that IDs and times do not run together.
	mustPutPlacements(t, st,
		newPlacement("r1", "google", "1", at(0)),
		newPlacement("r1", "google", "2", at(10)),
		newPlacement("r1", "google", "3", at(10)),
		newPlacement("r1", "microsoft", "1", at(5)))
	mustPutPlacements(t, st,
		newPlacement("r2", "google", "1", at(10)),
		newPlacement("r2", "google", "2", at(20)),
		newPlacement("r2", "google", "3", at(10).Add(-time.Microsecond)))
	for _, tc := range []struct {
		name string
		f    store.PlacementFilter
		want []string
	}{
		{"until, a microsecond later", store.PlacementFilter{Until: at(10).Add(time.Microsecond)},
			[]string{"r2/google-1@10", "r1/google-3@10", "r1/google-2@10", "r2/google-3@9", "r1/microsoft-1@5", "r1/google-1@0"}},
		{"until, a microsecond earlier", store.PlacementFilter{Until: at(10).Add(-time.Microsecond)},
			[]string{"r1/microsoft-1@5", "r1/google-1@0"}},
		{"until and provider", store.PlacementFilter{Provider: "microsoft", Until: at(10)}, []string{"r1/microsoft-1@5"}},
		{"until and run", store.PlacementFilter{RunID: "r2", Until: at(20)}, []string{"r2/google-1@10", "r2/google-3@9"}},
		{"until and limit", store.PlacementFilter{Until: at(20), Limit: 2}, []string{"r2/google-1@10", "r1/google-3@10"}},
		{"since equal to until", store.PlacementFilter{Since: at(10), Until: at(10)}, nil},
		{"until before since", store.PlacementFilter{Since: at(10), Until: at(5)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describePlacements(mustPlacements(t, st, tc.f)); !slices.Equal(got, tc.want) {
				t.Errorf("Placements(%+v) =\n %v\nwant\n %v", tc.f, got, tc.want)
			}
		})
	}
	// Paging back four at a time, each page Until a microsecond after the
	// oldest placement of the last, skipping the ones seen again by ID,
	// reads every placement once: fewer placements share a microsecond
	// than a page holds.
	seen := map[int64]bool{}
	var order []string
	f := store.PlacementFilter{Limit: 4}
	for range 20 {
		page := mustPlacements(t, st, f)
		added := 0
		for _, p := range page {
			if !seen[p.ID] {
				seen[p.ID] = true
				order = append(order, describePlacements([]*store.Placement{p})...)
				added++
			}
		}
		if len(page) < f.Limit || added == 0 {
			break
		}
		f.Until = page[len(page)-1].SentAt.Add(time.Microsecond)
	}
	want := []string{"r2/google-2@20", "r2/google-1@10", "r1/google-3@10", "r1/google-2@10", "r2/google-3@9",
		"r1/microsoft-1@5", "r1/google-1@0"}
	if !slices.Equal(order, want) {
		t.Errorf("paging back four at a time read\n %v\nwant\n %v", order, want)
	}
}
