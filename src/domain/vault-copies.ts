import { isVaultCopy, managedInfo, TAG } from './tags';
import { FleetMember, Snapshot } from './types';

/**
 * A member's copies in the vault account (issue 16): snapward's vault copies (managed and vault
 * tags) of this instance, of its kind, in its DR region, copied from its account. The vault holds
 * copies from many accounts, and instance ids are unique only per account: the source account tag
 * keeps two members with the same id apart.
 */
export function ownVaultCopiesOf(member: FleetMember, snapshots: readonly Snapshot[]): Snapshot[] {
  return snapshots.filter(
    (s) => isVaultCopy(s) && s.kind === member.kind && s.region === member.drRegion && s.tags[TAG.sourceAccount] === member.account && managedInfo(s)?.instanceId === member.id,
  );
}
