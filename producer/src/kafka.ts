// kafkajs, with fixes applied before it loads. Every module imports kafkajs through this file, so the
// fixes are in place whichever module loads first.
import './kafkajs-empty-batches.ts';
import './kafkajs-fast-produce.ts';
import './kafkajs-leader-moved.ts';

export * from 'kafkajs';

import kafkajs from 'kafkajs';
// CommonJS: Node's ESM loader does not see kafkajs's enums as named exports, so they are re-exported here.
export const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

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
