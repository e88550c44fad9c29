import { DbKind } from '../domain/types';

/** Key of one listing: the snapshots of one kind in one region. */
export const listingKey = (region: string, kind: DbKind): string => `${region}/${kind}`;
