package pluginhost_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchyard/switchyard/core/pluginhost"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

const helperEnv = "PLUGINHOST_TEST_HELPER_CORE"

// runHelperCore is a minimal core in a child process: it runs the echo
// plugin, prints its pid and waits to be killed.
func runHelperCore() {
	fail := func(err error) {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	dir := os.Getenv("HELPER_DIR")
	db, err := store.Open(context.Background(), store.Options{DataDir: dir})
	if err != nil {
		fail(err)
	}
	m, err := pluginhost.New(pluginhost.Config{DataDir: dir + "/data", FilesDir: dir + "/files"},
		pluginhost.Deps{DB: db, Events: newSink(), Log: quietLog()})
	if err != nil {
		fail(err)
	}
	bin := os.Getenv("HELPER_BIN")
	sum, err := sha256File(bin)
	if err != nil {
		fail(err)
	}
	err = m.Attach(context.Background(), pluginhost.Installation{Tenant: grpcplugin.Tenant{ID: "org-acme", Slug: "acme"},
		Name: "echo", Version: "1.0.0", Binary: bin, SHA256: sum, Config: []byte(`{}`)})
	if err != nil {
		fail(err)
	}
	fmt.Printf("pid=%d\n", m.Status()[0].PID)
	select {}
}

// TestPluginDiesWithKilledCore: kill -9 of the core leaves no plugin
// process behind (Linux: Pdeathsig).
func TestPluginDiesWithKilledCore(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Pdeathsig is Linux-only")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "HELPER_DIR="+t.TempDir(), "HELPER_BIN="+bins.echo)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "pid=") {
		t.Fatalf("helper said %q, %v", line, err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid=")))
	if pid == 0 || !alive(pid) {
		t.Fatalf("plugin pid %d not running", pid)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("plugin %d outlived the killed core", pid)
	}
}
