package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"

	"github.com/switchyard/switchyard/core/store"
)

// runMembers seeds orgs × members straight into a fresh SQLite database,
// starts the server, and sends authenticated GET /orgs/{org}/members from
// conns keep-alive connections for the duration, each request as a random
// member of a random organization.
func runMembers(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("members", flag.ExitOnError)
	bin := fs.String("bin", "bin/switchyard", "switchyard binary")
	orgs := fs.Int("orgs", 10000, "organizations")
	perOrg := fs.Int("members", 5, "members per organization")
	conns := fs.Int("conns", 32, "concurrent connections")
	duration := fs.Duration("duration", 10*time.Second, "measurement time (after a warm-up)")
	warmup := fs.Duration("warmup", 5*time.Second, "warm-up time (connections, caches)")
	profile := fs.String("profile", "", "write the server's CPU profile of the measurement to this file")
	_ = fs.Parse(args)

	dir, err := os.MkdirTemp("", "switchyard-loadgen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := migrate(ctx, *bin, dir); err != nil {
		return err
	}
	t0 := time.Now()
	if err := seedMembers(ctx, dir, *orgs, *perOrg); err != nil {
		return err
	}
	fmt.Printf("seeded %d organizations × %d members in %s\n", *orgs, *perOrg, time.Since(t0).Round(time.Millisecond))

	rssBefore := int64(0)
	env := map[string]string{}
	metricsAddr := ""
	if *profile != "" {
		metricsAddr = freeAddr()
		env["SWITCHYARD_METRICS_ADDR"] = metricsAddr
	}
	srv, err := startServerEnv(ctx, *bin, dir, env)
	if err != nil {
		return err
	}
	defer srv.stop()
	rssBefore = srv.rssKiB()

	tokens := make([]string, 0, *orgs**perOrg)
	now := time.Now()
	for o := range *orgs {
		for m := range *perOrg {
			tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
				"iss": "switchyard", "sub": userID(o, m), "sid": "loadgen", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
			}).SignedString([]byte(loadgenSecret))
			if err != nil {
				return err
			}
			tokens = append(tokens, tok)
		}
	}

	client := &fasthttp.HostClient{Addr: srv.addr, MaxConns: *conns, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	fire := func(d time.Duration, record bool) (count, failures int64, lat []time.Duration) {
		deadline := time.Now().Add(d)
		var n, bad atomic.Int64
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range *conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
				defer fasthttp.ReleaseRequest(req)
				defer fasthttp.ReleaseResponse(resp)
				local := make([]time.Duration, 0, 1<<16)
				for time.Now().Before(deadline) && ctx.Err() == nil {
					i := rand.IntN(len(tokens))
					o := i / *perOrg
					req.SetRequestURI(fmt.Sprintf("http://%s/api/v1/orgs/%s/members", srv.addr, orgSlug(o)))
					req.Header.Set("Authorization", "Bearer "+tokens[i])
					start := time.Now()
					err := client.Do(req, resp)
					el := time.Since(start)
					n.Add(1)
					if err != nil || resp.StatusCode() != 200 {
						bad.Add(1)
						continue
					}
					if record && len(local) < cap(local) {
						local = append(local, el)
					}
				}
				mu.Lock()
				lat = append(lat, local...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		return n.Load(), bad.Load(), lat
	}
	fire(*warmup, false) // warm-up: connections, caches
	cpu0 := srv.cpuSeconds()
	start := time.Now()
	profDone := make(chan error, 1)
	if *profile != "" {
		go func() { profDone <- captureProfile(metricsAddr, *profile, *duration-time.Second) }()
	} else {
		profDone <- nil
	}
	count, failures, lat := fire(*duration, true)
	if err := <-profDone; err != nil {
		fmt.Println("profile:", err)
	}
	elapsed := time.Since(start)
	cpu := srv.cpuSeconds() - cpu0
	if len(lat) == 0 {
		return errors.New("no successful requests")
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	fmt.Printf("GET /api/v1/orgs/{org}/members, %d connections, %s\n", *conns, elapsed.Round(time.Millisecond))
	fmt.Printf("  requests/s   %.0f   (failures %d of %d)\n", float64(count)/elapsed.Seconds(), failures, count)
	fmt.Printf("  latency      p50 %s   p99 %s   max %s\n", pct(0.50), pct(0.99), lat[len(lat)-1])
	fmt.Printf("  server CPU   %.0f µs per request\n", cpu/float64(count)*1e6)
	fmt.Printf("  server RSS   %d MiB after start, %d MiB after load\n", rssBefore/1024, srv.rssKiB()/1024)
	if failures > 0 {
		return fmt.Errorf("%d requests failed", failures)
	}
	return nil
}

func userID(o, m int) string { return fmt.Sprintf("00000000-0000-7000-8000-%06d%06d", o, m) }
func orgSlug(o int) string   { return fmt.Sprintf("org-%05d", o) }
func orgID(o int) string     { return fmt.Sprintf("00000000-0000-7000-9000-%012d", o) }

// seedMembers writes users, organizations, memberships and their policies
// in one transaction, as the API would have left them.
func seedMembers(ctx context.Context, dir string, orgs, perOrg int) error {
	db, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		return err
	}
	defer db.Close()
	roles := []string{"owner", "admin", "member", "viewer", "member"}
	now := time.Now().UTC()
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	stmts := map[string]string{
		"user":   `INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'x', ?, ?)`,
		"org":    `INSERT INTO organizations (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		"member": `INSERT INTO memberships (org_id, user_id, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		"rule":   `INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', ?, ?, ?)`,
	}
	for o := range orgs {
		if _, err := tx.ExecContext(ctx, stmts["org"], orgID(o), orgSlug(o), orgSlug(o), now, now); err != nil {
			return err
		}
		for m := range perOrg {
			u, role := userID(o, m), roles[m%len(roles)]
			if _, err := tx.ExecContext(ctx, stmts["user"], u, fmt.Sprintf("user%d-%d@example.com", o, m), "User", now, now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, stmts["member"], orgID(o), u, role, now, now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, stmts["rule"], u, role, orgSlug(o)); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}
