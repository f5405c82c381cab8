# portico: the two commands are `make run` and `make test`; see README.md.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD := build
ASAN_BUILD := build-asan
FUZZ_BUILD := build-fuzz
FUZZ_SECONDS ?= 20
LISTEN ?= 127.0.0.1:8080
TLS_LISTEN ?= 127.0.0.1:8443
DEV_CERT := $(BUILD)/dev-cert
CMAKE_FLAGS := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON

.PHONY: all deps build run test unit fuzz bench format tidy clean

all: build

deps:
	@scripts/install-deps.sh test

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Release -DPORTICO_TESTS=OFF
	cmake --build $(BUILD) -j $(JOBS)
	@ln -sf $(BUILD)/compile_commands.json compile_commands.json

# Serves the demo site from examples/site/ until Ctrl-C.
# HTTPS with a development certificate for localhost, made once under build/dev-cert
# (trust it with: curl --cacert build/dev-cert/cert.pem https://localhost:8443/).
run: build
	@[ -f $(DEV_CERT)/cert.pem ] && [ -f $(DEV_CERT)/key.pem ] || \
	  $(BUILD)/portico cert self-signed --name localhost --out $(DEV_CERT) --force
	@echo "portico: serving examples/site/ at http://$(LISTEN)/ and https://localhost:$(lastword $(subst :, ,$(TLS_LISTEN)))/  (Ctrl-C stops)"
	$(BUILD)/portico serve examples/site --listen $(LISTEN) --tls-listen $(TLS_LISTEN) \
	  --cert $(DEV_CERT)/cert.pem --key $(DEV_CERT)/key.pem

# Sanitizer build (ASan + UBSan), every unit and integration test through ctest,
# then a short bounded fuzz run of the parser.
test: deps
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPORTICO_SANITIZE=ON -DPORTICO_BENCH=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) --timeout 900
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

unit:
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -E integration

# libFuzzer targets under fuzz/, each run for FUZZ_SECONDS on its seed corpus.
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPORTICO_FUZZ=ON -DPORTICO_TESTS=OFF -DPORTICO_BENCH=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@set -e; for f in fuzz/*_fuzz.cpp; do \
	  [ -e "$$f" ] || continue; \
	  name=$$(basename $$f .cpp); corpus=fuzz/corpus/$${name%_fuzz}; \
	  mkdir -p fuzz/corpus-run/$$name; \
	  echo "fuzz: $$name for $(FUZZ_SECONDS)s"; \
	  $(FUZZ_BUILD)/$$name -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    $$( [ -f fuzz/http.dict ] && echo -dict=fuzz/http.dict ) \
	    fuzz/corpus-run/$$name $$( [ -d $$corpus ] && echo $$corpus ); \
	done

# Micro benchmarks, then the side-by-side harness against nginx.
bench:
	@scripts/install-deps.sh bench
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)
	$(BUILD)/portico_bench
	../shared/bench/run --candidate '$(CURDIR)/$(BUILD)/portico serve {docroot} --listen 127.0.0.1:{port} --threads {threads}' --peers nginx

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

tidy: build
	git ls-files 'src/*.cpp' | xargs clang-tidy -p $(BUILD) --quiet

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
