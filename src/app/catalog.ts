import { Database } from '../domain/types';
import { Accounts } from '../ports/accounts';

/**
 * Databases per account and region, listed at most once per use-case call (discovery and RPO
 * both need them). Each account's are listed with that account's credentials.
 */
export class DatabaseCatalog {
  private readonly listings = new Map<string, Promise<Database[]>>();

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
}
