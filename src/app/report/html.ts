import { HISTORY_BANDS, HistoryBand } from '../../domain/history';
import { Scenario } from '../../domain/rpo';
import { formatDuration } from '../../domain/time';
import { escapeHtml as h, historyChart, TIER_COLOURS } from './html-chart';
import { PAGE_SCRIPT, TOKEN_SCRIPT } from './html-script';
import { InstanceRow, ReportModel, TierSummary } from './model';

/**
 * The DR dashboard as one self-contained HTML file: CSS, script and SVG charts inline, no
 * request leaves the page (the icon is a data: URL so a browser does not even ask for
 * /favicon.ico). The table is rendered here, so the file reads with scripts off too; the
 * script only sorts and filters it.
 */
const STYLE = `
:root { --ok:#15803d; --exceeded:#a16207; --severe:#c2410c; --critical:#b91c1c; --unknown:#4b5563; font-family: system-ui, sans-serif; color:#111827; }
body { margin: 0 auto; padding: 16px 24px; max-width: 1600px; background:#f9fafb; }
h1 { font-size: 1.4rem; margin: 0 0 4px; } h2 { font-size: 1.1rem; margin: 24px 0 8px; }
.meta { color:#374151; font-size: .9rem; margin: 0 0 12px; }
.tiers { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 12px; }
.tier { background:#fff; border:1px solid #d1d5db; border-radius: 6px; padding: 10px 12px; }
.tier h3 { margin: 0 0 6px; font-size: 1rem; }
.tier dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 8px; margin: 0; font-size: .85rem; }
.tier dt { font-weight: 600; } .tier dd { margin: 0; }
.count { display: inline-block; margin-right: 6px; white-space: nowrap; }
.band { font-weight: 600; white-space: nowrap; }
.band-compliant { color: var(--ok); } .band-exceeded { color: var(--exceeded); } .band-severe { color: var(--severe); }
.band-critical { color: var(--critical); } .band-unknown { color: var(--unknown); font-style: italic; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
.chart { background:#fff; border:1px solid #d1d5db; border-radius: 6px; margin: 0; padding: 8px; }
.chart svg { width: 100%; height: auto; } .chart figcaption { font-weight: 600; font-size: .9rem; }
.grid { stroke:#e5e7eb; } .axis { font-size: 10px; fill:#4b5563; }
.legend span { margin-right: 12px; font-size: .85rem; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 8px 0; }
.table-wrap { max-height: 70vh; overflow: auto; border:1px solid #d1d5db; background:#fff; }
table { border-collapse: collapse; width: 100%; font-size: .82rem; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e5e7eb; text-align: left; vertical-align: top; }
thead th { position: sticky; top: 0; background:#f3f4f6; z-index: 1; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; text-align: left; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; } th[aria-sort="descending"] button::after { content: " \\25BC"; }
button:focus-visible, select:focus-visible, input:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
tr.problem td:first-child { border-left: 4px solid var(--critical); }
.small { color:#4b5563; font-size: .78rem; } ul.plain { margin: 4px 0; padding-left: 18px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
`;

const SCENARIO_LABEL: Record<Scenario, string> = { instanceLoss: 'instance loss', regionLoss: 'region loss' };
const dur = (seconds: number | null): string => (seconds === null ? 'none' : formatDuration(seconds * 1000));
const band = (b: HistoryBand | null, text: string = b ?? ''): string => `<span class="band band-${b ?? 'unknown'}">${h(text)}</span>`;

function counts(c: Record<HistoryBand, number>, tier: number, scenario: string): string {
  return HISTORY_BANDS.map(
    (b) => `<span class="count" data-tier="${tier}" data-scenario="${scenario}" data-band="${b}"><span class="band band-${b}">${c[b]}</span> ${b}</span>`,
  ).join('');
}

