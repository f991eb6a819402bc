# rastro — every target is a thin call into scripts/ (zx + TypeScript). RUNTIME=docker|native forces a runtime.
SHELL := /bin/bash
.DEFAULT_GOAL := help
KAFKA_VERSION := $(shell sed -n 's/^KAFKA_VERSION=//p' config/stack.env)

.PHONY: help install up down status demo validate chaos snapshot test test-unit test-integration typecheck connector clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

node_modules: package.json package-lock.json
	npm ci
	@touch node_modules

install: node_modules ## npm ci (Java, Maven, redis-server are system packages: see README)

up: node_modules ## start the stack, create topics, deploy the connector (waits on readiness)
	./scripts/up.mjs

down: node_modules ## stop everything (WIPE=1 also deletes data)
	./scripts/down.mjs $(if $(filter 1,$(WIPE)),--wipe,)

status: node_modules ## services, quorum, leaders/ISR, connector, driver count
	./scripts/status.mjs

demo: node_modules ## the whole pipeline end to end, with evidence in evidence/<run-id>/
	./scripts/demo.mjs

validate: node_modules ## redis-cli snapshot + full mirror check of Redis against the topic
	./scripts/validate-redis.mjs

chaos: node_modules ## stop a broker under load, bring it back, prove nothing was lost
	./scripts/chaos.mjs $(CHAOS_ARGS)

snapshot: node_modules ## PNG of the dashboard over the last 15 minutes
	./scripts/snapshot-dashboard.mjs

.PHONY: bench
bench: node_modules ## performance numbers on a private native stack (BENCH_ARGS=--quick): evidence/<run>/BENCH.md
	./scripts/bench.mjs $(BENCH_ARGS)

connector: ## build the Redis sink plugin and run its Java tests
	mvn -B -q -f connector/pom.xml -Dkafka.version=$(KAFKA_VERSION) package

typecheck: node_modules
	npx tsc -p tsconfig.json

test-unit: node_modules
	npx vitest run --project unit

test-integration: node_modules
	npx vitest run --project integration

test: node_modules typecheck connector ## everything: types, Java tests, unit tests, integration tests on a private native stack
	@mkdir -p .rastro
	npx vitest run --reporter=default --reporter=json --outputFile.json=.rastro/vitest.json
	@node -e 'const r=require("./.rastro/vitest.json"); console.log(`vitest: $${r.numPassedTests} passed, $${r.numFailedTests} failed`)'

clean: ## stop native stacks and delete caches and evidence
	-./scripts/down.mjs --wipe
	rm -rf .rastro evidence connector/target native/target
