import { checkEvent, type LocationEvent } from '../../shared/event.ts';

export type LineResult =
  | { kind: 'event'; event: LocationEvent }
  | { kind: 'banner'; message: string }
  | { kind: 'blank' }
  | { kind: 'invalid'; error: string };

/**
 * One stdin line as the course's Python simulator prints it: JSON objects are events; lines that
 * do not look like JSON (banners, progress text) are skipped with a warning; JSON that fails to
 * parse or validate is rejected with the line number and the field.
 */
export function parseLine(line: string, lineNo: number): LineResult {
  const text = line.trim();
  if (text === '') return { kind: 'blank' };
  if (!text.startsWith('{') && !text.startsWith('[')) return { kind: 'banner', message: `stdin line ${lineNo}: skipped non-JSON line ${JSON.stringify(text.slice(0, 80))}` };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { kind: 'invalid', error: `stdin line ${lineNo}: bad JSON (${(err as Error).message})` };
  }
  const v = checkEvent(raw);
  return typeof v === 'string' ? { kind: 'invalid', error: `stdin line ${lineNo}: ${v}` } : { kind: 'event', event: v };
}
