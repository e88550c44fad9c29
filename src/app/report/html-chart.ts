import { Scenario } from '../../domain/rpo';
import { ReportModel } from './model';

/** Tier colours (distinguishable in greyscale too: each tier also has its own marker shape). */
export const TIER_COLOURS = ['#b91c1c', '#c2410c', '#1d4ed8', '#4b5563'] as const;
const W = 640;
const H = 220;
const PAD = { left: 44, right: 12, top: 12, bottom: 36 };

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * One scenario's 30-day history as an inline SVG: a line per tier of the share of its instances
 * compliant each day; a day without a record breaks the line (a gap, never a zero). Every
 * recorded day is a marker with its figure in a <title>, so the chart reads without colour.
 */
export function historyChart(history: ReportModel['history'], scenario: Scenario, title: string): string {
  const n = history.days.length;
  const x = (i: number): number => PAD.left + (n <= 1 ? 0 : (i * (W - PAD.left - PAD.right)) / (n - 1));
  const y = (share: number): number => PAD.top + (1 - share) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [];
  for (const tick of [0, 0.5, 1]) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(tick)}" y2="${y(tick)}" class="grid"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y(tick) + 4}" text-anchor="end" class="axis">${tick * 100}%</text>`);
  }
  history.days.forEach((day, i) => {
    if (i % 7 === 0 || (i === n - 1 && i % 7 >= 3)) parts.push(`<text x="${x(i)}" y="${H - PAD.bottom + 16}" text-anchor="middle" class="axis">${day.slice(5)}</text>`);
  });
  const series = history.series.filter((s) => s.scenario === scenario);
  for (const s of series) {
    const colour = TIER_COLOURS[s.tier];
    let d = '';
    let pen = false;
    s.points.forEach((p, i) => {
      if (p === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(p).toFixed(1)}`;
      pen = true;
    });
    parts.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2" class="line" data-tier="${s.tier}"/>`);
    s.points.forEach((p, i) => {
      if (p === null) return;
      const label = `tier ${s.tier}, ${history.days[i]}: ${Math.round(p * 1000) / 10}% compliant`;
      parts.push(marker(s.tier, x(i), y(p), colour, `<title>${escapeHtml(label)}</title>`, history.days[i] as string, scenario));
    });
  }
  const empty = series.length === 0 ? `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="axis">no compliance recorded in these 30 days</text>` : '';
  return `<figure class="chart"><figcaption>${escapeHtml(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}" data-scenario="${scenario}">${parts.join('')}${empty}</svg></figure>`;
}

function marker(tier: number, cx: number, cy: number, colour: string, title: string, day: string, scenario: Scenario): string {
  const data = `class="point" data-tier="${tier}" data-day="${day}" data-scenario="${scenario}" fill="${colour}"`;
  const [px, py] = [cx.toFixed(1), cy.toFixed(1)];
  switch (tier) {
    case 0:
      return `<circle cx="${px}" cy="${py}" r="3.5" ${data}>${title}</circle>`;
    case 1:
      return `<rect x="${(cx - 3.5).toFixed(1)}" y="${(cy - 3.5).toFixed(1)}" width="7" height="7" ${data}>${title}</rect>`;
    case 2:
      return `<polygon points="${px},${(cy - 4.5).toFixed(1)} ${(cx + 4.5).toFixed(1)},${(cy + 3.5).toFixed(1)} ${(cx - 4.5).toFixed(1)},${(cy + 3.5).toFixed(1)}" ${data}>${title}</polygon>`;
    default:
      return `<polygon points="${px},${(cy - 4.5).toFixed(1)} ${(cx + 4.5).toFixed(1)},${py} ${px},${(cy + 4.5).toFixed(1)} ${(cx - 4.5).toFixed(1)},${py}" ${data}>${title}</polygon>`;
  }
}