function tierCard(t: TierSummary): string {
  return `<section class="tier" data-tier="${t.tier}" aria-label="tier ${t.tier}">
<h3><span style="color:${TIER_COLOURS[t.tier]}">&#9632;</span> Tier ${t.tier} <span class="small">${t.instances} instance(s); RPO &lt; ${dur(t.rpoTargetSeconds)}, RTO &lt; ${dur(t.rtoTargetSeconds)}</span></h3>
<dl>
<dt>Instance loss</dt><dd>${counts(t.instanceLoss, t.tier, 'instanceLoss')}<br><span class="small">worst ${dur(t.worstAchievedSeconds.instanceLoss)}${t.withoutRecoveryPoint.instanceLoss ? `; ${t.withoutRecoveryPoint.instanceLoss} without any recovery point` : ''}</span></dd>
<dt>Region loss</dt><dd>${counts(t.regionLoss, t.tier, 'regionLoss')}<br><span class="small">worst ${dur(t.worstAchievedSeconds.regionLoss)}${t.withoutRecoveryPoint.regionLoss ? `; ${t.withoutRecoveryPoint.regionLoss} without any recovery point` : ''}</span></dd>
${t.accountLoss ? `<dt>Account loss</dt><dd>${counts(t.accountLoss.counts, t.tier, 'accountLoss')}<br><span class="small">target ${dur(t.accountLoss.targetSeconds)}; worst ${dur(t.accountLoss.worstAchievedSeconds)}</span></dd>` : ''}
<dt>RTO (drill)</dt><dd>${counts(t.rto, t.tier, 'rto')}${t.noDrill ? `<br><span class="small">${t.noDrill} with no drill yet (counted unknown)</span>` : ''}</dd>
${t.notCompliantSince ? `<dt>Since</dt><dd class="tier-since">${band('critical', 'not all compliant')} since ${h(t.notCompliantSince)}</dd>` : ''}
${Object.keys(t.openFindings).length ? `<dt>Why</dt><dd class="tier-why">${Object.entries(t.openFindings).map(([k, n]) => `${n} ${h(k)}`).join(', ')}</dd>` : ''}
</dl></section>`;
}

/** The account-loss column sits after region loss, and only when a vault is configured (issue 16). */
const ACCOUNT_LOSS_COLUMN = { header: 'Account-loss RPO (vault)', numeric: true };
const columnsFor = (model: ReportModel): readonly { header: string; numeric: boolean }[] => (model.vault ? [...COLUMNS.slice(0, 8), ACCOUNT_LOSS_COLUMN, ...COLUMNS.slice(8)] : COLUMNS);

const COLUMNS: readonly { header: string; numeric: boolean }[] = [
  { header: 'Instance', numeric: false },
  { header: 'Tier', numeric: true },
  { header: 'Product', numeric: false },
  { header: 'Region → DR', numeric: false },
  { header: 'Newest primary', numeric: true },
  { header: 'Newest DR copy', numeric: true },
  { header: 'Instance-loss RPO', numeric: true },
  { header: 'Region-loss RPO', numeric: true },
  { header: 'RTO (newest drill)', numeric: true },
  { header: 'Open findings', numeric: true },
  { header: 'Not compliant since', numeric: false },
];

/** Sort key for a band-and-figure cell: worst band first when descending; unknown sorts as worst. */
const BAND_RANK: Record<HistoryBand, number> = { compliant: 0, exceeded: 1, severe: 2, critical: 3, unknown: 4 };
const rpoSort = (b: HistoryBand, a: number | null): string => String(BAND_RANK[b] * 1e10 + (a ?? 9e9));

/** Rows laid out at a time (the script pages through the rest; without scripts all show). */
const PAGE_ROWS = 250;

/** No vault for the instance: `-`; a figure without a target: the age alone; unread: unknown. */
function accountLossCell(r: InstanceRow): string {
  const b = r.band.accountLoss;
  const a = r.achieved.accountLoss;
  if (!r.vault) return '<td data-sort="-1">-</td>'; // not covered: below every figure, so last when the worst come first
  if (b === 'unknown') return `<td data-sort="${rpoSort('unknown', null)}">${band('unknown')}</td>`;
  if (b === null) return `<td data-sort="${a ?? 9e9}">${dur(a)} <span class="small">no target</span></td>`;
  return `<td data-sort="${rpoSort(b, a)}">${dur(a)} ${band(b)}</td>`;
}

