import { DrillRecord } from '../domain/drill';

/**
 * Restore drills (domain/drill.ts), kept by the same store as runs. A drill's record is written
 * only by the holder of the `drills` lease (or by the one command that created it), so a plain
 * replace is enough after the conditional create.
 */
export interface DrillStore {
  /** Records a new drill; false (nothing written) when a drill with its id exists already. */
  createDrill(drill: DrillRecord): Promise<boolean>;
  /** Replaces an existing drill's record (same drillId and createdAt); throws when it does not exist. */
  putDrill(drill: DrillRecord): Promise<void>;
  getDrill(drillId: string): Promise<DrillRecord | null>;
  /** Newest created first; `instanceId` keeps one member's drills, `limit` caps the count. */
  listDrills(options?: { instanceId?: string; limit?: number }): Promise<DrillRecord[]>;
  /**
   * When snapward first saw each member (the clock for Drill Overdue of a member never drilled):
   * records `at` for every id without a sighting yet (a first write wins), returns every id's.
   */
  firstSightings(instanceIds: readonly string[], at: Date): Promise<Map<string, Date>>;
}
