# Tessera build, test and run targets. `make help` lists them.
SHELL := /bin/bash
# globstar: TAP_FILES' dist/**/*.test.js must reach tests at any depth, not only dist/*/.
.SHELLFLAGS := -O globstar -o pipefail -c
NODE ?= node
TAP_FILES ?= 'dist/**/*.test.js'

.PHONY: help deps build lint test test-only test-node24 node24 bench bench-api bench-wallet soak demo clean vectors install uninstall deb

# Install layout (packaging/install.sh); DESTDIR stages into a scratch root; PACKAGES narrows to tessera or tessera-backoffice.
PREFIX ?= /usr
DESTDIR ?=
PACKAGES ?=
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

# The tests that must also pass on Node 24 (make test-node24): the protocol, the store, the daemon, the daemon
# syncing over a real broker as a child process, and an installed tree loading its Node 24 SQLite addon.
NODE24_TESTS ?= dist/common/sqlite.test.js 'dist/protocol/**/*.test.js' 'dist/terminal/store/**/*.test.js' 'dist/terminal/daemon/**/*.test.js' \
	dist/test/sync/daemon-sync.test.js dist/test/e2e/provision-to-payment.test.js dist/test/packaging/install.test.js

node24: deps ## fetch Node 24 from the npm registry into .nodes/ and build better-sqlite3 for its ABI (offline)
	bash scripts/node-abi.sh 24

# tap and every test child run on Node 24 (its bin first on PATH, tap started by it); the store loads the
# Node 24 build of better-sqlite3 through TESSERA_SQLITE_BINDING (common/sqlite.ts).
test-node24: node24 ## run the protocol, store and daemon tests on Node 24 (after make build)
	@mkdir -p .tap
	mapfile -t n24 < <(bash scripts/node-abi.sh 24) && \
	  "$${n24[0]}" -e 'process.exit(process.versions.node.startsWith("24.") ? 0 : 1)' && \
	  PATH="$$PWD/$$(dirname "$${n24[0]}"):$$PATH" TESSERA_SQLITE_BINDING="$$PWD/$${n24[1]}" \
	  "$${n24[0]}" node_modules/tap/dist/esm/run.mjs --disable-coverage $(NODE24_TESTS) 2>&1 | tee .tap/last-run-node24.log
	@$(NODE) scripts/test-summary.mjs .tap/last-run-node24.log

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

install: ## install both packages' files (PACKAGES=tessera for the terminal only): dist/, production deps, CLI wrappers, units, rules (make build first)
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" bash packaging/install.sh install $(PACKAGES)

uninstall: ## remove what install put there; never /var/lib/tessera* or /etc/tessera*
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" bash packaging/install.sh uninstall $(PACKAGES)

deb: ## build $(DEB_OUT)/tessera_<version>_<arch>.deb and tessera-backoffice_…deb from the built dist/ (make build first; make node24 first to add Node 24's SQLite addon)
	DEB_OUT="$(DEB_OUT)" DEB_COMPRESS="$(DEB_COMPRESS)" bash packaging/build-deb.sh

clean: ## remove build output
	rm -rf dist .tap coverage demo-out build-deb
