import { SnapwardError, toErrorInfo } from '../domain/errors';
import { Database, DbKind, FleetMember } from '../domain/types';
import { DAY } from '../domain/time';
import { PreflightProbe } from '../ports/preflight';
import { DatabaseCatalog } from './catalog';
import { AppDeps } from './deps';
import { resolveFleet } from './fleet';
import { vaultItems } from './doctor-vault';
import { memberHint } from './instance-hints';

export type DoctorState = 'ok' | 'problem' | 'could-not-check';

export interface DoctorItem {
  readonly area: 'credentials' | 'account' | 'region' | 'instance' | 'discovery' | 'kms-key' | 'state-store' | 'alert-bus' | 'snapshot-quota' | 'copy-capacity' | 'vault';
  readonly subject: string;
  readonly state: DoctorState;
  readonly detail: string;
  /** What to do about it; null when nothing is needed. */
  readonly fix: string | null;
}

export interface DoctorReport {
  readonly at: Date;
  readonly items: readonly DoctorItem[];
  /** No item is a problem (items that could not be checked do not count against it). */
  readonly ok: boolean;
  readonly counts: Record<DoctorState, number>;
}

/** The state file as the doctor found it (the SQLite adapter's inspection, without changing it). */
export interface StoreCheck {
  readonly path: string;
  readonly exists: boolean;
  readonly writable: boolean | null;
  readonly schemaVersion: number | null;
  readonly currentVersion: number;
  readonly problem: string | null;
}

const SNAPSHOT_QUOTA: Record<DbKind, string> = { instance: 'ManualSnapshots', cluster: 'ManualClusterSnapshots' };
const COPY_LIMIT_AWS: Record<DbKind, number> = { instance: 20, cluster: 5 };

/**
 * Preflight, before the first pass or after a change: every check reads only, and each item says
 * ok, problem, or could-not-check (never "ok" for what it could not see), with the fix.
 */
