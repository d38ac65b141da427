package executor

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// busyboxCandidates are where Debian's busybox-static puts its binary.
var busyboxCandidates = []string{"/bin/busybox", "/usr/bin/busybox"}

// FindBusybox returns the path of a statically linked busybox.
func FindBusybox() (string, error) {
	for _, p := range busyboxCandidates {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		f, err := elf.Open(p)
		if err != nil {
			return "", fmt.Errorf("%s: %w", p, err)
		}
		dynamic := false
		for _, prog := range f.Progs {
			if prog.Type == elf.PT_INTERP {
				dynamic = true
			}
		}
		f.Close()
		if dynamic {
			return "", fmt.Errorf("%s is dynamically linked; the container root needs a static one (apt-get install busybox-static)", p)
		}
		return p, nil
	}
	return "", fmt.Errorf("busybox not found in %v (apt-get install busybox-static)", busyboxCandidates)
}

const rootfsStamp = ".allocsim-rootfs"

// EnsureRootfs builds (once) a minimal root filesystem at dir: a static
// busybox with a symlink per applet, the mount points the container spec
// uses, and /etc/passwd and /etc/group naming root and nobody. It is built
// beside dir and renamed into place, so a half-built root is never used; a
// root built from another busybox binary is rebuilt.
func EnsureRootfs(dir string) error {
	bb, err := FindBusybox()
	if err != nil {
		return err
	}
	sum, err := fileSHA256(bb)
	if err != nil {
		return err
	}
	if stamp, err := os.ReadFile(filepath.Join(dir, rootfsStamp)); err == nil && string(stamp) == sum {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".rootfs-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "tmp", "sandbox", "root"} {
		if err := os.MkdirAll(filepath.Join(tmp, d), 0o755); err != nil {
			return err
		}
	}
	if err := copyFile(bb, filepath.Join(tmp, "bin", "busybox"), 0o755); err != nil {
		return err
	}
	out, err := exec.Command(bb, "--list").Output()
	if err != nil {
		return fmt.Errorf("%s --list: %w", bb, err)
	}
	for _, applet := range strings.Fields(string(out)) {
		if applet == "busybox" || strings.Contains(applet, "/") {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(tmp, "bin", applet)); err != nil {
			return err
		}
	}
	files := map[string]string{
		"etc/passwd":   "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/sandbox:/bin/sh\n",
		"etc/group":    "root:x:0:\nnogroup:x:65534:\n",
		"etc/hosts":    "127.0.0.1 localhost\n",
		rootfsStamp:    sum,
		"etc/hostname": "allocsim\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(tmp, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	// Replace any stale root; a concurrent builder may win the rename, which is fine.
	old := dir + ".old"
	_ = os.RemoveAll(old)
	if _, err := os.Stat(dir); err == nil {
		if err := os.Rename(dir, old); err != nil {
			return err
		}
		defer os.RemoveAll(old)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if stamp, err2 := os.ReadFile(filepath.Join(dir, rootfsStamp)); err2 == nil && string(stamp) == sum {
			return nil
		}
		return err
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
