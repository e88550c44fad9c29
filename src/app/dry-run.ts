import { ErrorInfo, toErrorInfo } from '../domain/errors';
import { Database } from '../domain/types';
import { DatabaseCatalog } from './catalog';
import { AppDeps } from './deps';
import { memberHint } from './instance-hints';
import { PlannedInstance, reconcile, ReconcileOptions, ReconcileReport } from './reconcile';

/** A planned instance with what would fail if the pass ran now. */
export interface CheckedPlan extends PlannedInstance {
  readonly wouldFail: readonly ErrorInfo[];
}

export interface DryRunReport extends ReconcileReport {
  readonly planned: readonly CheckedPlan[];
  /** Instances whose plan would fail somewhere. */
  readonly wouldFail: number;
}

/**
 * `run --dry-run`: the pass's plan, then every instance and key it would touch resolved with
 * reads only (DescribeDBInstances/Clusters, KMS DescribeKey), so a snapshot of a database that
 * does not exist, or a copy under a key alias that does not exist, shows as a failure to come.
 * Writes nothing: no run is recorded, and the caller opens the store read-only.
 */
export async function dryRunPass(deps: AppDeps, options: Omit<ReconcileOptions, 'dryRun'>): Promise<DryRunReport> {
  const report = await reconcile(deps, { ...options, dryRun: true });
  const catalog = new DatabaseCatalog(deps.accounts);
  const listings = new Map<string, Promise<Database[]>>();
  const databases = (account: string, region: string): Promise<Database[]> => {
    let l = listings.get(`${account}/${region}`);
    if (!l) {
      l = catalog.databases(account, region);
      l.catch(() => undefined);
      listings.set(`${account}/${region}`, l);
    }
    return l;
  };
  const keys = new Map<string, Promise<ErrorInfo | null>>();
  const keyProblem = (account: string, region: string): Promise<ErrorInfo | null> => {
    let k = keys.get(`${account}/${region}`);
    if (!k) {
      const ref = deps.config.kms[region];
      k = ref === undefined
        ? Promise.resolve({ code: 'KMS_KEY_NOT_ACCESSIBLE', message: `no KMS key configured for DR region ${region} (kms.${region})`, step: 'copy' } as ErrorInfo)
        : deps.accounts.scope(account).keys.resolve(region, ref).then(() => null, (err: unknown) => toErrorInfo(err, 'copy'));
      keys.set(`${account}/${region}`, k);
    }
    return k;
  };

  const planned: CheckedPlan[] = [];
  for (const p of report.planned) {
    const wouldFail: ErrorInfo[] = [];
    if (p.create || p.copy.length || p.delete.length) {
      try {
        const hint = memberHint({ id: p.instanceId, kind: p.kind, region: p.region, drRegion: p.drRegion, tier: 0, origin: 'config' }, await databases(p.account, p.region));
        if (hint) wouldFail.push({ code: hint.startsWith('no DB') ? 'INSTANCE_NOT_FOUND' : 'INVALID_PARAMETER', message: hint, step: 'create' });
        else {
          const db = (await databases(p.account, p.region)).find((d) => d.id === p.instanceId && d.kind === p.kind);
          if (p.create && db && db.status !== 'available' && db.status !== 'backing-up') {
            wouldFail.push({ code: 'INVALID_INSTANCE_STATE', message: `${p.kind} ${p.instanceId} is ${db.status}: a snapshot needs it available`, step: 'create', retryable: true });
          }
        }
      } catch (err) {
        wouldFail.push({ ...toErrorInfo(err, 'list'), message: `could not check that ${p.instanceId} exists: ${toErrorInfo(err).message}` });
      }
      // The key is checked for every instance with work: a snapshot made now is copied next pass.
      const key = await keyProblem(p.account, p.drRegion);
      if (key) wouldFail.push(key);
    }
    planned.push({ ...p, wouldFail });
  }
  return { ...report, planned, wouldFail: planned.filter((p) => p.wouldFail.length > 0).length };
}
