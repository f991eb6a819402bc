// kafkajs, with fixes applied before it loads. Every module imports kafkajs through this file, so the
// fixes are in place whichever module loads first.
import './kafkajs-empty-batches.ts';
import './kafkajs-fast-produce.ts';

export * from 'kafkajs';
