# The two commands README.md gives:
#   make lab    bring up 3 lab controllers in containers and converge site.yml on them
#   make test   lint, unit tests and the molecule scenarios CI runs
# Both create the venv and prepare the host (engine, node image) themselves.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= .venv
PYTHON ?= python3
# The scenarios run one after another; those in SIDE_BY_SIDE run together after them (each
# one's output kept in one block): legacy and bookworm have their own networks and converge
# at once, then test one after the other once neither converges, the waiting one frozen
# (testlib.cluster's scenario lock: in CI, tests beside another scenario's converge or load
# tests had no CPU left). All three converging at once saturated the 2 cores for 14 min:
# longer than the default scenario's converge and then the pair's (docs/benchmarks.md).
SCENARIOS ?= default
SIDE_BY_SIDE ?= legacy bookworm
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_FORCE_COLOR := 0
export PY_COLORS := 0

# $(call timed,NAME,COMMAND): run COMMAND and print how long the stage took.
define timed
	@t0=$$(date +%s); echo "== stage $(1): start"; \
	rc=0; $(2) || rc=$$?; \
	echo "== stage $(1): $$(( $$(date +%s) - t0 )) s (exit $$rc)"; exit $$rc
endef

.PHONY: test lab lab-destroy venv host lint unit molecule molecule-% upgrade-check clean

test: venv host lint unit molecule

# The converge is long: every task prints its duration as it ends.
lab: venv host
	$(call timed,lab,ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks ansible-playbook playbooks/lab.yml)

lab-destroy: venv
	$(call timed,lab-destroy,ansible-playbook playbooks/lab-destroy.yml)

# The venv lives outside the checkout, named by the requirements' hash, and $(VENV) links
# to it: a clean clone (CI) reuses the one an earlier run built, and editing
# requirements.txt builds a new one (a new name: no file dates involved, a fresh clone's
# are all new). `.complete` is written last: a venv whose build was interrupted is built
# again.
VENV_CACHE ?= $(HOME)/.cache/glance-ha
VENV_REAL := $(VENV_CACHE)/venv-$(shell sha256sum requirements.txt | cut -c1-16)
venv: $(VENV_REAL)/.complete
	@if [ -d $(VENV) ] && [ ! -L $(VENV) ]; then rm -rf $(VENV); fi; ln -sfn $(VENV_REAL) $(VENV)
$(VENV_REAL)/.complete:
	$(call timed,venv,rm -rf $(VENV_REAL) && $(PYTHON) -m venv $(VENV_REAL) \
		&& $(VENV_REAL)/bin/pip install --quiet --upgrade pip \
		&& $(VENV_REAL)/bin/pip install --quiet -r requirements.txt && touch $@)

host: venv
	$(call timed,host,ansible-playbook playbooks/lab-host.yml)

lint: venv
	$(call timed,lint,yamllint --strict . && ansible-lint --profile production)

# Unit tests of the Python plugins and helpers the roles ship, and of the test library (no containers).
unit: venv
	$(call timed,unit,pytest -q -p no:cacheprovider roles/*/tests plugins/tests testlib/tests)

# Every scenario runs whatever the others' outcome (the make -k of a dependency would skip
# those after a failed one); the target fails if any did.
molecule: venv host
	@rc=0; $(MAKE) --no-print-directory HOST= $(addprefix molecule-,$(SCENARIOS)) || rc=1; \
	$(if $(SIDE_BY_SIDE),$(MAKE) --no-print-directory -k HOST= -j $(words $(SIDE_BY_SIDE)) --output-sync=target \
		$(addprefix molecule-,$(SIDE_BY_SIDE)) || rc=1;) exit $$rc
# Containers a killed run left behind (label org.glance-ha.lab=molecule-<scenario>) would
# keep the scenario network busy; molecule's own destroy only knows its platforms. A scenario
# removes only its own: another may be running beside it.
# A failed verify writes the whole session's incident report to .ci/report-<scenario>.txt
# (conftest's pytest_sessionfinish), and every run the seconds of each molecule step to
# .ci/steps-<scenario>.txt and the failed tests' names to .ci/failed-<scenario>.txt;
# .ci/run prints them last.
# HOST= when the host is prepared already (the scenarios run by the molecule target).
HOST ?= host
molecule-%: venv $(HOST)
	@rm -f .ci/report-$*.txt .ci/steps-$*.txt .ci/failed-$*.txt
	$(call timed,molecule-$*,docker ps -aq --filter label=org.glance-ha.lab=molecule-$* \
		| xargs -r docker rm -f >/dev/null && GLANCE_HA_REPORT=$(CURDIR)/.ci/report-$*.txt molecule test -s $* 2>&1 \
		| python3 .ci/molecule_steps.py $* .ci/steps-$*.txt .ci/failed-$*.txt)

# A lab converged by an older commit (BASE), then this checkout's site.yml: 0 changed.
BASE ?= HEAD~1
upgrade-check: venv host
	$(call timed,upgrade-check,python3 .ci/upgrade_in_place.py $(BASE))

clean:
	rm -rf $(VENV) .cache
