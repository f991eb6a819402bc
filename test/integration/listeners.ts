import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface Listener {
  pid: number;
  address: string;
  port: number;
}

/**
 * /proc/net/tcp{,6} addresses: four little-endian bytes of IPv4, or four little-endian 32-bit words of
 * IPv6. An IPv4-mapped IPv6 address (a Java server on 127.0.0.1) is given as the IPv4 it is.
 */
function decodeAddress(hex: string): string {
  const bytes = (hex.match(/.{8}/g) as string[]).flatMap((w) => (w.match(/../g) as string[]).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] as number) * 256 + (bytes[2 * i + 1] as number)).toString(16));
  return groups.join(':');
}

/** Listening TCP sockets by inode, from the kernel's tables (what the OS says, not what our config says). */
function listeningSockets(): Map<string, { address: string; port: number }> {
  const out = new Map<string, { address: string; port: number }>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue;
      const [addr, port] = (f[1] as string).split(':') as [string, string];
      out.set(f[9] as string, { address: decodeAddress(addr), port: parseInt(port, 16) });
    }
  }
  return out;
}

/** Every TCP port the given processes listen on. */
export function listenersOf(pids: number[]): Listener[] {
  const sockets = listeningSockets();
  const out: Listener[] = [];
  for (const pid of pids) {
    const dir = `/proc/${pid}/fd`;
    for (const fd of readdirSync(dir)) {
      let target: string;
      try {
        target = readlinkSync(join(dir, fd));
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      const s = inode === undefined ? undefined : sockets.get(inode);
      if (s !== undefined) out.push({ pid, ...s });
    }
  }
  return out;
}
