# essayd — see README.md. `make` builds build/essayd; `make test` runs every test.
CC ?= cc
PKGS := libmicrohttpd jansson sqlite3 libpsl libcurl libcrypto zlib
DEB_PKGS := build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev \
            libpsl-dev libcurl4-openssl-dev libssl-dev zlib1g-dev curl jq sqlite3 clang libclang-rt-14-dev python3
# Node.js runs the API tests; Debian's nodejs + npm unless a node is already there.
NODE_PKGS := nodejs npm
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wcast-qual -Wformat=2 -Wvla
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -Iinclude -Ibuild/gen \
              $(PKG_CFLAGS) $(CFLAGS)
LDLIBS := $(PKG_LIBS) -lpthread -lm

# SANITIZE=address,undefined builds into build-san/ so both trees coexist.
ifdef SANITIZE
BUILD := build-san
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
else
BUILD := build
endif

SRC := $(wildcard src/*.c)
LIB_SRC := $(filter-out src/main.c,$(SRC))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/embedded.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/%)
MIGRATIONS := $(sort $(wildcard db/migrations/*.sql))

.PHONY: all deps run test unit check-deps clean fuzz format bench slow load valgrind
all: $(BUILD)/essayd

check-deps:
	@pkg-config --exists $(PKGS) && command -v node >/dev/null && command -v npm >/dev/null \
	  && command -v curl >/dev/null && command -v jq >/dev/null && command -v sqlite3 >/dev/null \
	  && command -v clang >/dev/null || $(MAKE) --no-print-directory deps

# Installs what a fresh Debian machine lacks (apt-get as root, else sudo).
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	command -v npm >/dev/null || missing="$$missing $(NODE_PKGS)"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(BUILD)/obj/%.o: src/%.c $(wildcard include/*.h) | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# db/migrations/*.sql and openapi.yaml are compiled into the binary, so a
# binary always carries the schema and the spec it was built with.
$(BUILD)/gen/embedded.c: $(MIGRATIONS) openapi.yaml tools/embed.sh | $(BUILD)/obj
	@mkdir -p $(BUILD)/gen
	sh tools/embed.sh $(MIGRATIONS) -- openapi.yaml > $@

$(BUILD)/obj/embedded.o: $(BUILD)/gen/embedded.c include/embedded.h
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c $< -o $@

$(BUILD)/libessayd.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/essayd: $(BUILD)/obj/main.o $(BUILD)/libessayd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/test_%: tests/unit/test_%.c tests/unit/harness.h tests/unit/support.h $(BUILD)/libessayd.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libessayd.a $(LDLIBS)

$(BUILD)/obj:
	mkdir -p $@

unit: $(UNIT_BIN)

# Serves the bundled corpus on http://127.0.0.1:8080 (db/essays.db is
# rebuilt from db/corpus when missing; re-import leaves unchanged files alone).
run: check-deps
	@$(MAKE) --no-print-directory all
	./build/essayd import --db db/essays.db db/corpus/*.txt
	./build/essayd serve --db db/essays.db --host 127.0.0.1 --port 8080

# Every test, twice: a normal build and an ASan+UBSan build.
test: check-deps
	@bash tests/run.sh

# Installs the Debian packages named in $(1) when missing (apt-get as root, else sudo).
define install_missing
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

# The benchmark (bench/run.sh; not a test): 10,000 generated essays, import, start-up, wrk
# against essayd and against nginx serving the same bytes; writes bench/RESULTS.md.
# Installs wrk and nginx when missing; BENCH_TIMEOUT (seconds) caps the whole run.
BENCH_PKGS := wrk nginx
BENCH_TIMEOUT ?= 1200
bench: check-deps
	@$(MAKE) --no-print-directory all
	$(call install_missing,$(BENCH_PKGS))
	@timeout --foreground -k 20 $(BENCH_TIMEOUT) bash bench/run.sh

# Slow clients (tests/load/slow.sh, about 4 minutes): slowhttptest's slowloris,
# slow body and slow read with 500 connections, then 1,500, while a normal
# client from 127.0.0.2 keeps asking; recovery afterwards. Not part of make test.
slow: check-deps
	@$(MAKE) --no-print-directory all
	$(call install_missing,slowhttptest iproute2)
	@bash tests/load/slow.sh

# Sustained load (tests/load/sustained.sh): at least 1,000,000 mixed requests
# at 256 connections with wrk; 0 errors and flat resident memory. Not part of make test.
load: check-deps
	@$(MAKE) --no-print-directory all
	$(call install_missing,wrk)
	@bash tests/load/sustained.sh

# The hostile table and the API suite with essayd under valgrind memcheck
# (tests/valgrind/run.sh, about 10 minutes). Not part of make test.
valgrind: check-deps
	@$(MAKE) --no-print-directory all
	$(call install_missing,valgrind)
	@bash tests/valgrind/run.sh

# libFuzzer targets (tests/fuzz/README.md): the essay parser, the JSON request
# body, the search box language, cursors, query parameters; each runs for
# FUZZ_SECONDS, one after another. make test runs a 10-second smoke of each.
FUZZ_SECONDS ?= 60
fuzz: check-deps
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf build build-san

format:
	clang-format -i src/*.c include/*.h tests/unit/*.c
