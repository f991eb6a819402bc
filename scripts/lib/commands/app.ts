import chalk from 'chalk';
import { parseArgs } from 'node:util';
import { appRedis } from '../app/drivers.ts';
import { startApp } from '../app/server.ts';
import { openRuntime } from '../runtime/index.ts';

/**
 * ./scripts/app.mjs (make map): the nearest-drivers API and the live map on 127.0.0.1:APP_PORT (plus
 * RASTRO_PORT_OFFSET), reading the stack's Redis and Prometheus; runs until SIGTERM or Ctrl-C.
 */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, 'poll-ms': { type: 'string' } } });
  const rt = await openRuntime();
  const port = values.port === undefined ? rt.stack.ports.app : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: expected a port number`);
  const pollMs = Number(values['poll-ms'] ?? '300');
  if (!Number.isInteger(pollMs) || pollMs < 50) throw new Error(`--poll-ms ${values['poll-ms']}: expected an integer ≥ 50`);
  const { redisUrl, prometheusUrl } = rt.addresses;
  const redis = appRedis(rt.access.redis('app'));
  // Not fatal: the app answers 503 and the map says "Redis unreachable" until the stack is up.
  await redis.connect().catch((err: Error) => console.error(chalk.yellow(`app: Redis at ${redisUrl} is not reachable yet (${err.message}); start the stack with make up — the app keeps retrying`)));
  const app = await startApp({ redis, keys: { geoKey: rt.stack.redisGeoKey, keyPrefix: rt.stack.redisKeyPrefix }, prometheusUrl, pollMs, port, token: rt.access.appToken() });
  console.log(`${chalk.bold('rastro app')} (Redis ${redisUrl}, Prometheus ${prometheusUrl})`);
  // The page URL carries the token (SECURITY on): open it as printed; the page keeps it in a cookie.
  console.log(`  live map  ${chalk.cyan(app.pageUrl)}`);
  console.log(`  API       ${app.url}/drivers/nearest?lat=-23.55&lon=-46.63   ${app.url}/drivers/<id>   ${app.url}/health`);
  if (rt.access.secure) console.log(`            each with ${rt.access.appCurlAuthDisplay().trim()} (curl)`);
  console.log(chalk.dim('Ctrl-C stops it.'));
  const signal = await new Promise<NodeJS.Signals>((resolveP) => {
    process.once('SIGINT', () => resolveP('SIGINT'));
    process.once('SIGTERM', () => resolveP('SIGTERM'));
  });
  console.log(`app: ${signal}, stopping`);
  await app.close();
  redis.disconnect();
  return 0;
}
