/** Parses a dotenv-style file (KEY=VALUE, `#` comments, blank lines). No interpolation, no quotes magic. */
export function parseEnvFile(text: string, source = 'env file'): Map<string, string> {
  const out = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`${source}:${i + 1}: expected KEY=VALUE, got ${JSON.stringify(raw)}`);
    const [, key, value] = m as unknown as [string, string, string];
    if (out.has(key)) throw new Error(`${source}:${i + 1}: ${key} is defined twice`);
    out.set(key, value.replace(/^"(.*)"$/, '$1'));
  });
  return out;
}
