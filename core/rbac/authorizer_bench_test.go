package rbac_test

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/rbac"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

// seedPolicies stores orgs × perOrg memberships (roles rotating through
// owner, admin, member, viewer) straight into the policy table.
func seedPolicies(b *testing.B, db *store.DB, orgs, perOrg int) {
	b.Helper()
	roles := []string{"owner", "admin", "member", "viewer", "member"}
	rows := make([]map[string]any, 0, 1000)
	flush := func() {
		if len(rows) == 0 {
			return
		}
		if err := db.Table("casbin_rule").Create(rows).Error; err != nil {
			b.Fatal(err)
		}
		rows = rows[:0]
	}
	for o := range orgs {
		for m := range perOrg {
			rows = append(rows, map[string]any{"ptype": "g", "v0": fmt.Sprintf("user-%d-%d", o, m), "v1": roles[m%len(roles)], "v2": fmt.Sprintf("org-%d", o)})
			if len(rows) == cap(rows) {
				flush()
			}
		}
	}
	flush()
}

// BenchmarkCan is the Casbin check on every org-scoped request, with
// 10,000 organizations × 5 members in the policy store. It reports p99 and
// the heap the policies take.
func BenchmarkCan(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	seedPolicies(b, db, 10000, 5)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	a, err := rbac.New(db.DB)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	_, rules := a.PolicyCount()

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		o, m := i%10000, i%5
		start := time.Now()
		ok := a.Can(fmt.Sprintf("user-%d-%d", o, m), fmt.Sprintf("org-%d", o), rbac.MembersRead)
		lat = append(lat, time.Since(start))
		if !ok {
			b.Fatal("member denied members:read")
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99-µs")
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1000, "p50-µs")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "policy-MiB")
	b.ReportMetric(float64(rules), "rules")
}

// BenchmarkReloadAll is a replica's policy catch-up after a bus gap, with
// 10,000 organizations × 5 members: how long the reload takes and the
// longest a check waits meanwhile (checks go on while the rules are read;
// they wait only while the new rules are swapped in).
func BenchmarkReloadAll(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	seedPolicies(b, db, 10000, 5)
	a, err := rbac.New(db.DB)
	if err != nil {
		b.Fatal(err)
	}
	var longest time.Duration
	b.ResetTimer()
	for range b.N {
		done := make(chan struct{})
		waited := make(chan time.Duration)
		go func() {
			var worst time.Duration
			for i := 0; ; i++ {
				select {
				case <-done:
					waited <- worst
					return
				default:
				}
				o := i % 10000
				start := time.Now()
				if !a.Can(fmt.Sprintf("user-%d-0", o), fmt.Sprintf("org-%d", o), rbac.MembersRead) {
					b.Error("an owner was denied during a reload")
				}
				worst = max(worst, time.Since(start))
			}
		}()
		if err := a.ReloadAll(); err != nil {
			b.Fatal(err)
		}
		close(done)
		longest = max(longest, <-waited)
	}
	b.StopTimer()
	b.ReportMetric(float64(longest.Microseconds())/1000, "longest-check-ms")
}