export async function runDoctor(deps: AppDeps, probe: PreflightProbe, store: StoreCheck): Promise<DoctorReport> {
  const { config } = deps;
  const items: DoctorItem[] = [];
  const catalog = new DatabaseCatalog(deps.accounts);
  const regions = [
    ...new Set([
      ...config.instances.flatMap((i) => [i.region, i.drRegion]),
      ...config.discover.flatMap((r) => [r.region, r.drRegion]),
      ...Object.keys(config.kms),
      ...(config.alerts?.region ? [config.alerts.region] : []),
    ]),
  ].sort();

  // Credentials: who is asking, and for which account.
  const identityRegion = regions[0] ?? config.alerts?.region ?? 'us-east-1';
  try {
    const who = await probe.callerIdentity(identityRegion);
    items.push({ area: 'credentials', subject: who.arn, state: 'ok', detail: `account ${who.account}`, fix: null });
  } catch (err) {
    const e = toErrorInfo(err);
    items.push({
      area: 'credentials',
      subject: 'AWS credentials',
      state: 'problem',
      detail: `${e.code}: ${e.message}`,
      fix: 'set AWS_PROFILE (and run aws sso login if it is an SSO profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; against AWS itself, unset AWS_ENDPOINT_URL',
    });
  }

  // Accounts: each configured account (and the vault) can be worked in: its role assumed.
  for (const a of [...(config.accounts ?? []), ...(config.vault ? [{ name: 'vault', ...config.vault.account }] : [])]) {
    try {
      await deps.accounts.verify(a.id);
      items.push({ area: 'account', subject: `${a.name} (${a.id})`, state: 'ok', detail: a.roleArn ? `role ${a.roleArn} assumed` : "the caller's own account", fix: null });
    } catch (err) {
      const e = toErrorInfo(err);
      items.push({ area: 'account', subject: `${a.name} (${a.id})`, state: 'problem', detail: `${e.code}: ${e.message}`, fix: 'deploy the member (or vault) stack in that account with this deployment\'s role and external id (README "Many accounts and a vault")' });
    }
  }

  // Regions: each one answers a read in the caller's own account (the databases are needed below anyway).
  let ownAccount: string | null = null;
  try {
    ownAccount = await deps.accounts.ownId();
  } catch {
    // the credentials item above says why
  }
  const listed = new Map<string, Database[] | null>();
  await Promise.all(
    regions.map(async (region) => {
      try {
        if (ownAccount === null) throw new SnapwardError('ACCESS_DENIED', 'the caller\'s account could not be identified (sts:GetCallerIdentity failed)');
        const dbs = await catalog.databases(ownAccount, region);
        listed.set(region, dbs);
        items.push({ area: 'region', subject: region, state: 'ok', detail: `reachable: ${dbs.length} databases listed`, fix: null });
      } catch (err) {
        listed.set(region, null);
        const e = toErrorInfo(err);
        items.push({
          area: 'region',
          subject: region,
          state: 'problem',
          detail: `${e.code}: ${e.message}`,
          fix: e.code === 'ACCESS_DENIED' ? `grant rds:DescribeDBInstances and rds:DescribeDBClusters in ${region} (see the operator policy in the README)` : `check the region name, that the region is enabled for the account, and network access to it`,
        });
      }
    }),
  );

  // Configured instances exist with the configured kind.
  for (const m of config.instances) {
    const account = config.accounts?.find((a) => a.name === m.account);
    const dbs = account && account.id !== ownAccount ? await catalog.databases(account.id, m.region).catch(() => null) : listed.get(m.region);
    if (!dbs) {
      items.push({ area: 'instance', subject: m.id, state: 'could-not-check', detail: `region ${m.region}${account ? ` of account ${account.name}` : ''} could not be listed`, fix: 'fix the region or account item above' });
      continue;
    }
    const hint = memberHint(m, dbs);
    const db = dbs.find((d) => d.id === m.id && d.kind === m.kind);
    items.push(
      hint
        ? { area: 'instance', subject: m.id, state: 'problem', detail: hint, fix: 'correct the instances entry in the config (id, region, kind)' }
        : { area: 'instance', subject: m.id, state: 'ok', detail: `${m.kind} in ${m.region}, ${db?.status ?? 'unknown status'}${db && !db.encrypted ? ', NOT encrypted (its DR copies are encrypted with the DR key' + (m.kind === 'cluster' ? ', except Aurora cluster copies, which stay unencrypted' : '') + ')' : ''}`, fix: null },
    );
  }

  // Discovery: what the rules find (a rule that finds nothing is worth knowing about).
  const fleet = await resolveFleet(config, deps.accounts, catalog).catch(() => ({ members: [] as FleetMember[], warnings: [] as string[] }));
  for (const rule of config.discover) {
    const found = fleet.members.filter((m) => m.origin === 'discovered' && m.region === rule.region).length;
    const reachable = listed.get(rule.region);
    items.push(
      !reachable
        ? { area: 'discovery', subject: `${rule.region} ${rule.tierTag}`, state: 'could-not-check', detail: `region ${rule.region} could not be listed`, fix: 'fix the region item above' }
        : { area: 'discovery', subject: `${rule.region} ${rule.tierTag}`, state: 'ok', detail: `${found} databases carry the tag ${rule.tierTag}${found === 0 ? ' (none yet: tag the databases to back up)' : ''}`, fix: null },
    );
  }
  for (const w of fleet.warnings) items.push({ area: 'discovery', subject: 'tier tag', state: 'problem', detail: w, fix: 'set the tag to a tier 0..3' });

  // DR keys, and the source keys of the databases in the fleet.
  await Promise.all(Object.entries(config.kms).map(async ([region, ref]) => items.push(await keyItem(probe, region, ref, 'DR key for copies into'))));
  const sourceKeys = new Map<string, { region: string; key: string; dbs: string[] }>();
  for (const m of fleet.members) {
    if (m.account !== ownAccount) continue; // listed above in the caller's own account only
    const db = listed.get(m.region)?.find((d) => d.id === m.id && d.kind === m.kind);
    if (!db?.kmsKeyId) continue;
    const k = `${m.region}|${db.kmsKeyId}`;
    const entry = sourceKeys.get(k) ?? { region: m.region, key: db.kmsKeyId, dbs: [] };
    entry.dbs.push(m.id);
    sourceKeys.set(k, entry);
  }
  await Promise.all([...sourceKeys.values()].map(async (s) => items.push(await keyItem(probe, s.region, s.key, `source key of ${s.dbs.slice(0, 3).join(', ')}${s.dbs.length > 3 ? ` and ${s.dbs.length - 3} more` : ''} in`))));

  // The vault (issue 16): shareable DR keys, and the vault's own keys reachable with its role.
  items.push(...(await vaultItems(deps, fleet.members)));

  // The state store.
  items.push(storeItem(store));

  // The alert bus.
  if (config.alerts?.eventBus && config.alerts.region) {
    try {
      const bus = await probe.describeEventBus(config.alerts.region, config.alerts.eventBus);
      items.push({ area: 'alert-bus', subject: config.alerts.eventBus, state: 'ok', detail: `exists in ${config.alerts.region}: ${bus.arn}`, fix: null });
    } catch (err) {
      const e = toErrorInfo(err);
      const missing = /ResourceNotFound|does not exist|not exist/i.test(e.message);
      items.push({
        area: 'alert-bus',
        subject: config.alerts.eventBus,
        state: missing || e.code === 'ACCESS_DENIED' ? 'problem' : 'could-not-check',
        detail: `${e.code}: ${e.message}`,
        fix: missing ? `create the event bus ${config.alerts.eventBus} in ${config.alerts.region}, or correct alerts.eventBus` : 'grant events:DescribeEventBus and events:PutEvents on the bus',
      });
    }
  } else {
    items.push({ area: 'alert-bus', subject: '(none)', state: 'ok', detail: 'no alerts.eventBus configured: findings are tracked, but nobody is alerted', fix: null });
  }

  // Manual-snapshot quota headroom: each member keeps about retention + 2 snapshots per region.
  const perSlot = config.retentionDays + 2;
  const demand = new Map<string, { region: string; kind: DbKind; members: number }>();
  for (const m of fleet.members) {
    for (const region of [m.region, m.drRegion]) {
      const k = `${region}|${m.kind}`;
      const d = demand.get(k) ?? { region, kind: m.kind, members: 0 };
      d.members += 1;
      demand.set(k, d);
    }
  }
  const quotaByRegion = new Map<string, Promise<{ name: string; used: number; max: number }[]>>();
  for (const d of [...demand.values()].sort((a, b) => (a.region + a.kind < b.region + b.kind ? -1 : 1))) {
    const needed = d.members * perSlot;
    const subject = `${d.region} ${SNAPSHOT_QUOTA[d.kind]}`;
    let pending = quotaByRegion.get(d.region);
    if (!pending) {
      pending = deps.provider.accountQuotas(d.region);
      pending.catch(() => undefined);
      quotaByRegion.set(d.region, pending);
    }
    try {
      const q = (await pending).find((x) => x.name === SNAPSHOT_QUOTA[d.kind]);
      if (!q || q.max <= 0) throw new Error(`the account attributes carry no ${SNAPSHOT_QUOTA[d.kind]} quota`);
      items.push(
        q.max >= needed
          ? { area: 'snapshot-quota', subject, state: 'ok', detail: `${d.members} databases x (${config.retentionDays} + 2) = ${needed} needed, quota ${q.max} (${q.used} used now)`, fix: null }
          : { area: 'snapshot-quota', subject, state: 'problem', detail: `${d.members} databases x (${config.retentionDays} + 2) = ${needed} needed, quota only ${q.max} (${q.used} used now)`, fix: `request an increase of the RDS quota ${SNAPSHOT_QUOTA[d.kind]} in ${d.region} to at least ${needed} (Service Quotas)` },
      );
    } catch (err) {
      items.push({
        area: 'snapshot-quota',
        subject,
        state: 'could-not-check',
        detail: `${needed} needed (${d.members} databases x (${config.retentionDays} + 2)); the quota could not be read: ${toErrorInfo(err).message}`,
        fix: `compare with the RDS quota ${SNAPSHOT_QUOTA[d.kind]} in ${d.region} in the Service Quotas console`,
      });
    }
  }

  // Copy capacity: copies a day into each DR region against the in-flight limit.
  for (const [key, c] of copyDemand(fleet.members, deps)) {
    const [region, kind] = key.split('|') as [string, DbKind];
    const limit = kind === 'instance' ? config.concurrency.instanceCopiesPerRegion : config.concurrency.clusterCopiesPerRegion;
    items.push({
      area: 'copy-capacity',
      subject: `${region} ${kind} copies`,
      state: 'could-not-check',
      detail: `${c} copies a day into ${region}, at most ${limit} in flight (AWS allows ${COPY_LIMIT_AWS[kind]}); whether that keeps up depends on how long a copy takes, which only measured copies show`,
      fix: `after a few passes, compare: if runs show copies deferred (snapward runs show), copies take longer than ${humanHours((DAY * limit) / Math.max(1, c))} on average`,
    });
  }

  const counts = { ok: 0, problem: 0, 'could-not-check': 0 } as Record<DoctorState, number>;
  for (const i of items) counts[i.state] += 1;
  return { at: deps.clock.now(), items, ok: counts.problem === 0, counts };
}

