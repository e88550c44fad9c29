import { SnapwardConfig } from '../domain/config';
import { Finding } from '../ports/state-store';
import { Subject } from './filters';
import { instanceLabel, spansAccounts } from '../domain/types';
import { humanSeconds } from './format';

/** `instance loss`, `region loss`, `account loss` or `-`: the scenario an RPO finding is about. */
export function findingScenario(f: Finding): string {
  const s = f.detail.scenario;
  return s === 'instanceLoss' ? 'instance loss' : s === 'regionLoss' ? 'region loss' : s === 'accountLoss' ? 'account loss' : '-';
}

/**
 * What a finding says, for people: RPO figures as human durations (`would lose 3h05m, target
 * 1h00m`) rather than the raw seconds of the event detail; other kinds keep their message.
 */
export function findingWhat(f: Finding): string {
  const d = f.detail;
  if (f.kind === 'RPO Breached' && (typeof d.achievedSeconds === 'number' || d.achievedSeconds === null)) {
    const lose = d.achievedSeconds === null ? 'everything (no recovery point)' : humanSeconds(d.achievedSeconds as number);
    const target = typeof d.targetSeconds === 'number' ? `, target ${humanSeconds(d.targetSeconds)}` : '';
    return `would lose ${lose}${target}${typeof d.band === 'string' ? ` (${d.band})` : ''}`;
  }
  return humanizeSeconds(String(d.message ?? ''));
}

/** `cannot meet its 28800s target` reads `cannot meet its 8h00m target` (a minute or more). */
export function humanizeSeconds(text: string): string {
  return text.replace(/\b(\d{2,})s\b/g, (whole, n: string) => (Number(n) >= 60 ? humanSeconds(Number(n)) : whole));
}

/** The finding's subject for the table filters: instance facts from its detail and the config. */
export function findingSubject(f: Finding, config: SnapwardConfig): Subject {
  const configured = config.instances.find((i) => i.id === f.subject);
  const tier = typeof f.detail.tier === 'number' ? f.detail.tier : (configured?.tier ?? null);
  const region = typeof f.detail.sourceRegion === 'string' ? f.detail.sourceRegion : typeof f.detail.region === 'string' ? f.detail.region : (configured?.region ?? null);
  return { id: f.subject, tier, region, drRegion: configured?.drRegion ?? (typeof f.detail.region === 'string' ? f.detail.region : null), product: configured?.product ?? null };
}

/** The account an instance finding is about (from its detail); empty for other findings. */
export function findingAccount(f: Finding): { account?: string; accountName?: string | null } {
  return typeof f.detail.account === 'string' ? { account: f.detail.account, accountName: typeof f.detail.accountName === 'string' ? f.detail.accountName : null } : {};
}

/** The SUBJECT cells of a findings table: an instance names its account when the findings span several. */
export function subjectLabels(findings: readonly Finding[]): (f: Finding) => string {
  const many = spansAccounts(findings.map(findingAccount).filter((w) => w.account));
  return (f) => instanceLabel({ instanceId: f.subject, ...findingAccount(f) }, many);
}