function row(r: InstanceRow, hidden: boolean, vault: boolean): string {
  const point = (p: InstanceRow['primary']): string =>
    p ? `<td data-sort="${p.ageSeconds}">${h(p.time.slice(0, 16).replace('T', ' '))}Z<br><span class="small">${dur(p.ageSeconds)} ago</span></td>` : '<td data-sort="">none</td>';
  const rpo = (s: Scenario): string =>
    `<td data-sort="${rpoSort(r.band[s], r.achieved[s])}">${r.band[s] === 'unknown' ? '' : `${dur(r.achieved[s])} `}${band(r.band[s])}</td>`;
  const rto =
    r.rto.status === 'no-drill'
      ? `<td data-sort="">no drill yet</td>`
      : `<td data-sort="${(r.rto.band ? BAND_RANK[r.rto.band] : 4) * 1e10 + (r.rto.seconds ?? 0)}">${dur(r.rto.seconds)} ${band(r.rto.band)}</td>`;
  const byKind = new Map<string, number>();
  for (const f of r.openFindings) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const findings = [...byKind].map(([kind, n]) => `${h(kind)}${n > 1 ? ` ×${n}` : ''}`).join('<br>');
  const errors = r.errors.length ? `<br><span class="small" title="${h(r.errors.join('; '))}">could not be read</span>` : '';
  return `<tr data-instance="${h(r.instanceId)}" data-tier="${r.tier}" data-region="${h(r.region)}" data-dr-region="${h(r.drRegion)}" data-product="${h(r.product ?? '')}" data-problem="${r.problem}"${r.problem ? ' class="problem"' : ''}${hidden ? ' hidden' : ''}>
<td data-sort="${h(r.label)}">${h(r.label)}${r.kind === 'cluster' ? ' <span class="small">(cluster)</span>' : ''}${errors}</td><td data-sort="${r.tier}">${r.tier}</td><td>${h(r.product ?? '')}</td><td>${h(r.region)} → ${h(r.drRegion)}</td>${point(r.primary)}${point(r.dr)}${rpo('instanceLoss')}${rpo('regionLoss')}${vault ? accountLossCell(r) : ''}${rto}<td data-sort="${r.openFindings.length}">${findings}</td><td>${h(r.notCompliantSince ?? '')}</td></tr>`;
}

function list(items: readonly string[], empty: string): string {
  return items.length ? `<ul class="plain">${items.map((i) => `<li>${i}</li>`).join('')}</ul>` : `<p class="small">${h(empty)}</p>`;
}

