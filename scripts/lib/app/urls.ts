/** The app's live dashboard page from its map page URL (whose ?token=, if any, is kept: it sets the cookie). */
export function liveDashboardUrl(pageUrl: string, params: { range?: string; row?: string } = {}): string {
  const u = new URL(pageUrl);
  u.pathname = '/dashboard';
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}
