package classify

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/internal/testenv"
)

// updateGolden rewrites the generated files: testdata/results.golden
// (TestResultsGolden) and model_table.go (TestModelTable). After a change
// of the model, run TestModelTable -update before TestResultsGolden
// -update, since the results depend on the model.
var updateGolden = flag.Bool("update", false, "rewrite testdata/results.golden and model_table.go")

const goldenFile = "testdata/results.golden"

// goldenInputs lists every message the guard classifies: the shared bounce
// corpus, the samples of testdata/samples and the large synthetic inputs.
func goldenInputs(t *testing.T) (names []string, raws map[string][]byte) {
	t.Helper()
	raws = map[string][]byte{}
	dir := testenv.Shared(t, "corpora", "bounces", "eml")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		raws["corpus/"+e.Name()] = raw
	}
	err = filepath.WalkDir(filepath.Join("testdata", "samples"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".tsv") {
			return err
		}
		raw, err := os.ReadFile(p)
		raws["samples/"+filepath.ToSlash(strings.TrimPrefix(p, filepath.Join("testdata", "samples")+string(filepath.Separator)))] = raw
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range largeInputs() {
		raws["large/"+in.name] = in.raw
	}
	for n := range raws {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) < 390+100 {
		t.Fatalf("only %d inputs: the corpus or the samples are missing", len(names))
	}
	return names, raws
}

// TestResultsGolden guards every field of every result: a change meant to
// make classification faster must not change what it finds. Run with
// -update only when a change of results is intended, and review the diff.
func TestResultsGolden(t *testing.T) {
	names, raws := goldenInputs(t)
	var got bytes.Buffer
	for _, n := range names {
		res, err := Classify(raws[n])
		rec := struct {
			Name   string
			Err    string  `json:",omitempty"`
			Result *Result `json:",omitempty"`
		}{Name: n, Result: res}
		if err != nil {
			rec.Err = err.Error()
		}
		line, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		got.Write(line)
		got.WriteByte('\n')
	}
	if *updateGolden {
		if err := os.WriteFile(goldenFile, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatalf("%v (run go test -run TestResultsGolden -update to create it)", err)
	}
	gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
	if len(gl) != len(wl) {
		t.Errorf("%d results, golden file has %d", len(gl), len(wl))
	}
	bad := 0
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			bad++
			if bad <= 10 {
				t.Errorf("result changed:\n got %s\nwant %s", gl[i], wl[i])
			}
		}
	}
	if bad > 10 {
		t.Errorf("%d results changed in all", bad)
	}
}
