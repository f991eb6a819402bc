// kafkajs, with one fix applied before it loads. Every module imports kafkajs through this file, so the
// fix is in place whichever module loads first.
import './kafkajs-empty-batches.ts';

export * from 'kafkajs';
