# Switchyard — the two commands are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X github.com/switchyard/switchyard/core/version.Version=$(VERSION) -X github.com/switchyard/switchyard/core/version.Commit=$(COMMIT)
GOLANGCI_LINT_VERSION := v2.15.0
HAVE_WEB := $(wildcard web/package.json)
# First-party plugins (plugins/<name>), packed into a local catalog signed
# with this instance's own key so `make run` has a marketplace.
PLUGINS := sync files analytics ml
CATALOG_DIR := $(BIN)/catalog
DATA_DIR ?= $(or $(SWITCHYARD_DATA_DIR),./data)

include sdk/Makefile.fragment

.PHONY: run build web test test-go test-web vet fmt-check lint bench fuzz clean
.PHONY: plugins catalog test-e2e bench-centrifugo

## run: build the dashboard, the plugins and the binary, then serve on :8080 (SQLite in ./data)
run: build catalog
	SWITCHYARD_CATALOG=$${SWITCHYARD_CATALOG:-$(CATALOG_DIR)} ./$(BIN)/switchyard serve

## build: the switchyard binary with the dashboard embedded
build: web plugins
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/switchyard ./core/cmd/switchyard

## web: build the dashboard into web/dist (skipped when there is no web app)
web:
ifneq ($(HAVE_WEB),)
	cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build
endif

## plugins: build the first-party plugins into bin/plugins
plugins:
	@mkdir -p $(BIN)/plugins
	@for p in $(PLUGINS); do \
		echo "building plugin $$p"; \
		CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(BIN)/plugins/$$p ./plugins/$$p || exit 1; \
	done

## catalog: pack the plugins into bin/catalog, signed with this instance's key (DATA_DIR/instance.key, created if missing)
catalog: build
	./$(BIN)/switchyard plugin keygen --if-missing --out $(DATA_DIR)/instance.key >/dev/null
	@for p in $(PLUGINS); do ./$(BIN)/switchyard plugin pack --catalog $(CATALOG_DIR) --binary $(BIN)/plugins/$$p || exit 1; done
	./$(BIN)/switchyard plugin sign --catalog $(CATALOG_DIR) --key $(DATA_DIR)/instance.key
	./$(BIN)/switchyard plugin verify --catalog $(CATALOG_DIR) --key $(DATA_DIR)/instance.key

## test: everything CI runs: vet, formatting, Go tests with the race detector, web tests, then the dashboard's end-to-end suite
test: vet fmt-check test-go test-web test-e2e

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './web/node_modules/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

test-go:
	$(GO) test -race -count=1 -timeout 15m ./...

test-web:
ifneq ($(HAVE_WEB),)
	cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm test
endif

## test-e2e: the dashboard in headless Chromium (/usr/bin/chromium) against a real `switchyard serve`
## on a temp data dir, with the plugins packed into a catalog signed for the run (see web/e2e/README.md)
test-e2e: build
ifneq ($(HAVE_WEB),)
	cd web && SWITCHYARD_BIN=../$(BIN)/switchyard npm run e2e
endif

## lint: golangci-lint (pinned) with the repository's configuration
lint:
	$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION) run ./...

