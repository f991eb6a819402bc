// What producer/bin/produce.mjs runs, bundled by producer/build.mjs: the CLI, and the colour rule it applies first.
export { main } from './cli.ts';
export { colorLevel } from '../../shared/cli.ts';
