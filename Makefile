# Tessera build, test and run targets. `make help` lists them.
SHELL := /bin/bash
# globstar: TAP_FILES' dist/**/*.test.js must reach tests at any depth, not only dist/*/.
.SHELLFLAGS := -O globstar -o pipefail -c
NODE ?= node
TAP_FILES ?= 'dist/**/*.test.js'

.PHONY: help deps build lint test test-only bench bench-api bench-wallet soak demo clean vectors install uninstall deb

# Install layout (packaging/install.sh); DESTDIR stages into a scratch root.
PREFIX ?= /usr
DESTDIR ?=
# make deb: output folder and dpkg-deb compressor (xz for releases; tests use none).
DEB_OUT ?= build-deb
DEB_COMPRESS ?= xz

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

# Installs only when node_modules is absent: worktrees share one node_modules through a symlink,
# and a timestamp rule would wipe it under everyone.
deps: ## install npm dependencies (npm ci) if node_modules is absent
	@test -d node_modules/.bin || npm ci

build: deps ## compile TypeScript to dist/, bundle the daemon into dist/tessera-daemon.mjs, generate man pages and completions
	rm -rf dist
	npx tsc -p tsconfig.json
	$(NODE) scripts/bundle.mjs
	npx tsc -p dashboard/tsconfig.json && npx vite build --logLevel warn --config dashboard/vite.config.ts
	npx tsc -p wallet/pwa/tsconfig.json && npx vite build --config wallet/pwa/vite.config.ts --logLevel warn
	$(NODE) dist/scripts/compress-web.js dist/web/dashboard dist/web/wallet
	$(NODE) scripts/cli-docs.mjs

lint: deps ## eslint over every source
	npx eslint --max-warnings 0 .

test: build lint test-only ## build, lint and run the whole suite (what CI runs)

test-only: ## run the compiled suite without rebuilding
	@mkdir -p .tap
	npx tap $(TAP_FILES) 2>&1 | tee .tap/last-run.log
	@$(NODE) scripts/test-summary.mjs .tap/last-run.log

bench: build ## benchmarks against their physical floors; writes bench/last-run.json
	$(NODE) dist/scripts/bench.js

bench-wallet: build ## the wallet app in Chromium against a terminal daemon: camera → request, confirm → QR, transfer size, offline start; writes bench/last-run-wallet.json
	$(NODE) dist/scripts/bench-wallet.js

bench-api: build ## the HTTP API on 1,000,000 settlements in PostgreSQL with wrk (several minutes); writes bench/last-run-api.json
	$(NODE) dist/scripts/bench-api.js

soak: build ## long fuzz and fault loops (not part of make test)
	$(NODE) dist/scripts/soak.js

vectors: build ## regenerate test/vectors/*.json from fixed seeds
	$(NODE) dist/scripts/gen-vectors.js

demo: deps build ## a scripted day of offline payments on embedded defaults; writes demo-out/ (DEMO_ARGS="--broker mqtt://HOST:PORT" for an external broker)
	$(NODE) dist/scripts/demo.js $(DEMO_ARGS)

install: ## install the built dist/, production deps, CLI wrappers, units and rules (make build first)
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" bash packaging/install.sh install

uninstall: ## remove what install put there; never /var/lib/tessera or /etc/tessera
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" bash packaging/install.sh uninstall

deb: ## build $(DEB_OUT)/tessera_<version>_<arch>.deb from the built dist/ (make build first)
	DEB_OUT="$(DEB_OUT)" DEB_COMPRESS="$(DEB_COMPRESS)" bash packaging/build-deb.sh

clean: ## remove build output
	rm -rf dist .tap coverage demo-out build-deb
