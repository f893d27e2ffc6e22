# tests/fuzz/fuzz.mk — builds the fuzz targets (run.sh and replay.sh call it;
# run from the repository root: make -f tests/fuzz/fuzz.mk [fuzzers|replays]).
#
# Every src/*.c but main.c is compiled once with the sanitizers and the
# fuzzer's coverage instrumentation into build/fuzz-obj/ (never the normal
# build/obj), archived as build/fuzz-obj/libessayd-fuzz.a, and each target
# is linked against that archive twice:
#   build/fuzz/fuzz_NAME         with libFuzzer (-fsanitize=fuzzer)
#   build/fuzz/fuzz_NAME-replay  with replay_main.c as main (no libFuzzer)
# Some targets #include a src/*.c file to reach its static functions (the
# archive's copy of that file is then never linked: every symbol it would
# bring is already defined).
FUZZ_CC ?= clang
CC := $(FUZZ_CC)
PKGS := libmicrohttpd jansson sqlite3 libpsl libcurl libcrypto zlib
OBJ := build/fuzz-obj
BIN := build/fuzz
TARGETS := essay sentences citation json_body search_query cursor query_params

SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -fno-omit-frame-pointer $(SAN) \
        -Iinclude -I$(OBJ)/gen $(shell pkg-config --cflags $(PKGS))
# The sources are checked by the normal build; here only what clang flags
# as dangerous would matter, so their warnings do not stop the fuzz build.
SRC_WARN := -Wall -Wextra -Wno-unused-parameter
TARGET_WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2
LIBS := $(shell pkg-config --libs $(PKGS)) -lpthread
# fuzz_support.c keeps a copy of every response body (fuzz_support.h).
WRAP := -Wl,--wrap=MHD_create_response_from_buffer
# The repository root, for targets that read db/corpus.
ROOT_DEF := -DFUZZ_ROOT='"$(CURDIR)"'

LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(OBJ)/%.o) $(OBJ)/embedded.o
LIB := $(OBJ)/libessayd-fuzz.a
HEADERS := $(wildcard include/*.h)
MIGRATIONS := $(sort $(wildcard db/migrations/*.sql))
SUPPORT := tests/fuzz/fuzz_support.c tests/fuzz/fuzz_support.h tests/fuzz/essay_checks.c tests/fuzz/essay_checks.h

FUZZERS := $(TARGETS:%=$(BIN)/fuzz_%)
REPLAYS := $(TARGETS:%=$(BIN)/fuzz_%-replay)

.PHONY: all fuzzers replays
all: fuzzers replays
fuzzers: $(FUZZERS)
replays: $(REPLAYS)

$(OBJ)/%.o: src/%.c $(HEADERS) | $(OBJ)/gen
	$(CC) $(BASE) $(SRC_WARN) -c $< -o $@

$(OBJ)/gen/embedded.c: $(MIGRATIONS) openapi.yaml tools/embed.sh | $(OBJ)/gen
	sh tools/embed.sh $(MIGRATIONS) -- openapi.yaml > $@.tmp && mv $@.tmp $@

$(OBJ)/embedded.o: $(OBJ)/gen/embedded.c include/embedded.h
	$(CC) $(BASE) -w -c $< -o $@

$(LIB): $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(OBJ)/gen $(BIN):
	mkdir -p $@

# A target may include any src/*.c, so it depends on all of them.
$(BIN)/fuzz_%: tests/fuzz/fuzz_%.c $(SUPPORT) $(LIB) $(LIB_SRC) $(HEADERS) | $(BIN)
	$(CC) $(BASE) $(TARGET_WARN) $(ROOT_DEF) -fsanitize=fuzzer $< tests/fuzz/fuzz_support.c tests/fuzz/essay_checks.c $(LIB) \
	  $(WRAP) $(LIBS) -o $@

$(BIN)/fuzz_%-replay: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(SUPPORT) $(LIB) $(LIB_SRC) $(HEADERS) | $(BIN)
	$(CC) $(BASE) $(TARGET_WARN) $(ROOT_DEF) tests/fuzz/replay_main.c $< tests/fuzz/fuzz_support.c tests/fuzz/essay_checks.c $(LIB) \
	  $(WRAP) $(LIBS) -o $@
