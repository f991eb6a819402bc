// kafkajs, with fixes applied before it loads. Every module imports kafkajs through this file, so the
// fixes are in place whichever module loads first.
import './kafkajs-empty-batches.ts';
import './kafkajs-fast-produce.ts';
import './kafkajs-leader-moved.ts';
import { createRequire } from 'node:module';
import type * as KafkaJs from 'kafkajs';

export type * from 'kafkajs';
// Required here, after the fixes, not imported: a bundle (producer/build.mjs) evaluates every package it
// imports before any code of its own, which would load kafkajs before the fixes. Being CommonJS, its enums
// are not named exports for Node's ESM loader either: they are re-exported here.
const kafkajs = createRequire(import.meta.url)('kafkajs') as typeof KafkaJs;
export const { Kafka, logLevel, Partitioners, AssignerProtocol, AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, ConfigResourceTypes, ConfigSource } = kafkajs;
export type Kafka = KafkaJs.Kafka;

import type { KafkaAccess } from '../../shared/security.ts';

export type { KafkaAccess };

/**
 * A connect failure said plainly: a refused login names the user it tried (Kafka's own message does
 * not), and a TLS failure says which CA the client checked against.
 */
export function explainKafkaError(access: KafkaAccess, err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  const target = access.brokers.join(',');
  const user = access.sasl !== undefined && 'username' in access.sasl ? access.sasl.username : undefined;
  if (e.name === 'KafkaJSSASLAuthenticationError' || /SASL|authentication failed/i.test(e.message)) {
    return new Error(`authenticate to Kafka at ${target} as user "${user ?? '(none)'}" (SASL ${access.sasl?.mechanism ?? 'none'}): ${e.message}; check the password in the stack's secrets directory`, { cause: e });
  }
  return e;
}