## bench: the performance targets, measured (figures go in the README)
bench:
	CGO_ENABLED=0 $(GO) build -o $(BIN)/switchyard ./core/cmd/switchyard
	$(GO) build -o $(BIN)/loadgen ./core/cmd/loadgen
	$(GO) test -run '^$$' -bench BenchmarkCan -benchtime 200000x ./core/rbac/
	$(GO) test -run '^$$' -bench BenchmarkReloadAll -benchtime 5x ./core/rbac/
	./$(BIN)/loadgen members -duration 10s
	@echo "== 10,000 idle sockets"
	./$(BIN)/loadgen fanout -idle -orgs 100 -subs 10000
	@echo "== 1 organization, 1,000 subscribers, 100 events/s"
	./$(BIN)/loadgen fanout -orgs 1 -subs 1000 -rate 100 -duration 10s
	@echo "== 1 organization, 10,000 subscribers, 10 events/s"
	./$(BIN)/loadgen fanout -orgs 1 -subs 10000 -rate 10 -publishers 1 -duration 10s
	@echo "== 100 organizations x 100 subscribers, 1,000 events/s; then 600 events/s"
	./$(BIN)/loadgen fanout -orgs 100 -subs 10000 -rate 1000 -publishers 16 -duration 10s
	./$(BIN)/loadgen fanout -orgs 100 -subs 10000 -rate 600 -publishers 16 -duration 10s
	@echo "== the same three shapes against a bare server that writes each frame on its own (no publish API, no journal): what the machine carries that way"
	./$(BIN)/loadgen bare -orgs 1 -subs 1000 -rate 100 -duration 10s
	./$(BIN)/loadgen bare -orgs 1 -subs 10000 -rate 10 -duration 10s
	./$(BIN)/loadgen bare -orgs 100 -subs 10000 -rate 1000 -duration 10s
	@echo "== 1 organization, 1,000 subscribers, 100 events/s emitted by a plugin process through the host"
	./$(BIN)/loadgen fanout -via plugin -orgs 1 -subs 1000 -rate 100 -duration 10s
	@echo "== peak: 1 organization, 1,000 subscribers, publishing as fast as accepted"
	./$(BIN)/loadgen fanout -orgs 1 -subs 1000 -peak -batch 200 -publishers 2 -duration 10s
	@echo "== overload: 50 of 1,000 subscribers stop reading (2 KiB events); then the same load with none stopping"
	./$(BIN)/loadgen fanout -orgs 1 -subs 1000 -rate 100 -payload 2048 -slow 50 -duration 8s
	./$(BIN)/loadgen fanout -orgs 1 -subs 1000 -rate 100 -payload 2048 -duration 8s
	@echo "== plugins: events/s from one plugin process, invoke round trip, cold start to ready"
	$(GO) test -run '^$$' -bench BenchmarkEmitThroughput -benchtime 3x ./core/pluginhost/
	$(GO) test -run '^$$' -bench BenchmarkSQLJournalAppend -benchtime 1000x ./core/events/
	$(GO) test -run '^$$' -bench BenchmarkPruneWhileAppending -benchtime 2x ./core/events/
	$(GO) test -run '^$$' -bench '^BenchmarkInvoke$$' -benchtime 5000x ./core/pluginhost/
	$(GO) test -run '^$$' -bench BenchmarkInvokeHTTP -benchtime 3000x ./core/httpapi/
	$(GO) test -run '^$$' -bench BenchmarkColdStart -benchtime 30x ./core/pluginhost/
	@echo "== analytics: queries over 1,000,000 rows"
	$(GO) test -run '^$$' -bench BenchmarkQuery1M -benchtime 10x ./plugins/analytics/internal/query/

## bench-centrifugo: the fan-out shapes against switchyard, then against Centrifugo on the same machine (built from the Go module proxy into bin/)
CENTRIFUGO_VERSION := v6.9.1
FANOUT_SHAPES := "-idle -orgs 100 -subs 10000" \
	"-orgs 1 -subs 1000 -rate 100 -duration 10s" \
	"-orgs 1 -subs 10000 -rate 10 -publishers 1 -duration 10s" \
	"-orgs 100 -subs 10000 -rate 1000 -publishers 16 -duration 10s" \
	"-orgs 1 -subs 1000 -peak -batch 200 -publishers 2 -duration 10s"
bench-centrifugo:
	GOBIN=$(abspath $(BIN)) CGO_ENABLED=0 $(GO) install github.com/centrifugal/centrifugo/v6@$(CENTRIFUGO_VERSION)
	CGO_ENABLED=0 $(GO) build -o $(BIN)/switchyard ./core/cmd/switchyard
	$(GO) build -o $(BIN)/loadgen ./core/cmd/loadgen
	@for shape in $(FANOUT_SHAPES); do \
		echo "== switchyard: $$shape"; ./$(BIN)/loadgen fanout $$shape || exit 1; \
		echo "== centrifugo $(CENTRIFUGO_VERSION): $$shape"; ./$(BIN)/loadgen fanout $$shape -against $(BIN)/centrifugo || exit 1; \
	done

## fuzz: a short run of every fuzz target
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecodeBody -fuzztime 30s ./core/httpapi/
	$(GO) test -run '^$$' -fuzz FuzzVerifyAccess -fuzztime 30s ./core/auth/
	$(GO) test -run '^$$' -fuzz FuzzRedeemTicket -fuzztime 30s ./core/auth/
	$(GO) test -run '^$$' -fuzz FuzzValidLinkPath -fuzztime 30s ./core/httpapi/
	$(GO) test -run '^$$' -fuzz FuzzValidSlug -fuzztime 30s ./tenants/
	$(GO) test -run '^$$' -fuzz FuzzParseCatalog -fuzztime 30s ./core/marketplace/
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 30s ./sdk/outbound/
	$(GO) test -run '^$$' -fuzz FuzzClean -fuzztime 30s ./plugins/files/internal/names/
	$(GO) test -run '^$$' -fuzz FuzzInbound -fuzztime 30s ./core/hub/
	$(GO) test -run '^$$' -fuzz FuzzParseFrame -fuzztime 30s ./core/cmd/loadgen/

clean:
	rm -rf $(BIN)
