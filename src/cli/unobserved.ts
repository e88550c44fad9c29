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
    out.line(`  ${u.account === 'unknown' ? "the caller's own account (its id unknown: STS did not answer)" : u.account ? `account ${u.account} (every region)` : u.region}: ${u.cause}: ${u.instances.length} instance${u.instances.length === 1 ? '' : 's'} unknown`);
    out.line(`    ${u.error.message}`);
  }
}
