import chalk from 'chalk';
import { appKeys, appRedis } from '../app/drivers.ts';
import { startApp, tilesFromEnv } from '../app/server.ts';
import { liveDashboardUrl } from '../app/urls.ts';
import { openRuntime } from '../runtime/index.ts';
import { numberOption, parseCommand, UsageError, type CommandSpec } from '../../../shared/cli.ts';

/**
 * ./scripts/app.mjs (make map): the nearest-drivers API and the live map on 127.0.0.1:APP_PORT (plus
 * RASTRO_PORT_OFFSET), reading the stack's Redis and Prometheus; runs until SIGTERM or Ctrl-C.
 */
export const SPEC: CommandSpec = {
  name: './scripts/app.mjs',
  summary: "the delivery app (make map): the nearest-drivers API and the live map on 127.0.0.1, reading the stack's Redis; runs until Ctrl-C",
  options: {
    port: { type: 'string', value: 'N', description: 'port to serve on (default APP_PORT of config/stack.env, plus RASTRO_PORT_OFFSET)' },
    'poll-ms': { type: 'string', value: 'MS', default: '300', description: 'how often the live map reads Redis (≥ 50)' },
  },
  examples: ['./scripts/app.mjs', 'make map'],
};

export async function main(argv: string[]): Promise<number> {
  const args = parseCommand<{ port?: string; 'poll-ms': string }>(SPEC, argv);
  if (args === undefined) return 0;
  const { values } = args;
  const given = numberOption('port', values.port, { integer: true });
  if (given !== undefined && given > 65535) throw new UsageError(`--port ${values.port}: expected a port number`);
  const pollMs = numberOption('poll-ms', values['poll-ms'], { integer: true, min: 50 }) as number;
  const rt = await openRuntime();
  const port = given ?? rt.stack.ports.app;
  const { redisUrl, prometheusUrl } = rt.addresses;
  const redis = appRedis(rt.access.redis('app'), rt.stack);
  // Not fatal: the app answers 503 and the map says "Redis unreachable" until the stack is up.
  await redis.connect().catch((err: Error) => console.error(chalk.yellow(`app: Redis at ${redisUrl} is not reachable yet (${err.message}); start the stack with make up — the app keeps retrying`)));
  const app = await startApp({ redis, keys: appKeys(rt.stack), prometheusUrl, pollMs, port, token: rt.access.appToken(), tiles: tilesFromEnv() });
  console.log(`${chalk.bold('rastro app')} (Redis ${redisUrl}, Prometheus ${prometheusUrl})`);
  // The page URL carries the token (SECURITY on): open it as printed; the page keeps it in a cookie.
  console.log(`  live map  ${chalk.cyan(app.pageUrl)}`);
  console.log(`  dashboard ${chalk.cyan(liveDashboardUrl(app.pageUrl))}`);
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
