import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type AclEntry } from '../../producer/src/kafka.ts';
import { withAdmin } from './kafka-admin.ts';
import { KAFKA_USERS, kafkaAcls, type KafkaAcl, type KafkaAccess } from '../../shared/security.ts';
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

/**
 * Makes the cluster's ACLs for the stack's principals exactly kafkaAcls() (as a super user): creates
 * what is missing and deletes what an older version granted and this one does not (a grant narrowed
 * in code must narrow on existing stacks too). Rules for other principals are left alone.
 */
export async function applyKafkaAcls(kafka: KafkaAccess, stack: Stack): Promise<{ created: number; existing: number; removed: number }> {
  const wanted = kafkaAcls(stack).map(aclEntry);
  const want = new Set(wanted.map(entryKey));
  const ours = new Set(KAFKA_USERS.map((u) => `User:${u}`));
  return withAdmin(kafka, async (admin) => {
    const current = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const entries = current.resources.flatMap((r) => r.acls.map((a) => ({ ...a, resourceType: r.resourceType, resourceName: r.resourceName, resourcePatternType: r.resourcePatternType })));
    const have = new Set(entries.map(entryKey));
    const missing = wanted.filter((e) => !have.has(entryKey(e)));
    const stale = entries.filter((e) => ours.has(e.principal) && !want.has(entryKey(e)));
    const at = kafka.brokers.join(',');
    if (missing.length > 0) {
      await admin.createAcls({ acl: missing }).catch((err: Error) => {
        throw new Error(`create ${missing.length} Kafka ACLs at ${at}: ${err.message}`);
      });
    }
    if (stale.length > 0) {
      await admin.deleteAcls({ filters: stale }).catch((err: Error) => {
        throw new Error(`delete ${stale.length} Kafka ACLs no longer granted at ${at}: ${err.message}`);
      });
    }
    return { created: missing.length, existing: wanted.length - missing.length, removed: stale.length };
  });
}
