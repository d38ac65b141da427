package traces

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// OpenOptions are Options plus the format-specific settings of Open.
type OpenOptions struct {
	Options
	MaxParts     int    // google2011/2019: first N parts of each table (0 = all)
	ProcsPerNode int    // swf: processors per node (0 = from the header)
	Nodes        int    // swf: number of nodes (0 = from the header)
	OpenbNodes   string // openb: node list (default: openb_node_list_gpu_node.csv next to the pods)
	// Exact reads Google traces twice (ExactRuns) so that runs longer than
	// the lookahead keep their true run time; spill files go to TmpDir
	// ("" = the system's). Other formats are exact already.
	Exact  bool
	TmpDir string
}

// Format names accepted by Open (aliases map to the first name).
var formatAliases = map[string]string{
	"canonical": "canonical", "parquet": "canonical",
	"google2011": "google2011", "google-2011": "google2011",
	"google2019": "google2019", "google-2019": "google2019",
	"openb": "openb", "alibaba-gpu2023": "openb", "alibaba-gpu-v2023": "openb", "alibaba-gpu-2023": "openb",
	"alibaba2018": "alibaba2018", "alibaba-v2018": "alibaba2018", "alibaba-2018": "alibaba2018",
	"pai2020": "pai2020", "alibaba-pai2020": "pai2020", "alibaba-gpu-v2020-pai": "pai2020",
	"swf": "swf",
}

// Formats lists the canonical format names.
func Formats() []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range formatAliases {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// NormalizeFormat maps an alias to its format name, or errors with the list.
func NormalizeFormat(f string) (string, error) {
	if n, ok := formatAliases[strings.ToLower(f)]; ok {
		return n, nil
	}
	return "", fmt.Errorf("unknown trace format %q (known: %s)", f, strings.Join(Formats(), ", "))
}

// DetectFormat guesses a path's format from its name or directory contents.
func DetectFormat(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	has := func(name string) bool {
		_, err := os.Stat(filepath.Join(path, name))
		return err == nil
	}
	base := filepath.Base(path)
	if st.IsDir() {
		switch {
		case has(TasksFile) || has(MachinesFile):
			return "canonical", nil
		case has("task_events") || has("job_events"):
			return "google2011", nil
		case has("instance_events") || has("collection_events"):
			return "google2019", nil
		case has("machine_events"):
			// Both Google traces have machine_events; 2011 parts are CSV.
			files, _ := partFiles(filepath.Join(path, "machine_events"), 1)
			if len(files) > 0 && strings.Contains(files[0], ".json") {
				return "google2019", nil
			}
			return "google2011", nil
		case has("openb_pod_list_default.csv") || has("openb_node_list_gpu_node.csv"):
			return "openb", nil
		case has("machine_meta.csv"):
			return "alibaba2018", nil
		case has("pai_machine_spec.csv"):
			return "pai2020", nil
		}
		return "", fmt.Errorf("%s: cannot tell the trace format from its contents; pass --format (%s)", path, strings.Join(Formats(), ", "))
	}
	switch {
	case strings.HasSuffix(base, ".swf") || strings.HasSuffix(base, ".swf.gz"):
		return "swf", nil
	case strings.HasPrefix(base, "openb_"):
		return "openb", nil
	case strings.HasPrefix(base, "machine_meta"):
		return "alibaba2018", nil
	case strings.HasPrefix(base, "pai_machine_spec"):
		return "pai2020", nil
	}
	return "", fmt.Errorf("%s: cannot tell the trace format from its name; pass --format (%s)", path, strings.Join(Formats(), ", "))
}

// Open opens path as a trace of the given format ("" = detect).
func Open(format, path string, opt OpenOptions) (Reader, error) {
	var err error
	if format == "" {
		if format, err = DetectFormat(path); err != nil {
			return nil, err
		}
	} else if format, err = NormalizeFormat(format); err != nil {
		return nil, err
	}
	g := Google2011Options{Options: opt.Options, MaxParts: opt.MaxParts}
	switch format {
	case "canonical":
		return OpenCanonical(path)
	case "google2011", "google2019":
		openOnce := func() (Reader, error) {
			if format == "google2011" {
				return OpenGoogle2011(path, g)
			}
			return OpenGoogle2019(path, g)
		}
		if opt.Exact {
			return ExactRuns(openOnce, opt.TmpDir)
		}
		return openOnce()
	case "alibaba2018":
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			path = filepath.Join(path, "machine_meta.csv")
		}
		return OpenAlibaba2018(path, opt.Options)
	case "pai2020":
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			path = filepath.Join(path, "pai_machine_spec.csv")
		}
		return OpenPAI2020(path, opt.Options)
	case "swf":
		return OpenSWF(path, SWFOptions{Options: opt.Options, ProcsPerNode: opt.ProcsPerNode, Nodes: opt.Nodes})
	case "openb":
		pods, nodes := path, opt.OpenbNodes
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			pods = filepath.Join(path, "openb_pod_list_default.csv")
		}
		base := filepath.Base(pods)
		if strings.HasPrefix(base, "openb_node_list") {
			// A node list alone: machines only.
			return OpenOpenb(pods, "", opt.Options)
		}
		if nodes == "" {
			nodes = filepath.Join(filepath.Dir(pods), "openb_node_list_gpu_node.csv")
		}
		return OpenOpenb(nodes, pods, opt.Options)
	}
	return nil, fmt.Errorf("format %q has no reader", format)
}
