// The producer as a library: what scripts/ may use of it (the CLI is producer/bin/produce.mjs). Kafka
// clients elsewhere import kafkajs through ./kafka.ts, the other entry, so its fixes load first.
// test/unit/import-graph.test.ts keeps scripts/lib to these two files.
export { Ledger } from './ledger.ts';
export { LocationProducer } from './location-producer.ts';
export { ProducerMetrics } from './metrics.ts';
export { readTopicToEnd } from './read-topic.ts';
export { simulate } from './run.ts';
export { Simulator } from './simulator.ts';
