import { Database, DbKind, Snapshot } from '../domain/types';
import { AccountScope, Accounts } from '../ports/accounts';

/**
 * Databases per account and region, listed at most once per use-case call (discovery and RPO
 * both need them). Each account's are listed with that account's credentials.
 */
export class DatabaseCatalog {
  private readonly listings = new Map<string, Promise<Database[]>>();
  private readonly snapshotListings = new Map<string, Promise<Snapshot[]>>();

  constructor(private readonly accounts: Pick<Accounts, 'scope'>) {}

  databases(account: string, region: string): Promise<Database[]> {
    const key = `${account}/${region}`;
    let listing = this.listings.get(key);
    if (!listing) {
      listing = this.accounts.scope(account).provider.listDatabases(region);
      this.listings.set(key, listing);
    }
    return listing;
  }

  /**
   * Every manual snapshot of `kind` in `region` of `scope`'s account, listed once per use-case call:
   * status reads each account of the fleet apart, and the vault account's listing serves them all.
   */
  snapshots(scope: AccountScope, region: string, kind: DbKind): Promise<Snapshot[]> {
    const key = `${scope.id}/${region}/${kind}`;
    let listing = this.snapshotListings.get(key);
    if (!listing) {
      listing = scope.provider.listSnapshots(region, kind);
      this.snapshotListings.set(key, listing);
    }
    return listing;
  }
}
