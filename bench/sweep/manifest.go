package sweep

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/allocsim/allocsim/reports"
)

// ManifestFile describes a sweep folder: the matrix it ran and where each of
// its runs is, so that the shards of one sweep can be merged.
const ManifestFile = "sweep.json"

// Manifest is sweep.json.
type Manifest struct {
	Scenario       string        `json:"scenario"`
	ScenarioSHA256 string        `json:"scenario_sha256"` // of the file's bytes before any --set
	Axes           []Axis        `json:"axes"`
	Seeds          []uint64      `json:"seeds"`
	Shard          int           `json:"shard"`             // 0 when unsharded or merged
	Shards         int           `json:"shards"`            // 0 when unsharded or merged
	Metrics        []string      `json:"metrics,omitempty"` // extra metrics (--metric), by path
	Runs           []ManifestRun `json:"runs"`
}

// ManifestRun is one run: its point (index into the matrix's points), its
// seed, and its folder (or summary file with summaries only), relative to
// the sweep folder.
type ManifestRun struct {
	Point int    `json:"point"`
	Seed  uint64 `json:"seed"`
	Path  string `json:"path"`
}

func digest(doc []byte) string {
	h := sha256.Sum256(doc)
	return hex.EncodeToString(h[:])
}

// Manifest describes results r of matrix m, written to folder out.
func (m Matrix) Manifest(r *Results, out string) Manifest {
	man := Manifest{Scenario: m.File, ScenarioSHA256: digest(m.Doc), Axes: m.Axes, Seeds: m.Seeds,
		Shard: r.Shard.Index, Shards: r.Shard.Count}
	man.addRuns(r, out)
	return man
}

func (man *Manifest) addRuns(r *Results, out string) {
	man.Runs = []ManifestRun{}
	for p := range r.Points {
		for s, seed := range r.Seeds {
			if r.Summaries[p][s] == nil {
				continue
			}
			path := r.Dirs[p][s]
			if rel, err := filepath.Rel(out, path); err == nil {
				path = rel // a tree of shards and their merge can move as a whole
			} else if abs, err := filepath.Abs(path); err == nil {
				path = abs
			}
			man.Runs = append(man.Runs, ManifestRun{Point: p, Seed: seed, Path: path})
		}
	}
}

// WriteManifest writes dir/sweep.json atomically.
func WriteManifest(dir string, man Manifest) error {
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return err
	}
	return reports.WriteFileAtomic(dir, ManifestFile, append(b, '\n'))
}

// ReadManifest reads dir/sweep.json.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("%w (not a sweep folder?)", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var man Manifest
	if err := dec.Decode(&man); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	return &man, nil
}

// Merge puts the shards of one sweep (their folders) back together: every
// shard must come from the same scenario file, axes, seeds and shard count,
// and each run must be in exactly one of them. The results are those the
// unsharded sweep would have given; Dirs point into the shards' folders.
// out is where the merged manifest will be written (for its relative paths).
func Merge(dirs []string, out string) (*Results, Manifest, error) {
	if len(dirs) == 0 {
		return nil, Manifest{}, fmt.Errorf("no sweep folders to merge")
	}
	var first *Manifest
	var res *Results
	from := map[int]string{} // shard → folder
	for _, dir := range dirs {
		man, err := ReadManifest(dir)
		if err != nil {
			return nil, Manifest{}, err
		}
		if first == nil {
			if err := checkSize(man); err != nil {
				return nil, Manifest{}, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
			}
			first = man
			pts := Matrix{Axes: man.Axes}.Points()
			res = &Results{Points: pts, Seeds: man.Seeds, Summaries: make([][]*reports.Summary, len(pts)), Dirs: make([][]string, len(pts))}
			for p := range pts {
				res.Summaries[p] = make([]*reports.Summary, len(man.Seeds))
				res.Dirs[p] = make([]string, len(man.Seeds))
			}
		} else if err := sameMatrix(first, man); err != nil {
			return nil, Manifest{}, fmt.Errorf("%s and %s: %w", dirs[0], dir, err)
		}
		if prev, dup := from[man.Shard]; dup {
			return nil, Manifest{}, fmt.Errorf("%s and %s are both shard %d/%d", prev, dir, man.Shard, man.Shards)
		}
		from[man.Shard] = dir
		for _, run := range man.Runs {
			s := slices.Index(man.Seeds, run.Seed)
			if run.Point < 0 || run.Point >= len(res.Points) || s < 0 {
				return nil, Manifest{}, fmt.Errorf("%s: run %+v is not in the matrix", filepath.Join(dir, ManifestFile), run)
			}
			if res.Summaries[run.Point][s] != nil {
				return nil, Manifest{}, fmt.Errorf("%s, seed %d: in %s and in %s", res.Points[run.Point].Label(), run.Seed,
					filepath.Dir(res.Dirs[run.Point][s]), dir)
			}
			path := run.Path
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path)
			}
			sum, err := readRunSummary(path)
			if err != nil {
				return nil, Manifest{}, err
			}
			res.Summaries[run.Point][s], res.Dirs[run.Point][s] = sum, path
		}
	}
	for p := range res.Points {
		for s, seed := range res.Seeds {
			if res.Summaries[p][s] == nil {
				return nil, Manifest{}, fmt.Errorf("%s, seed %d: in none of the folders (shards given: %s)",
					res.Points[p].Label(), seed, shardList(from, first.Shards))
			}
		}
	}
	merged := Manifest{Scenario: first.Scenario, ScenarioSHA256: first.ScenarioSHA256, Axes: first.Axes, Seeds: first.Seeds,
		Metrics: first.Metrics}
	merged.addRuns(res, out)
	return res, merged, nil
}

// maxRuns bounds the matrix a manifest may describe, so that a damaged
// file cannot make the merge enumerate billions of points.
const maxRuns = 1 << 20

func checkSize(man *Manifest) error {
	n := len(man.Seeds)
	for _, a := range man.Axes {
		if n *= len(a.Values); n > maxRuns || n < 0 {
			break
		}
	}
	if n > maxRuns || n < 0 {
		return fmt.Errorf("a matrix of more than %d runs", maxRuns)
	}
	return nil
}

func sameMatrix(a, b *Manifest) error {
	switch {
	case a.ScenarioSHA256 != b.ScenarioSHA256:
		return fmt.Errorf("different scenario files (%s, %s)", a.Scenario, b.Scenario)
	case !slices.EqualFunc(a.Axes, b.Axes, func(x, y Axis) bool { return x.Path == y.Path && slices.Equal(x.Values, y.Values) }):
		return fmt.Errorf("different --set axes")
	case !slices.Equal(a.Seeds, b.Seeds):
		return fmt.Errorf("different seeds")
	case a.Shards != b.Shards:
		return fmt.Errorf("split into %d and %d shards", a.Shards, b.Shards)
	}
	return nil
}

func shardList(from map[int]string, n int) string {
	var got []string
	for i := range n + 1 {
		if _, ok := from[i]; ok {
			got = append(got, fmt.Sprintf("%d/%d", i, n))
		}
	}
	return strings.Join(got, ", ")
}

// readRunSummary reads a run folder's summary.json, or a summary file kept
// alone (--summaries-only).
func readRunSummary(path string) (*reports.Summary, error) {
	if strings.HasSuffix(path, ".json") {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var s reports.Summary
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return &s, nil
	}
	return reports.ReadSummary(path)
}
