# Makefile — the README's commands. CMake does the building; this only strings steps together.
#   make demo   install missing packages, build, run the default model on a real image
#   make test   install missing packages, build, run every test (what CI runs)
#   make bench  build, then int8 vs fp32 latency of the ../shared models (bench/models.sh)
#   make sanitize  the C tests and test_cli under AddressSanitizer + UBSan in build-san (scripts/sanitize.sh)
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SHARED ?= $(abspath ../shared)
# the make CMake runs is a sub-make of this one: without this, every one of its steps prints
# "Entering/Leaving directory" lines
MAKEFLAGS += --no-print-directory

.PHONY: all deps build test demo bench sanitize clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLIQ_SHARED_DIR=$(SHARED) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)/cliq

bench: build
	@bash bench/models.sh $(BUILD)/cliq

sanitize: deps
	@bash scripts/sanitize.sh build-san $(SHARED) $(JOBS)

clean:
	rm -rf $(BUILD)
