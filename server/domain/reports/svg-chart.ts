/** A small inline SVG line chart (no scripts, no external assets: safe in email and offline). */
export function lineChartSvg(points: Array<{ date: string; value: number }>, opts: { title: string; color?: string; width?: number; height?: number }): string {
  const width = opts.width ?? 560;
  const height = opts.height ?? 160;
  const pad = { left: 48, right: 12, top: 24, bottom: 24 };
  const color = opts.color ?? '#4f46e5';
  const title = escapeXml(opts.title);
  if (points.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${title}: no data"><text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-family="sans-serif" font-size="12" fill="#64748b">No data for ${title}</text></svg>`;
  }
  const max = Math.max(...points.map((p) => p.value), 0);
  const min = Math.min(...points.map((p) => p.value), 0);
  const span = max - min || 1;
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const x = (i: number) => pad.left + (points.length === 1 ? w / 2 : (i / (points.length - 1)) * w);
  const y = (v: number) => pad.top + h - ((v - min) / span) * h;
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const fmt = (v: number) => (Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(Math.round(v * 100) / 100));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}">`,
    `<text x="${pad.left}" y="14" font-family="sans-serif" font-size="12" font-weight="600" fill="#334155">${title}</text>`,
    `<line x1="${pad.left}" y1="${pad.top + h}" x2="${width - pad.right}" y2="${pad.top + h}" stroke="#cbd5e1"/>`,
    `<text x="${pad.left - 6}" y="${pad.top + 4}" text-anchor="end" font-family="sans-serif" font-size="10" fill="#64748b">${fmt(max)}</text>`,
    `<text x="${pad.left - 6}" y="${pad.top + h}" text-anchor="end" font-family="sans-serif" font-size="10" fill="#64748b">${fmt(min)}</text>`,
    `<text x="${pad.left}" y="${height - 6}" font-family="sans-serif" font-size="10" fill="#64748b">${escapeXml(points[0].date)}</text>`,
    `<text x="${width - pad.right}" y="${height - 6}" text-anchor="end" font-family="sans-serif" font-size="10" fill="#64748b">${escapeXml(points[points.length - 1].date)}</text>`,
    `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`,
    // A single day has no line to draw: mark it.
    points.length === 1 ? `<circle cx="${x(0).toFixed(1)}" cy="${y(points[0].value).toFixed(1)}" r="3" fill="${color}"/>` : '',
    '</svg>',
  ].join('');
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
