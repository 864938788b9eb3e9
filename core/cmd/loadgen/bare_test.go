package main

import (
	"fmt"
	"net"
	"testing"
	"time"
)

// The bare server's figures compare with the core's only if it delivers
// what the core must:
// every event of a socket's organization, in order, and none of another's.
func TestBareHubDeliversEachOrganizationInOrder(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const orgs, perOrg, events = 2, 3, 200
	b := newBareHub(orgs, 2)
	go b.accept(ln)

	var socks []*subscriber
	for i := range orgs * perOrg {
		w, err := dialWS(ln.Addr().String(), fmt.Sprintf("/ws?org=%d", i%orgs), 0)
		if err != nil {
			t.Fatal(err)
		}
		defer w.close()
		socks = append(socks, &subscriber{w: w, org: i % orgs})
	}
	if _, err := dialWS(ln.Addr().String(), "/ws?org=7", 0); err == nil {
		t.Fatal("an unknown organization was upgraded")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		b.mu.Lock()
		n := len(b.rooms[0]) + len(b.rooms[1])
		b.mu.Unlock()
		if n == orgs*perOrg {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d sockets joined", n, orgs*perOrg)
		}
		time.Sleep(5 * time.Millisecond)
	}

	for n := range events {
		org := n % orgs
		payload := fmt.Appendf(nil, `{"type":"custom.load","seq":%d,"data":{"sent":%d,"org":%d}}`, n/orgs+1, time.Now().UnixNano(), org)
		b.publish(org, serverFrame(0x1, payload))
	}
	tl := newTally(1)
	c := tl.shard(0)
	for _, s := range socks {
		_ = s.w.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		for range events / orgs {
			p, err := s.w.next(nil)
			if err != nil {
				t.Fatal(err)
			}
			s.handle(p, time.Now().UnixNano(), c)
		}
	}
	if got, want := c.received.Load(), int64(orgs*perOrg*events/orgs); got != want {
		t.Fatalf("received %d, want %d", got, want)
	}
	if c.foreign.Load() != 0 || c.dupes.Load() != 0 {
		t.Fatalf("%d frames of another organization, %d out of order", c.foreign.Load(), c.dupes.Load())
	}
}
