# rastro — every target is a thin call into scripts/ (zx + TypeScript). RUNTIME=docker|native forces a runtime.
# Targets check their prerequisites first (scripts/setup.mjs): missing Debian packages are installed with
# apt-get, node_modules with npm ci, Maven comes through ./mvnw; only Java and Node are the user's to install.
SHELL := /bin/bash
.DEFAULT_GOAL := help
KAFKA_VERSION := $(shell sed -n 's/^KAFKA_VERSION=//p' config/stack.env)

.PHONY: help install up down status consume groups dlq demo validate rebuild-redis chaos scale snapshot map test test-unit test-integration test-docker typecheck connector clean video k8s

# $(call setup,GOAL): Node runs the check itself, so only Node's own absence is caught here.
define setup
	@command -v node >/dev/null 2>&1 || { echo 'make: Node.js 20.19+ is required and not installed (macOS: brew install node@20; Linux: Node 20 LTS from the Node.js project, e.g. `nvm install 20`)' >&2; exit 1; }
	@node scripts/setup.mjs $(1)
endef

help: ## list targets and the variables they read
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'
	@printf '\nVariables (make up RUNTIME=docker, or in the environment):\n'
	@printf '  %-20s %s\n' \
	  RUNTIME 'native (default: local processes) or docker (compose.yml)' \
	  SECURITY 'on (default: TLS, SCRAM, ACLs, passwords) or off (the plain course set-up)' \
	  REDIS_MODE 'single (default: one Redis) or cluster (3 primaries + 3 replicas; native only; config/stack.env)' \
	  WIPE '1: make down also deletes the data and the secrets' \
	  NODES 'make scale: the Kafka nodes wanted, from the 3 voters up to MAX_NODES (config/stack.env)' \
	  RASTRO_HOME 'where the native stack keeps its state (default .rastro/native)' \
	  RASTRO_PORT_OFFSET 'added to every port, to run a second stack beside the first' \
	  CHROMIUM_PATH 'the browser for the dashboard pictures (default: chromium on PATH)' \
	  MAP_TILES_URL 'raster tiles under the live map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (default: none, offline)' \
	  NO_COLOR 'any value: no colour and no in-place redraws' \
	  '*_ARGS' 'options passed on: CHAOS_ARGS, SCALE_ARGS, VIDEO_ARGS, FRAUD_ARGS, BENCH_ARGS (each script has --help)'

install: ## install every prerequisite the tests need (what make test does first)
	$(call setup,test)

up: ## start the stack, create topics, deploy the connector (waits on readiness)
	$(call setup,up)
	./scripts/up.mjs

down: ## stop everything (WIPE=1 also deletes data)
	$(call setup,npm)
	./scripts/down.mjs $(if $(filter 1,$(WIPE)),--wipe,)

consume: ## a topic's records as a table: TOPIC=… [FROM=beginning|end|<offset>] [KEY=…] [LIMIT=20]
	./scripts/consume.mjs $(if $(TOPIC),--topic $(TOPIC)) $(if $(FROM),--from $(FROM)) $(if $(KEY),--key $(KEY)) $(if $(LIMIT),--limit $(LIMIT))

groups: ## every consumer group with its lag per partition (the sink's, the fraud services', any other)
	./scripts/groups.mjs

dlq: ## the sink's dead-letter queue: each record with its reason and where it came from
	./scripts/dlq.mjs

status: ## services, quorum, leaders/ISR, connector, driver count
	$(call setup,npm)
	./scripts/status.mjs

demo: ## the whole pipeline end to end, with evidence in evidence/<run-id>/
	$(call setup,demo)
	./scripts/demo.mjs

validate: ## redis-cli snapshot + full mirror check of Redis against the topic
	$(call setup,npm)
	./scripts/validate-redis.mjs

rebuild-redis: ## Redis lost its data: stop the sink, delete its keys, replay the topic from the start, mirror check
	$(call setup,npm)
	./scripts/rebuild-redis.mjs

chaos: ## stop a broker under load, bring it back, prove nothing was lost
	$(call setup,demo)
	./scripts/chaos.mjs $(CHAOS_ARGS)

scale: ## grow or shrink Kafka live under load: NODES=5 adds broker-only nodes and moves partitions onto them, NODES=3 drains them (SCALE_ARGS)
	$(call setup,demo)
	./scripts/scale.mjs $(if $(NODES),--nodes $(NODES)) $(SCALE_ARGS)

video: ## the course video from a real demo + chaos run: evidence/<run>/demo.mp4 + demo.srt (VIDEO_ARGS=--burn-subtitles)
	$(call setup,video)
	./scripts/video.mjs $(VIDEO_ARGS)

snapshot: ## PNG of the dashboard over the last 15 minutes
	$(call setup,demo)
	./scripts/snapshot-dashboard.mjs

map: ## the delivery app: nearest-drivers API + live map on 127.0.0.1:APP_PORT (prints the URL; Ctrl-C stops)
	$(call setup,npm)
	./scripts/app.mjs

.PHONY: fraud-demo fraud-bench
fraud-demo: ## the fraud prototype's immediate-block path on the stack (make up included): evidence/<run>/REPORT.md
	$(call setup,up)
	./scripts/fraud-demo.mjs $(FRAUD_ARGS)

fraud-bench: ## decision latency p50/p90/p99 at 1k and 10k transactions/s on the stack: evidence/<run>/FRAUD-BENCH.md
	$(call setup,up)
	./scripts/fraud-bench.mjs $(FRAUD_ARGS)

.PHONY: bench
bench: ## performance numbers on a private native stack (BENCH_ARGS=--quick): evidence/<run>/BENCH.md
	$(call setup,bench)
	./scripts/bench.mjs $(BENCH_ARGS)

k8s: ## the stack as Strimzi + Kubernetes manifests in deploy/kubernetes/ (generated from config/; no Kubernetes runs here)
	$(call setup,npm)
	./scripts/k8s.mjs

connector: ## build the Redis sink plugin and run its Java tests
	$(call setup,java)
	./mvnw -B -q -f connector/pom.xml -Dkafka.version=$(KAFKA_VERSION) package

typecheck:
	$(call setup,npm)
	npx tsc -p tsconfig.json

test-unit:
	$(call setup,test)
	npx vitest run --project unit

test-integration:
	$(call setup,test)
	npx vitest run --project integration

test: ## everything: types, Java tests, unit tests, integration tests on a private native stack
	$(call setup,test)
	npx tsc -p tsconfig.json
	./mvnw -B -q -f connector/pom.xml -Dkafka.version=$(KAFKA_VERSION) package
	@mkdir -p .rastro
	@rc=0; npx vitest run --reporter=default --reporter=json --outputFile.json=.rastro/vitest.json || rc=$$?; \
	  node test/summary.mjs .rastro/vitest.json; exit $$rc

# Not run by this project's CI (it reaches no registry): on a host with Docker Engine 25+, Compose 2.24.1+ and a
# registry, the compose stack end to end. It uses this checkout's compose stack, wiped before and after.
test-docker: ## the docker runtime end to end (Docker + registry needed): security refusals, secrets per container, demo, chaos
	$(call setup,npm)
	RASTRO_TEST_RUNTIME=docker npx vitest run --project integration test/integration/security.test.ts test/integration/docker-stack.test.ts

clean: ## stop native stacks and delete caches and evidence
	-./scripts/down.mjs --wipe
	rm -rf .rastro evidence connector/target native/target
