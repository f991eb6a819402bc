import { stripAnsi, type ChapterId } from './transcript.ts';
import { NODE_IDS } from '../../../shared/stack.ts';

/** The numbers the narration speaks, read from the demo's and the chaos run's own output. */
export interface RunNumbers {
  brokers: number;
  events?: number;
  eventRate?: number;
  drivers?: number;
  mirror?: string;
  victim?: string;
  chaosEvents?: number;
  lost?: number;
  resumedS?: number;
  replicatedS?: number;
  verdict?: 'PASS' | 'FAIL';
}

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));

/** Parses the demo's Summary block and the chaos Verdict block (either output may be missing). */
export function parseNumbers(demoOut: string, chaosOut: string, brokers = NODE_IDS.length): RunNumbers {
  const d = stripAnsi(demoOut);
  const c = stripAnsi(chaosOut);
  const events = /events produced\s+(\d+)\s+\((\d+) events\/s\)/.exec(d);
  const verdict = /^verdict\s+(PASS|FAIL)/m.exec(c)?.[1];
  return {
    brokers,
    events: num(events?.[1]),
    eventRate: num(events?.[2]),
    drivers: num(/^drivers\s+(\d+)/m.exec(d)?.[1]),
    mirror: /^mirror check\s+(PASS|FAIL)/m.exec(d)?.[1],
    victim: /^broker (?:stopped|killed)\s+(kafka-\d+)/m.exec(c)?.[1],
    chaosEvents: num(/^events acknowledged\s+(\d+)/m.exec(c)?.[1]),
    lost: num(/^records lost\s+(\d+)/m.exec(c)?.[1]),
    resumedS: num(/^writes resumed after\s+([\d.]+) s/m.exec(c)?.[1]),
    replicatedS: num(/^fully replicated after\s+([\d.]+) s/m.exec(c)?.[1]),
    verdict: verdict === 'PASS' || verdict === 'FAIL' ? verdict : undefined,
  };
}

/** A number as espeak should say it: whole, or one decimal for seconds. */
function say(n: number | undefined, what: string, decimals = 0): string {
  return n === undefined ? `an unknown number of ${what}` : `${n.toFixed(decimals)} ${what}`;
}

/** What the narrator says over each chapter: sentences built only from the run's numbers. */
export function narration(n: RunNumbers): Record<ChapterId, string[]> {
  const victim = n.victim ?? 'one broker';
  return {
    topology: [`This run starts a Kafka cluster of ${n.brokers} nodes in KRaft mode.`, 'Each node is a broker and a controller, and every partition has three replicas.'],
    topic: ['The driver locations topic is compacted, keyed by driver id.', 'Kafka keeps the newest position of each driver.'],
    connector: ['Kafka Connect runs our Redis sink connector.', 'It writes each driver as one Redis hash.'],
    producer: [`The producer sent ${say(n.events, 'events')} from ${say(n.drivers, 'drivers')}, with acks all.`, ...(n.eventRate !== undefined ? [`That is ${n.eventRate} events per second.`] : [])],
    redis: [`The mirror check compares Redis with the topic: ${n.mirror === 'PASS' ? 'it passed' : n.mirror === 'FAIL' ? 'it failed' : 'see the report'}.`, 'Redis holds exactly one current record per driver.'],
    chaos: [`Under load, ${victim} is stopped.`, `Writes resumed after ${say(n.resumedS, 'seconds', 1)}, with two brokers up.`, `After the restart, every partition was fully replicated in ${say(n.replicatedS, 'seconds', 1)}.`],
    verdict: [`Records lost: ${n.lost ?? 'unknown'}.`, `The verdict is ${n.verdict === 'PASS' ? 'pass' : n.verdict === 'FAIL' ? 'fail' : 'unknown'}.`],
  };
}
