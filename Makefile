# ngx_http_auth_extranet_module: the two commands are `make run` and
# `make test`; each installs what is missing and builds first.

SHELL        := /bin/bash
NGINX_SRC    ?= /usr/share/nginx/src
BUILD        ?= $(CURDIR)/build
PORT         ?= 8080
MODULE        = $(BUILD)/nginx/objs/ngx_http_auth_extranet_module.so
CXX          ?= g++
CXXFLAGS     ?= -O2 -g
UNIT_FLAGS    = -std=c++17 -Wall -Wextra -Werror -Isrc -I$(BUILD)/gen -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
UNIT_LIBS     = -lcmocka -lpq -lcrypt -lssl -lcrypto -lcbor -lctemplate -lunistring -lpthread

CORE_SRCS     = $(wildcard src/core/*/*.cpp)
CORE_OBJS     = $(patsubst src/core/%.cpp,$(BUILD)/core/%.o,$(CORE_SRCS))
CORE_HDRS     = $(wildcard src/core/*/*.h) src/core/primitives/common_passwords_list.inc
UNIT_SRCS     = $(wildcard t/unit/test_*.cpp)
UNIT_BINS     = $(patsubst t/unit/%.cpp,$(BUILD)/unit/%,$(UNIT_SRCS))
# The built-in theme, embedded into the module (scripts/embed-theme.sh).
THEME_FILES   = $(shell find themes/default -type f)
THEME_INC     = $(BUILD)/gen/default_theme.inc
SOURCES       = config config.make debian/changelog scripts/embed-theme.sh $(wildcard src/nginx/*.cpp src/nginx/*.h) $(CORE_SRCS) \
                $(CORE_HDRS) $(THEME_FILES)

# Debian packages to build the module and run the demo (make run) ...
PACKAGES      = build-essential nginx nginx-dev libpq-dev libssl-dev        \
                libcrypt-dev libcbor-dev postgresql-15 libnginx-mod-http-js   \
                perl libdbd-pg-perl libctemplate-dev libunistring-dev
# ... those that build the Debian package (make deb): debian/control's
# Build-Depends and the tools, nothing that runs (no PostgreSQL server, no
# njs; nginx comes with nginx-dev, whose dh_nginx loads the module with it) ...
DEB_PACKAGES  = build-essential nginx-dev libpq-dev libssl-dev libcrypt-dev   \
                libcbor-dev libctemplate-dev libunistring-dev debhelper dpkg-dev lintian
# ... and those the tests and the benchmark add (make test, make bench).
TEST_PACKAGES = libcmocka-dev procps openssl curl wrk chromium nodejs npm     \
                exim4-daemon-light pgbouncer php8.2-fpm linux-perf $(DEB_PACKAGES)
# ... and those of the fuzzing targets (make fuzz); the sanitizer and
# libFuzzer runtimes are only recommended by clang-14, and deps.sh installs
# without recommendations.
FUZZ_PACKAGES = clang-14 libfuzzer-14-dev libclang-rt-14-dev

# make fuzz: each libFuzzer target of t/fuzz/ runs FUZZ_TIME seconds, the
# core built with clang's fuzzer, address and undefined sanitizers.
FUZZ_TIME    ?= 60
FUZZ_CXX     ?= clang++-14
FUZZ_BUILD    = $(BUILD)/fuzz
FUZZ_FLAGS    = -std=c++17 -O1 -g -fno-omit-frame-pointer -Isrc -I$(BUILD)/gen  \
                -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql) \
                -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_LIBS     = -lpq -lcrypt -lssl -lcrypto -lcbor -lctemplate -lunistring -lpthread
FUZZ_SRCS     = $(wildcard t/fuzz/*.cpp)
FUZZ_BINS     = $(patsubst t/fuzz/%.cpp,$(FUZZ_BUILD)/%,$(FUZZ_SRCS))
FUZZ_CORE     = $(patsubst src/core/%.cpp,$(FUZZ_BUILD)/core/%.o,$(CORE_SRCS))

# make test-sanitize: unit and integration tests with the core and the
# module built with AddressSanitizer and UndefinedBehaviorSanitizer.
SAN_BUILD     = $(CURDIR)/build-sanitize
SAN_FLAGS     = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# gcc 12 warns "may be used uninitialized" inside libstdc++'s <regex> once
# the sanitizers instrument it (a known false positive of the sanitizers'
# code paths; the plain build has no such warning), and -Werror makes it
# fatal: compiling with the sanitizers, that one warning is off.
SAN_CC_FLAGS  = $(SAN_FLAGS) -Wno-maybe-uninitialized
SAN_CORE      = $(patsubst src/core/%.cpp,$(SAN_BUILD)/core/%.o,$(CORE_SRCS))
SAN_UNITS     = $(patsubst t/unit/%.cpp,$(SAN_BUILD)/unit/%,$(UNIT_SRCS))
SAN_MODULE    = $(SAN_BUILD)/nginx/objs/ngx_http_auth_extranet_module.so

.PHONY: all deps test-deps build unit integration browser test run bench render-bench deb clean \
        fuzz-deps fuzz-build fuzz test-sanitize

all: build

deps:
	@scripts/deps.sh $(PACKAGES)

test-deps: deps
	@scripts/deps.sh --browser $(TEST_PACKAGES)

build: $(MODULE)

$(MODULE): $(SOURCES)
	@scripts/build-module.sh "$(NGINX_SRC)" "$(BUILD)/nginx" "$(CURDIR)"

$(BUILD)/core/%.o: src/core/%.cpp $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(UNIT_FLAGS) -c -o $@ $<

$(THEME_INC): $(THEME_FILES) scripts/embed-theme.sh
	@scripts/embed-theme.sh themes/default $@

$(BUILD)/core/views/theme.o $(FUZZ_BUILD)/core/views/theme.o $(SAN_BUILD)/core/views/theme.o: $(THEME_INC)

$(BUILD)/unit/%: t/unit/%.cpp $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(UNIT_FLAGS) -o $@ $< $(CORE_OBJS) $(UNIT_LIBS)

# make render-bench: portal page renders per second at the core (the login
# page and "Gérer mes comptes"), without nginx or PostgreSQL, this tree's
# views against those of RENDER_BASE (the last commit whose pages were built
# by string concatenation), both in one binary and run interleaved
# (t/bench/render_pages.cpp). RENDER_BASE's views come from git (git
# archive), built under another namespace (-Dextranet=extranet_before).
# RENDER_ROUNDS rounds of RENDER_SECONDS per sample: about 4 x rounds x
# seconds in all.
RENDER_BASE     ?= 4ef0991
RENDER_ROUNDS   ?= 7
RENDER_SECONDS  ?= 0.5
RENDER_BASE_DIR  = $(BUILD)/render-base/$(RENDER_BASE)
RENDER_BASE_CPP  = views/pages.cpp views/passkey_pages.cpp primitives/escape.cpp primitives/crypto.cpp
RENDER_BASE_OBJS = $(patsubst %.cpp,$(RENDER_BASE_DIR)/obj/%.o,$(RENDER_BASE_CPP))
RENDER_BASE_FLAGS = -std=c++17 -Wall -Wextra -I$(RENDER_BASE_DIR)/src -Dextranet=extranet_before

$(RENDER_BASE_DIR)/src/.extracted:
	@mkdir -p $(dir $@)
	git archive --format=tar $(RENDER_BASE) src/core | tar -x -C $(RENDER_BASE_DIR)
	@touch $@

$(RENDER_BASE_DIR)/obj/%.o: $(RENDER_BASE_DIR)/src/.extracted
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(RENDER_BASE_FLAGS) -c -o $@ $(RENDER_BASE_DIR)/src/core/$*.cpp

$(BUILD)/bench/render_side_before.o: t/bench/render_pages_side.cpp t/bench/render_pages_views.h $(RENDER_BASE_DIR)/src/.extracted
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(RENDER_BASE_FLAGS) -It/bench -c -o $@ $<

$(BUILD)/bench/render_side_after.o: t/bench/render_pages_side.cpp t/bench/render_pages_views.h $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(UNIT_FLAGS) -It/bench -c -o $@ $<

$(BUILD)/bench/render_pages: t/bench/render_pages.cpp $(BUILD)/bench/render_side_before.o \
                             $(BUILD)/bench/render_side_after.o $(RENDER_BASE_OBJS) $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(UNIT_FLAGS) -o $@ $< $(BUILD)/bench/render_side_before.o $(BUILD)/bench/render_side_after.o \
	    $(RENDER_BASE_OBJS) $(CORE_OBJS) $(UNIT_LIBS)

render-bench: $(BUILD)/bench/render_pages
	@uptime
	$(BUILD)/bench/render_pages $(RENDER_ROUNDS) $(RENDER_SECONDS)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "# $$t"; $$t; done

# Four files at a time: most of a file's time is spent waiting on nginx and
# PostgreSQL starting, and at two the machine's two cores were half idle.
# How they are scheduled is in t/testrules.yml (read by prove): the package
# files one after the other among themselves (dpkg has one lock), and first,
# being the longest. The files that measure time or load the machine on
# purpose run alone, afterwards.
PROVE_JOBS    ?= 4
SERIAL_TESTS  = t/21_code_timing.t t/29_hash_pool.t t/39_reload.t t/61_fleet.t
PACKAGE_TESTS = $(wildcard t/30_*.t t/70_*.t t/73_*.t)
PAR_TESTS     = $(PACKAGE_TESTS) \
                $(filter-out $(SERIAL_TESTS) $(PACKAGE_TESTS),$(sort $(wildcard t/*.t)))

integration: build
	prove -j$(PROVE_JOBS) -I t/lib $(PAR_TESTS)
	prove -I t/lib $(SERIAL_TESTS)

browser: build
	@scripts/browser-test.sh

test: test-deps build
	$(MAKE) unit
	$(MAKE) integration
	$(MAKE) browser

run: deps build
	@scripts/run-demo.sh "$(MODULE)" "$(PORT)"

bench: test-deps build
	@scripts/bench.sh "$(MODULE)"

# libnginx-mod-http-auth-extranet_<version>_<arch>.deb into $(BUILD)/, the
# version from debian/changelog; the tree is built in a copy, then lintian.
deb:
	@scripts/deps.sh $(DEB_PACKAGES)
	@scripts/build-deb.sh "$(BUILD)"

.SECONDARY: $(CORE_OBJS) $(FUZZ_CORE) $(SAN_CORE)

fuzz-deps: deps
	@scripts/deps.sh $(FUZZ_PACKAGES)

$(FUZZ_BUILD)/core/%.o: src/core/%.cpp $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/%: t/fuzz/%.cpp t/fuzz/fuzz.h $(FUZZ_CORE)
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_CORE) $(FUZZ_LIBS)

fuzz-build: $(FUZZ_BINS)

# Fails on any crash, leak, sanitizer report or broken invariant; the input
# is kept in t/artifacts/fuzz/<target>/.
fuzz: fuzz-deps
	$(MAKE) fuzz-build
	@scripts/fuzz.sh "$(FUZZ_BUILD)" "$(FUZZ_TIME)" $(notdir $(FUZZ_BINS))

$(SAN_BUILD)/core/%.o: src/core/%.cpp $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(SAN_CC_FLAGS) $(UNIT_FLAGS) -c -o $@ $<

$(SAN_BUILD)/unit/%: t/unit/%.cpp $(SAN_CORE)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(SAN_CC_FLAGS) $(UNIT_FLAGS) -o $@ $< $(SAN_CORE) $(UNIT_LIBS)

$(SAN_MODULE): $(SOURCES)
	@ASAN_OPTIONS=detect_leaks=0 scripts/build-module.sh "$(NGINX_SRC)" "$(SAN_BUILD)/nginx" "$(CURDIR)" \
	    --with-cc-opt="$(SAN_CC_FLAGS)" --with-ld-opt="$(SAN_FLAGS)"

# Not part of make test: slower, and a tool for hunting bugs.
test-sanitize: test-deps
	$(MAKE) $(SAN_UNITS) $(SAN_MODULE)
	@scripts/test-sanitize.sh "$(SAN_BUILD)" $(SAN_UNITS)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) t/artifacts
