import { explainKafkaError, Kafka, logLevel, type Admin, type KafkaAccess } from '../../producer/src/kafka.ts';

/** Runs `fn` with a connected kafkajs admin client against the given brokers, always disconnecting. */
export async function withAdmin<T>(access: KafkaAccess, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const kafka = new Kafka({
    ...access,
    clientId: 'rastro-admin',
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 200 },
  });
  const admin = kafka.admin();
  await admin.connect().catch((err: unknown) => {
    throw explainKafkaError(access, err);
  });
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** The brokers the metadata lists, with the address clients use (advertised). */
export async function clusterBrokers(access: KafkaAccess): Promise<Array<{ nodeId: number; host: string; port: number }>> {
  return withAdmin(access, async (admin) => (await admin.describeCluster()).brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })));
}

/** Broker ids currently registered with the cluster (as the metadata answers). */
export async function registeredBrokers(access: KafkaAccess): Promise<number[]> {
  return withAdmin(access, async (admin) => {
    const c = await admin.describeCluster();
    return c.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  });
}

export interface PartitionState {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export async function describeTopic(access: KafkaAccess, topic: string): Promise<PartitionState[]> {
  return withAdmin(access, async (admin) => {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const t = md.topics[0];
    if (!t) throw new Error(`describe topic ${topic} at ${access.brokers.join(',')}: no metadata`);
    return t.partitions
      .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: [...p.replicas], isr: [...p.isr] }))
      .sort((a, b) => a.partition - b.partition);
  });
}
