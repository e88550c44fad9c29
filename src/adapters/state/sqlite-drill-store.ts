import type Database from 'better-sqlite3';
import { DrillRecord } from '../../domain/drill';
import { DrillStore } from '../../ports/drill-store';
import { checkDrill, decodeDrill, encodeDrill } from './drill-codec';
import { StoreRefusal } from './store-errors';

/** The drills table's schema step (appended to the SQLite driver's MIGRATIONS). */
export const DRILLS_MIGRATION = `CREATE TABLE drills (
     drill_id    TEXT PRIMARY KEY,
     instance_id TEXT NOT NULL,
     created_at  TEXT NOT NULL,
     phase       TEXT NOT NULL,
     doc         TEXT NOT NULL
   );
   CREATE INDEX drills_created_at ON drills (created_at);
   CREATE INDEX drills_instance ON drills (instance_id, created_at);
   CREATE TABLE drill_sightings (
     instance_id   TEXT PRIMARY KEY,
     first_seen_at TEXT NOT NULL
   );`;

/** Drills in the SQLite store's file; `run` wraps each call as the driver wraps its own. */
export class SqliteDrillStore implements DrillStore {
  constructor(
    private readonly db: Database.Database,
    private readonly run: <T>(what: string, fn: () => T) => T,
  ) {}

  async createDrill(drill: DrillRecord): Promise<boolean> {
    return this.run('createDrill', () => {
      checkDrill(drill);
      const info = this.db
        .prepare('INSERT INTO drills (drill_id, instance_id, created_at, phase, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (drill_id) DO NOTHING')
        .run(drill.drillId, drill.instanceId, drill.createdAt.toISOString(), drill.phase, encodeDrill(drill));
      return info.changes > 0;
    });
  }

  async putDrill(drill: DrillRecord): Promise<void> {
    this.run('putDrill', () => {
      checkDrill(drill);
      const info = this.db
        .prepare('UPDATE drills SET phase = ?, doc = ? WHERE drill_id = ? AND created_at = ?')
        .run(drill.phase, encodeDrill(drill), drill.drillId, drill.createdAt.toISOString());
      if (info.changes === 0) throw new StoreRefusal(`drill '${drill.drillId}' does not exist (or its createdAt changed)`);
    });
  }

  async firstSightings(instanceIds: readonly string[], at: Date): Promise<Map<string, Date>> {
    return this.run('firstSightings', () => {
      const when = at.toISOString(); // throws on an invalid date
      const insert = this.db.prepare('INSERT INTO drill_sightings (instance_id, first_seen_at) VALUES (?, ?) ON CONFLICT (instance_id) DO NOTHING');
      const read = this.db.prepare('SELECT first_seen_at FROM drill_sightings WHERE instance_id = ?');
      const out = new Map<string, Date>();
      this.db.transaction(() => {
        for (const id of instanceIds) {
          insert.run(id, when);
          out.set(id, new Date((read.get(id) as { first_seen_at: string }).first_seen_at));
        }
      })();
      return out;
    });
  }

  async getDrill(drillId: string): Promise<DrillRecord | null> {
    return this.run('getDrill', () => {
      const row = this.db.prepare('SELECT doc FROM drills WHERE drill_id = ?').get(drillId) as { doc: string } | undefined;
      return row ? decodeDrill(row.doc) : null;
    });
  }

  async listDrills(options: { instanceId?: string; limit?: number } = {}): Promise<DrillRecord[]> {
    return this.run('listDrills', () => {
      const rows = this.db
        .prepare('SELECT doc FROM drills WHERE (@instance IS NULL OR instance_id = @instance) ORDER BY created_at DESC, drill_id DESC LIMIT @limit')
        .all({ instance: options.instanceId ?? null, limit: options.limit ?? -1 }) as { doc: string }[];
      return rows.map((r) => decodeDrill(r.doc));
    });
  }
}
