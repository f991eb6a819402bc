// The producer as a library: what scripts/ and fraud/ may use of it (the CLI is producer/bin/produce.mjs).
// Kafka clients elsewhere import kafkajs through ./kafka.ts, the other entry, so its fixes load first.
// test/unit/import-graph.test.ts keeps scripts/ and fraud/ to these two files.
export { Ledger } from './ledger.ts';
export { LocationProducer } from './location-producer.ts';
export { ProducerMetrics } from './metrics.ts';
export { readTopicToEnd } from './read-topic.ts';
export { simulate } from './run.ts';
export { prng, Simulator } from './simulator.ts';
// The fraud prototype sends through the same lane and buffer gate as the location producer.
export { BufferGate } from './buffer-gate.ts';
export { Lane, type Outgoing } from './lane.ts';
