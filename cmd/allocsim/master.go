package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/allocsim/allocsim/allocator"
	_ "github.com/allocsim/allocsim/allocator/drf"
	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/master"
)

func init() {
	register(&command{name: "master", summary: "run a Mesos-API master (real agents, real frameworks)", run: runMaster})
}

func runMaster(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("master", "master --token-file F [flags]", stderr)
	listen := fs.String("listen", "127.0.0.1:5050", "address to serve the scheduler and agent APIs on")
	tokenFile := fs.String("token-file", "", "file holding the bearer token every request must carry (required)")
	alloc := fs.String("allocator", "drf", "two-level allocator")
	sorter := fs.String("sorter", "drf", "allocator sorter: drf or random")
	roles := fs.String("roles", "", "comma-separated roles frameworks may use, each optionally name=weight (\"*\" is always there)")
	interval := fs.Duration("allocation-interval", time.Second, "periodic allocation cycle")
	offerTimeout := fs.Duration("offer-timeout", 0, "rescind offers unanswered this long (0 = never)")
	agentHB := fs.Duration("agent-heartbeat", time.Second, "agent heartbeat interval")
	agentTimeout := fs.Duration("agent-timeout", 0, "remove agents silent this long; their tasks become LOST (default 5 heartbeats)")
	seed := fs.Uint64("seed", 1, "allocator random seed")
	quiet := fs.Bool("quiet", false, "no log lines")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *tokenFile == "" {
		fmt.Fprintln(stderr, "allocsim master: --token-file is required and no arguments are taken")
		fs.Usage()
		return errUsage
	}
	token, err := agentapi.ReadTokenFile(*tokenFile)
	if err != nil {
		return err
	}
	roleInfos, err := parseRoles(*roles)
	if err != nil {
		return err
	}
	params := allocator.Params{"sorter": *sorter}
	if *offerTimeout > 0 {
		params["offer_timeout"] = offerTimeout.Seconds()
	}
	logger := log.New(stderr, "master: ", log.LstdFlags|log.Lmicroseconds)
	if *quiet {
		logger = log.New(io.Discard, "", 0)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	m, err := master.New(master.Config{
		Address: ln.Addr().String(), Token: token, Allocator: *alloc, AllocatorParams: params, Roles: roleInfos,
		AllocationInterval: *interval, AgentHeartbeat: *agentHB, AgentTimeout: *agentTimeout,
		Seed: *seed, Log: logger,
	})
	if err != nil {
		ln.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "allocsim master %s listening on http://%s (scheduler API: /api/v1/scheduler)\n", m.ID(), ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go func() { _ = m.Run(ctx) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}

// parseRoles reads "a,b=2,c" into roles with weights (Mesos's --weights
// syntax, with the roles themselves).
func parseRoles(s string) ([]allocator.RoleInfo, error) {
	var out []allocator.RoleInfo
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, hasW := strings.Cut(part, "=")
		r := allocator.RoleInfo{Name: strings.TrimSpace(name), Weight: 1}
		if err := allocator.ValidateRoleName(r.Name); err != nil {
			return nil, fmt.Errorf("--roles: %w", err)
		}
		if hasW {
			var err error
			if r.Weight, err = strconv.ParseFloat(strings.TrimSpace(w), 64); err != nil || allocator.ValidateWeight(r.Weight) != nil {
				return nil, fmt.Errorf("--roles: weight of %q must be a positive number, got %q", name, w)
			}
		}
		out = append(out, r)
	}
	return out, nil
}
