import { networkInterfaces } from 'node:os';
import { $ } from 'zx';

/**
 * Where a producer on the host serves /metrics for the containerised Prometheus, which scrapes
 * host.docker.internal, mapped to `host-gateway` (compose.yml). That name is the engine's view of the
 * host: on Docker Desktop a proxy that arrives on the host's loopback; on a Linux engine the address of
 * the default bridge (docker0), which is this host's own address on a network only containers are on,
 * and which containers of any compose network reach. Either is narrower than every interface: 0.0.0.0
 * would serve the port to the LAN.
 */
export interface EngineView {
  /** `docker info`'s OperatingSystem ("Docker Desktop" there). */
  operatingSystem: string;
  /** The default bridge network's gateway as the engine reports it (newer engines), if any. */
  bridgeGateway?: string;
  /** Its Linux interface (`com.docker.network.bridge.name`, docker0 by default). */
  bridgeInterface?: string;
}

export function metricsHostFor(engine: EngineView, interfaces = networkInterfaces()): string {
  if (/docker desktop/i.test(engine.operatingSystem)) return '127.0.0.1';
  if (engine.bridgeGateway) return engine.bridgeGateway;
  const name = engine.bridgeInterface ?? 'docker0';
  const v4 = interfaces[name]?.find((a) => a.family === 'IPv4');
  if (v4 === undefined) {
    throw new Error(`find the Docker host gateway for the producer's /metrics: the engine's default bridge (${name}) has no IPv4 address on this host; is the engine local, with its default bridge?`);
  }
  return v4.address;
}

/** What the engine answering `docker` says about itself and its default bridge. */
export async function engineView(): Promise<EngineView> {
  const q = $({ quiet: true });
  const operatingSystem = (await q`docker info --format ${'{{.OperatingSystem}}'}`).stdout.trim();
  if (/docker desktop/i.test(operatingSystem)) return { operatingSystem };
  const bridge = JSON.parse((await q`docker network inspect bridge --format ${'{{json .}}'}`).stdout) as { IPAM?: { Config?: Array<{ Gateway?: string }> }; Options?: Record<string, string> };
  return {
    operatingSystem,
    bridgeGateway: bridge.IPAM?.Config?.map((c) => c.Gateway).find((g) => g !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(g)),
    bridgeInterface: bridge.Options?.['com.docker.network.bridge.name'],
  };
}
