# Time namespaces, completed: a patch series on Debian's linux-source-6.12
# and the harness that builds, boots and tests it.  See README.md.
#
#   make run [ARCH=x86_64] [CMD='...']   build, boot, demo (or run CMD)
#   make check [ARCH=...] [VARIANT=...]  the tests, every booted ARCH by default
#   make shell [ARCH=x86_64]             an interactive guest
#   make build ARCH=... [SCOPE=series]   the kernel only (SCOPE=series: only
#                                        the series' objects and the vDSO)
#   make bench [ARCH=x86_64] [BENCH=...] the series against the unpatched base:
#                                        clock reads, timers, namespaces (slow)
#   make fuzz [ARCH=x86_64] [VARIANT=debug] [SEED=] [ITERATIONS=] [SECONDS=]
#                                        fuzz and stress the time-namespace
#                                        calls in a guest (debug kernel)
#   make coverage [ARCH=x86_64] [SEED=] [ITERATIONS=] [SECONDS=]
#                                        line coverage of the series' changes
#                                        from the kselftests and the fuzzer
#   make tree / export / series-check / lint   the series workflow
#   make bisect-check [ARCH=x86_64]      build every commit of the series
#   make test-harness                    the harness's own tests

SHELL := /bin/bash
VARIANT ?= default
H := harness

.PHONY: run shell check build bench fuzz coverage tree export series-check lint bisect-check test-harness clean help

help:
	@sed -n 's/^#   //p' Makefile

run:
	@$(H)/run.sh run $(or $(ARCH),x86_64) $(VARIANT)

shell:
	@$(H)/run.sh shell $(or $(ARCH),x86_64) $(VARIANT)

check:
	@$(H)/check.sh $(VARIANT) $(ARCH)

build:
	@$(H)/build.sh $(or $(ARCH),x86_64) $(VARIANT)

bench:
	@$(H)/bench.sh $(or $(ARCH),x86_64)

fuzz:
	@FUZZ_SECONDS=$(SECONDS) $(H)/fuzz.sh $(or $(ARCH),x86_64) $(if $(filter command line,$(origin VARIANT)),$(VARIANT),debug)
coverage:
	@FUZZ_SECONDS=$(SECONDS) $(H)/coverage.sh $(or $(ARCH),x86_64)

tree:
	@$(H)/tree.sh

export:
	@$(H)/export.sh

series-check:
	@$(H)/series-check.sh

lint:
	@$(H)/lint.sh

bisect-check:
	@$(H)/bisect-check.sh $(or $(ARCH),x86_64)

test-harness:
	@$(H)/test-harness.sh

clean:
	rm -rf build/out build/run build/logs build/bench build/coverage build/unpatched/out build/unpatched/run build/bisect/out-*