export function renderReportHtml(model: ReportModel): string {
  const regions = [...new Set(model.instances.flatMap((i) => [i.region, i.drRegion]))].sort();
  const open = model.findings.open.map(
    (f) =>
      `${h(f.kind)}: <strong>${h(f.subject)}</strong>, open ${dur(f.ageSeconds)} (since ${h(f.openedAt.slice(0, 16).replace('T', ' '))}Z); alert ${f.notifiedAt ? `sent ${h(f.notifiedAt.slice(0, 16).replace('T', ' '))}Z` : 'not delivered yet'}; ${f.acknowledged ? `acknowledged by ${h(f.acknowledged.by)} until ${h(f.acknowledged.until.slice(0, 16).replace('T', ' '))}Z: ${h(f.acknowledged.reason)}` : 'not acknowledged'}`,
  );
  const replication = model.replication.map(
    (a) =>
      `${h(a.name)} (tier ${a.tier}): ${a.verifiedAt === null ? band('unknown', 'never verified') : `${a.achievedSeconds === 0 ? 'nothing missing' : `oldest missing ${dur(a.achievedSeconds)}`} ${band(a.compliant ? 'compliant' : 'critical', a.compliant ? 'within target' : 'breached')}${a.ok === false ? ' (problems found)' : ''}; last verified ${h(a.verifiedAt.slice(0, 16).replace('T', ' '))}Z`}`,
  );
  const drills = model.drills.available
    ? list(model.drills.due.map((d) => `${h(d.instanceId)}: ${d.overdue ? band('critical', 'overdue') : 'due'} ${h(d.dueAt.slice(0, 10))}`), 'no drill due')
    : '<p class="small">Restore drills are not available in this build: every RTO reads "no drill yet".</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>snapward DR dashboard</title><style>${STYLE}</style></head>
<body>
<header><h1>snapward DR dashboard</h1>
<p class="meta">Generated <time datetime="${model.generatedAt}" id="generated-at">${h(model.generatedAt.replace('T', ' ').slice(0, 19))}Z</time> from <code id="source">${h(model.source)}</code>; findings and runs since ${h(model.since.slice(0, 10))}.</p></header>
<main>
<h2>Fleet at a glance</h2>
<div class="tiers">${model.tiers.map(tierCard).join('')}</div>
<h2>Compliance, last 30 days</h2>
<p class="legend">${[0, 1, 2, 3].map((t) => `<span><span style="color:${TIER_COLOURS[t]}">${['&#9679;', '&#9632;', '&#9650;', '&#9670;'][t]}</span> tier ${t}</span>`).join('')}<span class="small">share of a tier's instances compliant that day (worst seen that day); a day with no record is a gap. ${model.history.recordedDays} day(s) recorded.</span></p>
<div class="charts">${historyChart(model.history, 'instanceLoss', 'Instance loss: share compliant')}${historyChart(model.history, 'regionLoss', 'Region loss: share compliant')}</div>
<h2 id="instances-heading">Instances</h2>
<div class="filters" role="group" aria-label="filters">
<label>Tier <select id="filter-tier"><option value="">all</option>${[0, 1, 2, 3].map((t) => `<option value="${t}">${t}</option>`).join('')}</select></label>
<label>Region <select id="filter-region"><option value="">all</option>${regions.map((r) => `<option value="${h(r)}">${h(r)}</option>`).join('')}</select></label>
<label><input type="checkbox" id="filter-problems"> Problems only</label>
<label>Search <input type="search" id="filter-text" placeholder="instance or product"></label>
<span id="shown-count" aria-live="polite">Showing ${Math.min(PAGE_ROWS, model.instances.length)} of ${model.instances.length} matching (${model.instances.length} instances)</span>
<span id="sort-status" class="sr-only" aria-live="polite"></span>
</div>
${model.vault ? `<p class="small">Account loss: the newest copy in vault account ${h(model.vault.account)} (production account lost or compromised); judged only where the tier sets an accountLossRpo target, "-" where the vault does not cover the instance.</p>` : ''}
<p class="small">Problems: any band other than compliant (unknown included), a drill RTO band other than compliant, or an open finding. Sort by any column with its header button (Enter or Space).</p>
<div class="table-wrap"><table id="instances" aria-labelledby="instances-heading">
<thead><tr>${columnsFor(model).map((c) => `<th scope="col" data-numeric="${c.numeric}"><button type="button">${h(c.header)}</button></th>`).join('')}</tr></thead>
<tbody>${model.instances.map((r, i) => row(r, i >= PAGE_ROWS, model.vault !== null)).join('\n')}</tbody></table></div>
<p><button type="button" id="show-more"${model.instances.length > PAGE_ROWS ? '' : ' hidden'}>Show ${PAGE_ROWS} more</button> <button type="button" id="show-all"${model.instances.length > PAGE_ROWS ? '' : ' hidden'}>Show all</button></p>
<noscript><style>#instances tr[hidden] { display: table-row; } #show-more, #show-all { display: none; }</style></noscript>
<h2>Open findings (${model.findings.open.length})</h2>${list(open, 'no open finding')}
<h2>Restore drills due or overdue</h2>${drills}
<h2>S3 replication</h2>${list(replication, 'no attachment pair configured')}
<h2>Copy capacity per DR region</h2><p class="small">${model.copyCapacity === null ? 'Not reported by the engine yet.' : ''}</p>
<h2>Not observed</h2>${list(model.unobserved.map(h), 'everything above was observed')}
${model.problems.length ? `<h2>Fleet problems</h2>${list(model.problems.map(h), '')}` : ''}
</main>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}

/** What `serve` answers on `/` when a token is needed and the request had none (no data in it). */
export function renderTokenPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>snapward DR dashboard: token</title><style>${STYLE}</style></head>
<body><h1>snapward DR dashboard</h1>
<form id="token-form"><label>Access token <input type="password" id="token" autocomplete="off" required></label> <button type="submit">Open</button></form>
<p id="token-message" role="alert"></p>
<script>${TOKEN_SCRIPT}</script></body></html>
`;
}
