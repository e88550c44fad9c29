import { Database } from '../domain/types';
import { SnapshotProvider } from '../ports/snapshot-provider';

/** Databases per region, listed at most once per use-case call (discovery and RPO both need them). */
export class DatabaseCatalog {
  private readonly byRegion = new Map<string, Promise<Database[]>>();

  constructor(private readonly provider: SnapshotProvider) {}

  databases(region: string): Promise<Database[]> {
    let listing = this.byRegion.get(region);
    if (!listing) {
      listing = this.provider.listDatabases(region);
      this.byRegion.set(region, listing);
    }
    return listing;
  }
}
