package executor

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultCgroupParent is the cgroup a runner with this work dir puts its
// tasks under when Config.CgroupParent is empty.
func DefaultCgroupParent(workDir string) string {
	abs, err := filepath.Abs(workDir)
	if err != nil {
		abs = workDir
	}
	sum := sha256.Sum256([]byte(abs))
	return "/allocsim/" + hex.EncodeToString(sum[:6])
}

// Reap removes everything tasks run from workDir (an agent's work dir, or a
// directory of agents' work dirs one level down) may have left after their
// agents stopped or died: runc containers under <dir>/runc, shims and task
// processes (their environment names a directory under workDir), and the
// cgroups under each of cgroupParents and under the default parents of
// agents on workDir or its subdirectories (processes killed, directories
// removed deepest first). It is the last line of defence of tests and of
// `allocsim realrun`: normally shims clean up after themselves and Reap
// finds nothing. It returns a description of each thing it had to remove,
// and of each thing it could not.
func Reap(workDir string, cgroupParents ...string) []string {
	abs, err := filepath.Abs(workDir)
	if err != nil {
		return []string{fmt.Sprintf("work dir %s: %v", workDir, err)}
	}
	// The default parents of an agent on workDir, or of agents on its subdirectories.
	cgroupParents = append(cgroupParents, DefaultCgroupParent(abs))
	if entries, err := os.ReadDir(abs); err == nil {
		for _, e := range entries {
			if e.IsDir() {
				cgroupParents = append(cgroupParents, DefaultCgroupParent(filepath.Join(abs, e.Name())))
			}
		}
	}
	var found []string
	found = append(found, reapContainers(abs)...)
	// Shims first (so none restarts a task), then whatever runs in the cgroups.
	found = append(found, reapProcesses(abs)...)
	for _, p := range cgroupParents {
		found = append(found, reapCgroup(p)...)
	}
	return found
}

func reapContainers(workDir string) []string {
	runc, err := exec.LookPath("runc")
	if err != nil {
		return nil
	}
	roots := []string{filepath.Join(workDir, "runc")}
	more, _ := filepath.Glob(filepath.Join(workDir, "*", "runc"))
	roots = append(roots, more...)
	var found []string
	for _, root := range roots {
		if _, err := os.Stat(root); err != nil {
			continue
		}
		out, err := exec.Command(runc, "--root", root, "list", "-q").Output()
		if err != nil {
			found = append(found, fmt.Sprintf("runc --root %s list: %v", root, err))
			continue
		}
		for _, id := range strings.Fields(string(out)) {
			_ = exec.Command(runc, "--root", root, "kill", "--all", id, "KILL").Run()
			msg := fmt.Sprintf("runc container %s (root %s)", id, root)
			if out, err := exec.Command(runc, "--root", root, "delete", "--force", id).CombinedOutput(); err != nil {
				msg += fmt.Sprintf(": runc delete: %v: %s", err, strings.TrimSpace(string(out)))
			}
			found = append(found, msg)
		}
	}
	return found
}

// reapProcesses SIGKILLs every shim or workload helper of a task under
// workDir (shims carry their task directory in ShimEnv, workload helpers
// in WorkloadEnv).
func reapProcesses(workDir string) []string {
	var found []string
	self := os.Getpid()
	for round := 0; round < 3; round++ {
		killed := 0
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == self {
				continue
			}
			env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
			if err != nil || !envNamesDir(env, workDir) || procZombie(pid) {
				continue
			}
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				killed++
				found = append(found, fmt.Sprintf("process %d of a task under %s", pid, workDir))
			}
		}
		if killed == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return found
}

// envNamesDir: only the variables the agent sets for shims and workload
// helpers count (a shell whose PWD is under dir is not a task's).
func envNamesDir(env []byte, dir string) bool {
	for _, kv := range strings.Split(string(env), "\x00") {
		k, v, ok := strings.Cut(kv, "=")
		if ok && (k == ShimEnv || k == WorkloadEnv) && (v == dir || strings.HasPrefix(v, dir+"/")) {
			return true
		}
	}
	return false
}

// reapCgroup kills every process in parent (and its descendants) in every
// hierarchy and removes the directories, deepest first.
func reapCgroup(parent string) []string {
	if parent == "" || parent == "/" || !strings.HasPrefix(parent, "/") {
		return []string{fmt.Sprintf("refusing to reap cgroup %q", parent)}
	}
	var dirs []string
	for _, h := range hierarchyDirs() {
		root := filepath.Join(h, parent)
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
	}
	if len(dirs) == 0 {
		return nil
	}
	// Deepest first, so children go before their parents.
	sort.Slice(dirs, func(i, j int) bool { return strings.Count(dirs[i], "/") > strings.Count(dirs[j], "/") })
	var found []string
	deadline := time.Now().Add(10 * time.Second)
	for _, d := range dirs {
		// A shim killed between freezing and thawing (v1) leaves the
		// processes frozen, and frozen processes do not die of SIGKILL.
		if _, err := os.Stat(filepath.Join(d, "freezer.state")); err == nil {
			_ = os.WriteFile(filepath.Join(d, "freezer.state"), []byte("THAWED"), 0o644)
		}
		for {
			pids := cgroupProcs(d)
			if len(pids) == 0 || time.Now().After(deadline) {
				break
			}
			for _, pid := range pids {
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					found = append(found, fmt.Sprintf("process %d in cgroup %s", pid, d))
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		removeCgroupDir(d)
		if _, err := os.Stat(d); err == nil {
			found = append(found, "cgroup "+d+" could not be removed")
		} else {
			found = append(found, "cgroup "+d)
		}
	}
	return found
}

func cgroupProcs(dir string) []int {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(f); err == nil {
			out = append(out, pid)
		}
	}
	return out
}
