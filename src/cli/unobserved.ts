import { Unobserved } from '../app/unobserved';
import { Output } from './output';

/**
 * One line per region and cause, never one per instance:
 * `us-east-1: credentials rejected (InvalidClientTokenId): 206 instances unknown`.
 */
export function printUnobserved(unobserved: readonly Unobserved[], out: Output): void {
  if (unobserved.length === 0) return;
  out.line('could not observe (figures that depend on these are unknown, and nothing was changed on a guess):');
  for (const u of unobserved) {
    // The vault account's side of a region: only the account-loss figures depend on it.
    const where =
      u.account === 'unknown'
        ? "the caller's own account (its id unknown: STS did not answer)"
        : u.account
          ? `account ${u.account} (every region)`
          : u.vaultAccount
            ? `${u.region} (vault account ${u.vaultAccount})`
            : u.region;
    out.line(`  ${where}: ${u.cause}: ${u.instances.length} instance${u.instances.length === 1 ? '' : 's'} unknown${u.vaultAccount ? ' for account loss' : ''}`);
    out.line(`    ${u.error.message}`);
  }
}
