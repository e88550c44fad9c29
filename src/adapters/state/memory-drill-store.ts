import { DrillRecord } from '../../domain/drill';
import { SnapwardError } from '../../domain/errors';
import { DrillStore } from '../../ports/drill-store';
import { checkDrill, decodeDrill, encodeDrill } from './drill-codec';

/** Drills in process memory, stored encoded as the durable drivers store them. */
export class MemoryDrillStore implements DrillStore {
  private readonly drills = new Map<string, string>();
  private readonly sightings = new Map<string, number>();

  async firstSightings(instanceIds: readonly string[], at: Date): Promise<Map<string, Date>> {
    if (Number.isNaN(at.getTime())) throw new SnapwardError('STATE_STORE_ERROR', 'firstSightings: at must be a valid Date');
    const out = new Map<string, Date>();
    for (const id of instanceIds) {
      if (!this.sightings.has(id)) this.sightings.set(id, at.getTime());
      out.set(id, new Date(this.sightings.get(id) as number));
    }
    return out;
  }

  async createDrill(drill: DrillRecord): Promise<boolean> {
    checkDrill(drill);
    if (this.drills.has(drill.drillId)) return false;
    this.drills.set(drill.drillId, encodeDrill(drill));
    return true;
  }

  async putDrill(drill: DrillRecord): Promise<void> {
    checkDrill(drill);
    const stored = this.drills.get(drill.drillId);
    if (!stored) throw new SnapwardError('STATE_STORE_ERROR', `drill '${drill.drillId}' does not exist`);
    if (decodeDrill(stored).createdAt.getTime() !== drill.createdAt.getTime()) throw new SnapwardError('STATE_STORE_ERROR', `drill '${drill.drillId}': createdAt cannot change`);
    this.drills.set(drill.drillId, encodeDrill(drill));
  }

  async getDrill(drillId: string): Promise<DrillRecord | null> {
    const stored = this.drills.get(drillId);
    return stored ? decodeDrill(stored) : null;
  }

  async listDrills(options: { instanceId?: string; limit?: number } = {}): Promise<DrillRecord[]> {
    const all = [...this.drills.values()].map(decodeDrill).filter((d) => options.instanceId === undefined || d.instanceId === options.instanceId);
    all.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.drillId < b.drillId ? 1 : -1));
    return options.limit === undefined ? all : all.slice(0, options.limit);
  }
}
