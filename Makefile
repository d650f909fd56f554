# lotsense — two commands: `make demo` and `make test`. Everything else is here too.
# Works on a fresh Debian machine with only Go: missing Debian packages are installed
# with apt-get (as root, or through sudo), Go tools with pinned versions.

SHELL       := /bin/bash
GO          ?= go
BIN         := bin
DIST        := dist
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -s -w -X main.version=$(VERSION)
CMDS        := gateway/cmd/lotsense-gateway cloud/cmd/lotsense-cloud
# Debian packages the tests talk to: a real broker, a real browser, a real PostgreSQL.
DEB_PKGS    := mosquitto chromium postgresql
# qemu-user runs the arm64 and armv7 gateway binaries in deploy/e2e (TestCrossBinariesUnderQemu),
# called explicitly (qemu-arm-static BINARY): no binfmt_misc registration needed.
DEB_PKGS    += qemu-user-static
# go test flags; the race detector needs cgo, which tests may use (binaries never do).
TEST_FLAGS  ?= -race -count=1 -timeout 12m
HTTP        ?= 127.0.0.1:8080
SPEED       ?= 60

export CGO_ENABLED ?= 0
# InfluxDB for the tests (cloud/influx): influxd 1.8.10, built once into a cache
# directory by `make influxd`; tests find it through LOTSENSE_INFLUXD.
INFLUXD_VERSION := 1.8.10
INFLUXD_DIR     ?= $(HOME)/.cache/lotsense/influxd-$(INFLUXD_VERSION)
export LOTSENSE_INFLUXD ?= $(INFLUXD_DIR)/influxd

.PHONY: all build cross deb demo test ci bench fuzz deps vet fmt clean

all: build

## build: the two binaries for this machine, plus linux/arm64 and linux/arm (GOARM=7)
build: cross
	@for c in $(CMDS); do \
		echo "go build $$c"; \
		$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./$$c || exit 1; \
	done

cross:
	@for c in $(CMDS); do \
		GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/linux-arm64/ ./$$c || exit 1; \
		GOOS=linux GOARCH=arm GOARM=7 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/linux-armv7/ ./$$c || exit 1; \
	done
	@echo "cross-built $(BIN)/linux-arm64 and $(BIN)/linux-armv7"

## deb: Debian packages in $(DIST)/ from CGO_ENABLED=0 binaries: lotsense-gateway for arm64,
## armhf (GOARM=7) and amd64, lotsense-cloud for amd64 and arm64 (deploy/README.md)
deb: cross
	@for c in $(CMDS); do \
		GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/linux-amd64/ ./$$c || exit 1; \
	done
	@VERSION='$(VERSION)' BIN=$(BIN) DIST=$(DIST) bash deploy/debian/build.sh

## demo: the cloud with its embedded broker and SQLite under ./data, and one simulated
## cold-room gateway; the dashboard is on http://$(HTTP). Ctrl-C stops both.
demo:
	@for c in $(CMDS); do $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./$$c || exit 1; done
	@BIN=$(BIN) HTTP=$(HTTP) SPEED=$(SPEED) bash deploy/demo/run.sh

## deps: install the Debian packages the tests need, when missing
deps:
	@missing=""; \
	for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends$$missing >/dev/null || exit 1; \
	fi

## influxd: build InfluxDB $(INFLUXD_VERSION)'s influxd into $(LOTSENSE_INFLUXD) unless it is
## there (go install, 2-3 minutes once); the tests of cloud/influx run it
.PHONY: influxd
influxd: $(LOTSENSE_INFLUXD)
$(LOTSENSE_INFLUXD):
	@echo "building influxd $(INFLUXD_VERSION) into $(@D) (once, 2-3 minutes)"
	@rm -rf '$(@D).tmp' && mkdir -p '$(@D).tmp' '$(@D)'
	GOBIN='$(abspath $(@D).tmp)' CGO_ENABLED=0 $(GO) install github.com/influxdata/influxdb/cmd/influxd@v$(INFLUXD_VERSION)
	@mv '$(@D).tmp/influxd' '$@' && rmdir '$(@D).tmp'
test: influxd

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## test: vet, then every test (unit, fuzz seeds, end to end on the embedded broker and on
## a real mosquitto, browser)
test: deps vet
	CGO_ENABLED=1 $(GO) test $(TEST_FLAGS) ./...

## ci: what .ci/run calls
ci: test build

## qemu: only the arm64/armv7 gateway under qemu-user (--version, config check of the
## examples, a minute of simulated cold room on armv7); make test runs it too
qemu: deps
	CGO_ENABLED=1 $(GO) test -count=1 -timeout 5m -run TestCrossBinariesUnderQemu -v ./deploy/e2e/

## bench: run the benchmarks and print one table next to the machine's own raw limits
bench:
	@bash deploy/bench/run.sh

## fuzz: a short run of every fuzz target (FUZZTIME each)
FUZZTIME ?= 10s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf $(BIN) $(DIST) data
