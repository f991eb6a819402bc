/** The records of the immediate-block path: what a transaction, a decision and a blocklist entry look like on Kafka. */

/** A card transaction, the value on the transactions topic (key = card). */
export interface Transaction {
  txn_id: string;
  /** The card token (never a PAN): the record key, the blocklist key and the velocity key. */
  card: string;
  /** In the currency's major unit, e.g. 12.34. */
  amount: number;
  merchant: string;
  /** Creation time, epoch milliseconds. */
  ts: number;
}

export type Verdict = 'approve' | 'decline';
/** Why: the blocklist and the velocity rule decline; `ok` approves. */
export type Reason = 'blocklist' | 'velocity' | 'ok';

/** A decision, the value on the decisions topic (key = card). */
export interface Decision {
  txn_id: string;
  card: string;
  decision: Verdict;
  reason: Reason;
  /** What fired, for a person reading the decision: the blocklist entry's reason, or the velocity count. */
  detail: string;
  amount: number;
  txn_ts: number;
  /** When the decision service decided, epoch ms. */
  decided_at: number;
}

/** A blocklist entry, the value on the compacted blocklist topic (key = card; a tombstone lifts the block). */
export interface BlockEntry {
  reason: string;
  [field: string]: unknown;
}

/** Longest card token accepted (tokens are short; a long one is a PAN-plus-something or garbage). */
export const MAX_CARD_LENGTH = 64;

function nonEmptyString(r: Record<string, unknown>, field: string, max = 256): string {
  const v = r[field];
  if (v === undefined) throw new Invalid(`${field} is missing`);
  if (typeof v !== 'string') throw new Invalid(`${field} must be a string, got ${v === null ? 'null' : typeof v}`);
  if (v.trim() === '') throw new Invalid(`${field} is empty`);
  if (v.length > max) throw new Invalid(`${field} is longer than ${max} characters`);
  return v;
}

class Invalid extends Error {}

function object(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Invalid(`expected a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`);
  return raw as Record<string, unknown>;
}

/**
 * The transaction in `raw` (parsed JSON), or what is wrong with it, naming the field. Fields other
 * than the five are ignored. `ts` must be an integer epoch in milliseconds (after 2001: a value in
 * seconds is refused rather than guessed).
 */
export function checkTransaction(raw: unknown): Transaction | string {
  try {
    const r = object(raw);
    const txn_id = nonEmptyString(r, 'txn_id');
    const card = nonEmptyString(r, 'card', MAX_CARD_LENGTH);
    const amount = r.amount;
    if (amount === undefined) return 'amount is missing';
    if (typeof amount !== 'number' || !Number.isFinite(amount)) return `amount must be a finite number, got ${JSON.stringify(amount)}`;
    if (amount <= 0) return `amount must be positive, got ${amount}`;
    const merchant = r.merchant === undefined ? '' : typeof r.merchant === 'string' ? r.merchant : undefined;
    if (merchant === undefined) return `merchant must be a string, got ${typeof r.merchant}`;
    const ts = r.ts;
    if (ts === undefined) return 'ts is missing';
    if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) return `ts must be an integer (epoch ms), got ${JSON.stringify(ts)}`;
    if (ts < 1e12) return `ts ${ts} is not epoch milliseconds (before 2001-09-09: seconds?)`;
    return { txn_id, card, amount, merchant, ts };
  } catch (err) {
    if (err instanceof Invalid) return err.message;
    throw err;
  }
}

/** Reads a record value: the transaction, or the error (bad JSON included). */
export function parseTransaction(value: Buffer | string | null): Transaction | string {
  if (value === null) return 'no value (a tombstone on the transactions topic)';
  const text = typeof value === 'string' ? value : value.toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  return checkTransaction(raw);
}

/** A blocklist record's value: the entry, or what is wrong (the entry must be a JSON object with a non-empty string `reason`). */
export function parseBlockEntry(value: string): BlockEntry | string {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  try {
    const r = object(raw);
    nonEmptyString(r, 'reason');
    return r as BlockEntry;
  } catch (err) {
    if (err instanceof Invalid) return err.message;
    throw err;
  }
}
