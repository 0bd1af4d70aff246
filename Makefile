# ngx_http_auth_extranet_module: the two commands are `make run` and
# `make test`; each installs what is missing and builds first.

SHELL        := /bin/bash
NGINX_SRC    ?= /usr/share/nginx/src
BUILD        ?= $(CURDIR)/build
PORT         ?= 8080
MODULE        = $(BUILD)/nginx/objs/ngx_http_auth_extranet_module.so
CXX          ?= g++
CXXFLAGS     ?= -O2 -g
UNIT_FLAGS    = -std=c++17 -Wall -Wextra -Werror -Isrc -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
UNIT_LIBS     = -lcmocka -lpq -lcrypt -lssl -lcrypto -lpthread

CORE_SRCS     = $(wildcard src/core/*.cpp)
CORE_OBJS     = $(patsubst src/core/%.cpp,$(BUILD)/core/%.o,$(CORE_SRCS))
UNIT_SRCS     = $(wildcard t/unit/test_*.cpp)
UNIT_BINS     = $(patsubst t/unit/%.cpp,$(BUILD)/unit/%,$(UNIT_SRCS))
SOURCES       = config config.make $(wildcard src/*/*.cpp src/*/*.h)

# Debian packages to build the module and run the demo (make run) ...
PACKAGES      = build-essential nginx nginx-dev libpq-dev libssl-dev        \
                libcrypt-dev postgresql-15 libnginx-mod-http-js perl         \
                libdbd-pg-perl
# ... those that build the Debian package (make deb) ...
DEB_PACKAGES  = debhelper dpkg-dev lintian
# ... and those the tests and the benchmark add (make test, make bench).
TEST_PACKAGES = libcmocka-dev procps openssl curl wrk linux-perf chromium nodejs \
                npm exim4-daemon-light $(DEB_PACKAGES)

.PHONY: all deps test-deps build unit integration browser test run bench deb clean

all: build

deps:
	@scripts/deps.sh $(PACKAGES)

test-deps: deps
	@scripts/deps.sh --browser $(TEST_PACKAGES)

build: $(MODULE)

$(MODULE): $(SOURCES)
	@scripts/build-module.sh "$(NGINX_SRC)" "$(BUILD)/nginx" "$(CURDIR)"

$(BUILD)/core/%.o: src/core/%.cpp $(wildcard src/core/*.h)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(UNIT_FLAGS) -c -o $@ $<

$(BUILD)/unit/%: t/unit/%.cpp $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(UNIT_FLAGS) -o $@ $< $(CORE_OBJS) $(UNIT_LIBS)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "# $$t"; $$t; done

integration: build
	prove -I t/lib t/*.t

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
deb: deps
	@scripts/deps.sh $(DEB_PACKAGES)
	@scripts/build-deb.sh "$(BUILD)"

clean:
	rm -rf $(BUILD) t/artifacts
