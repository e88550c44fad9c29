import { DrillRecord } from '../domain/drill';
import { AppDeps } from './deps';

/**
 * Drill records with their account: one recorded before accounts carries none and is the
 * caller's own account's drill. Every use case reads drills through here, so matching a drill
 * to its member (account and id) holds for old records too.
 */
export async function drillRecords(deps: Pick<AppDeps, 'store' | 'accounts'>, options: { instanceId?: string } = {}, ownAccount?: string): Promise<DrillRecord[]> {
  const drills = await deps.store.listDrills(options);
  if (drills.every((d) => d.account)) return drills;
  let own = ownAccount;
  try {
    own ??= await deps.accounts.ownId();
  } catch {
    return drills; // the caller's account unknown (STS did not answer): old drills match no member
  }
  return drills.map((d) => (d.account ? d : { ...d, account: own }));
}

/** The RDS restores of the drill's account (the caller's own for a drill from before accounts). */
export function restoresOf(deps: Pick<AppDeps, 'accounts' | 'restores'>, drill: Pick<DrillRecord, 'account'>): AppDeps['restores'] {
  return drill.account ? deps.accounts.scope(drill.account).restores : deps.restores;
}
