# One command each: `make test` (installs what is missing, builds, runs every suite),
# `make build` (the npm package in pkg/). See README.md.
.PHONY: setup build test test-only clean fuzz

setup:
	@scripts/setup.sh

build: setup
	@scripts/build.sh

test: build
	@scripts/test.sh

# Runs the suites without the setup/build steps (after a `make build`).
test-only:
	@scripts/test.sh

clean:
	rm -rf target pkg

# Coverage-guided fuzzing of every parser, FUZZ_SECONDS per target (default 300).
fuzz: setup
	@scripts/fuzz.sh $(or $(FUZZ_SECONDS),300)
