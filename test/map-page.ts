// The live map page as the browser tests drive it (unit: a private Redis; integration: the stack).
import type { Page } from 'playwright-core';

/** A driver as the page holds it (window.rastroMap): its data, where its Leaflet marker is, and whether it is shown. */
export function pageDriver(page: Page, id: string): Promise<{ lat: number; lon: number; status: string; marker: [number, number]; shown: boolean } | undefined> {
  return page.evaluate((i) => (window as any).rastroMap.driver(i), id);
}

/**
 * Zooms the map in on (lat, lon), where no cluster hides a marker, and clicks the map 14 px east of it:
 * beside a driver's marker (a click on the marker itself opens its popup, not a search).
 */
export async function clickBeside(page: Page, lat: number, lon: number): Promise<void> {
  const point = await page.evaluate(([la, lo]) => {
    const m = (window as any).rastroMap.map;
    m.setView([la, lo], 16, { animate: false });
    const p = m.latLngToContainerPoint([la, lo]);
    const r = m.getContainer().getBoundingClientRect();
    return { x: r.left + p.x + 14, y: r.top + p.y };
  }, [lat, lon] as const);
  await page.mouse.click(point.x, point.y);
}
