import { internalPort, type NodeId, type Stack } from '../../../shared/stack.ts';

/** The KRaft static voter set: every node is a voter, on its controller port. */
export function quorumVoters(stack: Stack): string {
  return stack.nodeIds.map((id) => `${id}@127.0.0.1:${stack.ports.controller.of(id)}`).join(',');
}

/**
 * node.properties for one native node: the shared config/kafka/server.properties plus the lines
 * that make this node itself. INTERNAL is the inter-broker listener, EXTERNAL what host clients use;
 * natively both live on loopback, so EXTERNAL is the port from stack.env and INTERNAL sits next to
 * the controller port (+100), outside every other range.
 */
export function renderNodeProperties(shared: string, stack: Stack, id: NodeId, dataDir: string, security?: string): string {
  const internal = internalPort(stack, id);
  const lines = [
    `node.id=${id}`,
    `controller.quorum.voters=${quorumVoters(stack)}`,
    `listeners=INTERNAL://127.0.0.1:${internal},EXTERNAL://127.0.0.1:${stack.ports.kafka.of(id)},CONTROLLER://127.0.0.1:${stack.ports.controller.of(id)}`,
    `advertised.listeners=INTERNAL://127.0.0.1:${internal},EXTERNAL://127.0.0.1:${stack.ports.kafka.of(id)}`,
    `log.dirs=${dataDir}`,
  ];
  const secure = security === undefined ? '' : `\n\n# --- config/kafka/security.properties (SECURITY on) ---\n${security.trimEnd()}`;
  return `${shared.trimEnd()}${secure}\n\n# --- node ${id} (rendered by the native launcher) ---\n${lines.join('\n')}\n`;
}


/** config/kafka/security.properties with ${secrets} set to where this node sees the secrets directory. */
export function renderSecurityProperties(text: string, secretsDir: string): string {
  return text.replaceAll('${secrets}', secretsDir);
}
