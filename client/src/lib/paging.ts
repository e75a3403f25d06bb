/** Paging of the console's lists. Pure: unit-tested. */

/** The page numbers to offer around `page`: the first, the last, and two either side, with gaps as null. */
export function pageWindow(page: number, pages: number, around = 2): Array<number | null> {
  const want = new Set([1, pages]);
  for (let p = page - around; p <= page + around; p++) if (p >= 1 && p <= pages) want.add(p);
  const sorted = [...want].sort((a, b) => a - b);
  const out: Array<number | null> = [];
  for (const p of sorted) {
    const last = out.at(-1);
    if (typeof last === 'number' && p - last > 1) out.push(p - last === 2 ? p - 1 : null);
    out.push(p);
  }
  return out;
}
