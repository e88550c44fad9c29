import { Command, Option } from 'commander';
import { REGION_PATTERN } from '../../config/schema';
import { usageError } from './errors';

/**
 * The filters every big table takes (`status`, `check`, `findings`, `runs`; `show` needs none):
 * lists are comma-separated and repeatable; `--instance` accepts `*` wildcards.
 */
export interface TableFilter {
  readonly instance: readonly string[];
  readonly tier: readonly number[];
  readonly region: readonly string[];
  readonly product: readonly string[];
  /** Only rows with a problem: a band other than compliant (unknown included), an error, an open finding. */
  readonly problems: boolean;
}

/** What a row is about, for matching. Absent facts never match a filter on them. */
export interface Subject {
  readonly id: string;
  readonly tier?: number | null;
  readonly region?: string | null;
  readonly drRegion?: string | null;
  readonly product?: string | null;
}

const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

export function addFilterOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--instance <ids>', 'only these instances (comma-separated; * matches any characters)').argParser(collect))
    .addOption(new Option('--tier <tiers>', 'only these tiers (e.g. 0,1)').argParser(collect))
    .addOption(new Option('--region <regions>', 'only instances whose primary or DR region is one of these').argParser(collect))
    .addOption(new Option('--product <names>', 'only these products').argParser(collect))
    .option('--problems', 'only problems: any band other than compliant (unknown included), an error, or an open finding');
}

/** Validates the filter options: a bad tier or region is a usage error naming the value. */
export function filterFrom(opts: { instance?: string[]; tier?: string[]; region?: string[]; product?: string[]; problems?: boolean }): TableFilter {
  const tier = (opts.tier ?? []).map((t) => {
    if (!/^[0-3]$/.test(t)) throw usageError('--tier', t, 'a tier 0..3 (comma-separated for several)');
    return Number(t);
  });
  const region = (opts.region ?? []).map((r) => {
    if (!REGION_PATTERN.test(r)) throw usageError('--region', r, 'an AWS region code like us-east-1');
    return r;
  });
  return { instance: (opts.instance ?? []).map((i) => i.toLowerCase()), tier, region, product: opts.product ?? [], problems: Boolean(opts.problems) };
}

export const NO_FILTER: TableFilter = { instance: [], tier: [], region: [], product: [], problems: false };

export function isFiltered(f: TableFilter): boolean {
  return f.instance.length + f.tier.length + f.region.length + f.product.length > 0 || f.problems;
}

const globToRegExp = (glob: string): RegExp => new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');

/** The subject filters (all but --problems, which each command judges on its own rows). */
export function matchesSubject(f: TableFilter, s: Subject): boolean {
  if (f.instance.length && !f.instance.some((g) => globToRegExp(g).test(s.id))) return false;
  if (f.tier.length && (s.tier === null || s.tier === undefined || !f.tier.includes(s.tier))) return false;
  if (f.region.length && !f.region.some((r) => r === s.region || r === s.drRegion)) return false;
  if (f.product.length && (!s.product || !f.product.includes(s.product))) return false;
  return true;
}

/** `tier 0,1; region us-east-1; problems only` for the summary line under a filtered table. */
export function describeFilter(f: TableFilter): string {
  const parts: string[] = [];
  if (f.instance.length) parts.push(`instance ${f.instance.join(',')}`);
  if (f.tier.length) parts.push(`tier ${f.tier.join(',')}`);
  if (f.region.length) parts.push(`region ${f.region.join(',')}`);
  if (f.product.length) parts.push(`product ${f.product.join(',')}`);
  if (f.problems) parts.push('problems only');
  return parts.join('; ');
}

/** A band is a problem unless it is `compliant`: exceeded, severe, critical, and unknown alike. */
export const isProblemBand = (band: string): boolean => band !== 'compliant';

/**
 * Rows for people: problems first, then by tier (0 first), then by id in natural order (`db-2`
 * before `db-10`). Stable and total, so the same fleet always prints in the same order.
 */
export function problemsFirst<T>(rows: readonly T[], key: (row: T) => { problem: boolean; tier: number | null; id: string }): T[] {
  return rows
    .map((row) => ({ row, k: key(row) }))
    .sort((a, b) => Number(b.k.problem) - Number(a.k.problem) || (a.k.tier ?? 99) - (b.k.tier ?? 99) || byId(a.k.id, b.k.id))
    .map((x) => x.row);
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });
const byId = (a: string, b: string): number => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
