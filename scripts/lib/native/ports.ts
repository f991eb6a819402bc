import { readFileSync } from 'node:fs';

/** /proc/sys/net/ipv4/ip_local_port_range as [low, high], or undefined where there is no such file. */
export function parsePortRange(text: string): [number, number] | undefined {
  const [lo, hi] = text.trim().split(/\s+/).map(Number);
  return lo !== undefined && hi !== undefined && Number.isInteger(lo) && Number.isInteger(hi) && lo <= hi ? [lo, hi] : undefined;
}

export function readEphemeralRange(file = '/proc/sys/net/ipv4/ip_local_port_range'): [number, number] | undefined {
  try {
    return parsePortRange(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The listening ports that the kernel may also hand out as the local port of an outgoing connection. */
export function ephemeralConflicts<T extends { port: number }>(ports: T[], range: [number, number]): T[] {
  return ports.filter((p) => p.port >= range[0] && p.port <= range[1]);
}
