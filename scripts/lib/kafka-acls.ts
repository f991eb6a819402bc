import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type AclEntry } from '../../producer/src/kafka.ts';
import { withAdmin } from './kafka-admin.ts';
import { kafkaAcls, type KafkaAcl, type KafkaAccess } from '../../shared/security.ts';
import type { Stack } from '../../shared/stack.ts';

/** One rule as kafkajs sends it (any host: every client is on loopback or the compose network anyway). */
export function aclEntry(a: KafkaAcl): AclEntry {
  return {
    resourceType: AclResourceTypes[a.resource],
    resourceName: a.name,
    resourcePatternType: ResourcePatternTypes[a.pattern],
    principal: `User:${a.user}`,
    host: '*',
    operation: AclOperationTypes[a.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

const entryKey = (e: Pick<AclEntry, 'resourceType' | 'resourceName' | 'resourcePatternType' | 'principal' | 'operation' | 'permissionType'>) =>
  [e.resourceType, e.resourceName, e.resourcePatternType, e.principal, e.operation, e.permissionType].join('|');

/** Creates the ACLs of kafkaAcls() that the cluster does not have yet (as a super user). */
export async function applyKafkaAcls(kafka: KafkaAccess, stack: Stack): Promise<{ created: number; existing: number }> {
  const wanted = kafkaAcls(stack).map(aclEntry);
  return withAdmin(kafka, async (admin) => {
    const current = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const have = new Set(current.resources.flatMap((r) => r.acls.map((a) => entryKey({ ...r, ...a }))));
    const missing = wanted.filter((e) => !have.has(entryKey(e)));
    if (missing.length > 0) {
      try {
        await admin.createAcls({ acl: missing });
      } catch (err) {
        throw new Error(`create ${missing.length} Kafka ACLs at ${kafka.brokers.join(',')}: ${(err as Error).message}`);
      }
    }
    return { created: missing.length, existing: wanted.length - missing.length };
  });
}
