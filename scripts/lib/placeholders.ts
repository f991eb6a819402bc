/**
 * Replaces `${stack:NAME}` with the value of NAME from config/stack.env. Other `${provider:…}`
 * references (Connect's `${env:…}`) are left for the Connect worker to resolve.
 */
export function renderStackPlaceholders(text: string, vars: ReadonlyMap<string, string>, source: string): string {
  return text.replace(/\$\{stack:([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const v = vars.get(name);
    if (v === undefined) throw new Error(`${source}: \${stack:${name}} is not defined in config/stack.env`);
    return v;
  });
}
