import { internalPort, type NodeId, type Stack } from '../../../shared/stack.ts';

/** The KRaft static voter set: every node is a voter, on its controller port. */
export function quorumVoters(stack: Stack): string {
  return stack.nodeIds.map((id) => `${id}@127.0.0.1:${stack.ports.controller.of(id)}`).join(',');
}

/**
 * node.properties for one native node: the shared config/kafka/server.properties plus the lines
 * that make this node itself. INTERNAL is the inter-broker listener, EXTERNAL what host clients use;
 * natively both live on loopback, so EXTERNAL is the port from stack.env and INTERNAL sits next to
 * the controller port (+100), outside every other range. A voter (1..NODE_COUNT) is broker and
 * controller; an id above them is a broker-only node added by make scale: no CONTROLLER listener, and it
 * finds the quorum through the same voters.
 */
export function renderNodeProperties(shared: string, stack: Stack, id: NodeId, dataDir: string, security?: string): string {
  const internal = internalPort(stack, id);
  const voter = stack.nodeIds.includes(id);
  const lines = [
    `node.id=${id}`,
    ...(voter ? [] : ['process.roles=broker']),
    `controller.quorum.voters=${quorumVoters(stack)}`,
    `listeners=INTERNAL://127.0.0.1:${internal},EXTERNAL://127.0.0.1:${stack.ports.kafka.of(id)}${voter ? `,CONTROLLER://127.0.0.1:${stack.ports.controller.of(id)}` : ''}`,
    `advertised.listeners=INTERNAL://127.0.0.1:${internal},EXTERNAL://127.0.0.1:${stack.ports.kafka.of(id)}`,
    `log.dirs=${dataDir}`,
  ];
  // The shared file's process.roles is the voters'; a broker-only node states its own instead of relying on the later line winning.
  const base = voter ? shared : shared.replace(/^process\.roles=.*$/m, '# process.roles: set below (a broker-only node)');
  const secure = security === undefined ? '' : `\n\n# --- config/kafka/security.properties (SECURITY on) ---\n${security.trimEnd()}`;
  return `${base.trimEnd()}${secure}\n\n# --- node ${id} (rendered by the native launcher${voter ? '' : '; broker-only, added by make scale'}) ---\n${lines.join('\n')}\n`;
}

/** config/kafka/security.properties with ${secrets} set to where this node sees the secrets directory. */
export function renderSecurityProperties(text: string, secretsDir: string): string {
  return text.replaceAll('${secrets}', secretsDir);
}
