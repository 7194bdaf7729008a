/** ISO 8601 weeks (Monday to Sunday, UTC; week 1 holds the year's first Thursday). */

const DAY = 24 * 3600 * 1000;

/** Monday 00:00 UTC of the week holding `t` (ms since the epoch). */
export function weekStart(t: number): number {
  const d = new Date(t);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return midnight - ((d.getUTCDay() + 6) % 7) * DAY;
}

/** `2026-W03` for the week holding `t`. */
export function isoWeek(t: number): string {
  const monday = weekStart(t);
  const thursday = new Date(monday + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const week1 = weekStart(Date.UTC(year, 0, 4));
  const n = Math.floor((monday - week1) / (7 * DAY)) + 1;
  return `${year}-W${String(n).padStart(2, '0')}`;
}

/** The `n` weeks ending with the one holding `t`, oldest first: each week's label and exclusive end. */
export function weeksBack(t: number, n: number): { week: string; start: number; end: number }[] {
  const last = weekStart(t);
  const out: { week: string; start: number; end: number }[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const start = last - i * 7 * DAY;
    out.push({ week: isoWeek(start), start, end: start + 7 * DAY });
  }
  return out;
}