function copyDemand(members: readonly FleetMember[], deps: AppDeps): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of members) {
    const k = `${m.drRegion}|${m.kind}`;
    out.set(k, (out.get(k) ?? 0) + DAY / deps.config.tiers[m.tier].snapshotEveryMs);
  }
  return out;
}

const humanHours = (ms: number): string => (ms >= 3_600_000 ? `${Math.floor(ms / 3_600_000)}h` : `${Math.max(1, Math.floor(ms / 60_000))}m`);

async function keyItem(probe: PreflightProbe, region: string, ref: string, what: string): Promise<DoctorItem> {
  const subject = `${ref} (${region})`;
  try {
    const k = await probe.describeKey(region, ref);
    const wrong: string[] = [];
    if (k.state !== 'Enabled') wrong.push(`it is ${k.state}, expected Enabled`);
    if (k.usage && k.usage !== 'ENCRYPT_DECRYPT') wrong.push(`its usage is ${k.usage}, RDS needs ENCRYPT_DECRYPT`);
    if (k.spec && k.spec !== 'SYMMETRIC_DEFAULT') wrong.push(`its spec is ${k.spec}, RDS accepts only SYMMETRIC_DEFAULT`);
    return wrong.length
      ? { area: 'kms-key', subject, state: 'problem', detail: `${what} ${region}: ${wrong.join('; ')}`, fix: k.state === 'Disabled' ? `enable the key (aws kms enable-key --key-id ${k.arn} --region ${region})` : 'use a symmetric ENCRYPT_DECRYPT key that is Enabled' }
      : { area: 'kms-key', subject, state: 'ok', detail: `${what} ${region}: ${k.arn} is Enabled, symmetric (the right to use it, kms:CreateGrant, shows in the first copy)`, fix: null };
  } catch (err) {
    const e = toErrorInfo(err);
    const missing = e.code === 'KMS_KEY_NOT_ACCESSIBLE' || /NotFound/i.test(e.message);
    return {
      area: 'kms-key',
      subject,
      state: missing || e.code === 'ACCESS_DENIED' ? 'problem' : 'could-not-check',
      detail: `${what} ${region}: ${e.code}: ${e.message}`,
      fix: missing ? `create the key (or alias) in ${region}, or correct kms.${region} in the config` : `grant kms:DescribeKey on the key in ${region}`,
    };
  }
}

function storeItem(s: StoreCheck): DoctorItem {
  if (s.problem) {
    return {
      area: 'state-store',
      subject: s.path,
      state: 'problem',
      detail: s.problem,
      fix: /newer snapward/.test(s.problem)
        ? 'upgrade snapward, or move the file aside (history is lost, not backups: the next pass re-audits from AWS)'
        : /readable snapward store/.test(s.problem)
          ? `move the file aside (mv ${s.path} ${s.path}.bad): history is lost, not backups; the next pass re-audits from AWS`
          : 'make the file and its folder writable by this user, or point state.sqlite at a writable path',
    };
  }
  if (!s.exists) return { area: 'state-store', subject: s.path, state: 'ok', detail: 'does not exist yet: the first run creates it (its folder is writable)', fix: null };
  const detail = s.schemaVersion !== null && s.schemaVersion < s.currentVersion ? `writable; schema ${s.schemaVersion}, the next run upgrades it to ${s.currentVersion}` : `writable; schema ${s.schemaVersion ?? '?'} (current)`;
  return { area: 'state-store', subject: s.path, state: 'ok', detail, fix: null };
}
