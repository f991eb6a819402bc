#!/usr/bin/env node
// Prints the vitest JSON report's totals and, for each failed test, its name and the first lines of
// its error, as the last lines of `make test`: CI logs are often read from their tail only.
import { readFileSync } from 'node:fs';

/** @typedef {{ status: string; fullName: string; failureMessages?: string[] }} Assertion */
/** @typedef {{ name: string; status: string; message?: string; assertionResults?: Assertion[] }} FileResult */
/** @typedef {{ numPassedTests: number; numFailedTests: number; success?: boolean; testResults?: FileResult[] }} Report */

const file = process.argv[2] ?? '.rastro/vitest.json';
/** @type {Report} */
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`read vitest report ${file}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
/** @param {string} s */
const strip = (s) => s.replace(/\u001b\[[0-9;]*m/g, '');
/** @type {Array<{ where: string; messages: string[] }>} */
const failed = [];
for (const f of report.testResults ?? []) {
  const rel = f.name.replace(`${process.cwd()}/`, '');
  const assertions = f.assertionResults ?? [];
  for (const a of assertions) if (a.status === 'failed') failed.push({ where: `${rel} > ${a.fullName}`, messages: a.failureMessages ?? [] });
  // A file that failed outside any test (a hook, an import) has no failed assertion to show.
  if (f.status === 'failed' && !assertions.some((a) => a.status === 'failed')) failed.push({ where: rel, messages: [f.message ?? 'failed outside a test'] });
}
for (const { where, messages } of failed) {
  console.log(`FAILED ${where}`);
  for (const m of messages) for (const line of strip(m).split('\n').filter((l) => !/^\s+at .*node_modules/.test(l)).slice(0, 8)) console.log(`  ${line}`);
}
// A global setup that throws (a stack that could not start) fails the run without failing a test.
if (report.success === false && failed.length === 0) console.log('FAILED outside every test (global setup or an unhandled error): see "Unhandled Error" above');
console.log(`vitest: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
