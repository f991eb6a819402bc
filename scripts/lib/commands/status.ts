import chalk from 'chalk';
import { connectStore } from '../redis-store.ts';
import { globEscape } from '../sink-keys.ts';
import { ConnectClient } from '../connect.ts';
import { registeredBrokers } from '../kafka-admin.ts';
import { partitions } from '../pipeline.ts';
import { partitionTable } from '../report.ts';
import { openRuntime } from '../runtime/index.ts';
import { parseCommand, type CommandSpec } from '../../../shared/cli.ts';

export const SPEC: CommandSpec = {
  name: './scripts/status.mjs',
  summary: 'who is up (make status): the services, the registered brokers, the KRaft quorum, leaders and ISR, the connector and its tasks, the driver count',
  examples: ['make status'],
};

/** make status: who is up, the quorum, leaders and ISR, the connector, the driver count. */
export async function main(argv: string[]): Promise<number> {
  if (parseCommand(SPEC, argv) === undefined) return 0;
  const rt = await openRuntime();
  const show = (title: string, body: string) => console.log(`${chalk.bold.cyan(`== ${title}`)}\n${body}\n`);
  const attempt = async (f: () => Promise<string>): Promise<string> => f().catch((e: Error) => chalk.red(`unavailable: ${e.message}`));
  show(`Services (${rt.name})`, (await rt.services()).map((s) => `${s.running ? chalk.green('up  ') : chalk.red('down')} ${s.name.padEnd(10)} ${s.detail}`).join('\n'));
  show('Brokers registered', await attempt(async () => (await registeredBrokers(rt.access.kafka('monitor'))).join(', ')));
  show('KRaft quorum', await attempt(async () => (await rt.kafkaCli('kafka-metadata-quorum', ['--bootstrap-server', rt.cliBootstrap, 'describe', '--status'], 'monitor')).stdout.trim()));
  show(`Partitions of ${rt.stack.topics.locations}`, await attempt(async () => partitionTable(await partitions(rt, rt.stack.topics.locations))));
  show(`Connector ${rt.stack.connect.connectorName}`, await attempt(async () => {
    const s = await new ConnectClient(rt.access.connect()).status(rt.stack.connect.connectorName);
    return [`connector ${s.connector.state} on ${s.connector.worker_id}`, ...s.tasks.map((t) => `task ${t.id} ${t.state} on ${t.worker_id}`)].join('\n');
  }));
  show('Redis drivers', await attempt(async () => {
    // SCAN sees one node: on a Redis Cluster, each primary's count.
    const store = await connectStore(rt.access.redis('app'), rt.stack);
    try {
      let n = 0;
      for await (const batch of store.scan(`${globEscape(rt.stack.redisKeyPrefix)}*`, 'hash')) n += batch.keys.length;
      return `${n} keys match ${rt.stack.redisKeyPrefix}*${store.keys.clustered ? ` over the ${store.primaries().length} primaries of the Redis Cluster` : ''}`;
    } finally {
      store.disconnect();
    }
  }));
  return 0;
}
