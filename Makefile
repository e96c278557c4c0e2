# One command each: `make test` (installs what is missing, builds, runs every suite),
# `make build` (the npm package in pkg/). See README.md.
.PHONY: setup build pack test test-only clean fuzz demo soak bench fleet

setup:
	@scripts/setup.sh

build: setup
	@scripts/build.sh

# The tarball users install until the package is published: dist/tms-edge-<version>.tgz
# (`npm install /path/to/dist/tms-edge-<version>.tgz`).
pack:
	@TMS_SETUP=build scripts/setup.sh
	@scripts/build.sh --pack

test: build
	@scripts/test.sh

# The live demo: TMS emulator + example worker in workerd (Miniflare) + page on 127.0.0.1.
# Prints the URL; Ctrl-C stops everything. Ports: make demo DEMO_PORT=8788 EMULATOR_PORT=8787
# The build setup profile: only what the demo uses (no Chromium, fuzzer, benchmark SDK or deploy tools).
demo:
	@TMS_SETUP=build scripts/setup.sh
	@scripts/build.sh
	@scripts/demo.sh

# Runs the suites without the setup/build steps (after a `make build`).
test-only:
	@scripts/test.sh

clean:
	rm -rf target pkg dist

# Coverage-guided fuzzing of every parser, FUZZ_SECONDS per target (default 300).
fuzz: setup
	@scripts/fuzz.sh $(or $(FUZZ_SECONDS),300)

# The long soak: 10 000 token() calls over 500 tenants with random faults for 60 s on
# 127.0.0.1 (make test runs a short form). Override with SOAK_ARGS="--calls ... --seconds ...".
soak: build
	@node tests/soak/soak.mjs $(or $(SOAK_ARGS),--calls 10000 --tenants 500 --seconds 60)

# tms-edge vs a hand-written JS cache vs the vendor SDK, on the emulator (BENCHMARKS.md);
# about 4 minutes, then the outage/verify rows (~3 minutes) and the CPU per request in workerd
# (~30 s). `node bench/run.mjs --update-doc` also rewrites BENCHMARKS.md's tables.
bench: build
	@node bench/run.mjs
	@node bench/extra.mjs
	@node bench/workerd.mjs

# The fleet simulation: 50 isolates sharing each store (Redis through three clients, Deno KV,
# Durable Objects, Workers KV) and none, 100 tenants, three token lifetimes, random evictions;
# prints token requests per tenant per lifetime side by side (make test runs a short form).
fleet: build
	@node tests/fleet/fleet.mjs $(or $(FLEET_ARGS),--isolates 50 --tenants 100 --lifetime 8 --lifetimes 3)
