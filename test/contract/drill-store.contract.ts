import { SnapwardError } from '../../src/domain/errors';
import { StateStore } from '../../src/ports/state-store';
import { drill } from '../support/drill-builders';

/**
 * The DrillStore part of the store contract; called inside describeStateStoreContract, so it runs
 * on every driver (memory, SQLite, DynamoDB over moto). `store` gives the current test's store.
 */
export function describeDrillStoreContract(store: () => StateStore): void {
  describe('drills', () => {
    const t = (iso: string): Date => new Date(iso);

    it('has no drills at first', async () => {
      expect(await store().getDrill('drill-x')).toBeNull();
      expect(await store().listDrills()).toEqual([]);
    });

    it('round-trips a finished drill with its dates, validation and error exactly', async () => {
      const d = drill({
        phase: 'done', outcome: 'failed', startedAt: t('2026-11-24T10:00:01.000Z'), availableAt: t('2026-11-24T10:20:00.000Z'),
        validatedAt: t('2026-11-24T10:21:00.500Z'), finishedAt: t('2026-11-24T10:30:00.000Z'), rtoSeconds: 1260, band: 'compliant',
        recoveryPointAgeSeconds: 35_401, validation: { checks: [{ name: 'available', ok: true }, { name: 'same-engine', ok: false, detail: 'x' }], hook: { exitCode: 3, output: 'boom' } },
        error: { code: 'VALIDATION_FAILED', message: 'built-in check(s) failed: same-engine', step: 'validate' },
      });
      expect(await store().createDrill(d)).toBe(true);
      expect(await store().getDrill(d.drillId)).toEqual(d);
    });

    it('creates a drill id once: a second create changes nothing and says so', async () => {
      const first = drill();
      expect(await store().createDrill(first)).toBe(true);
      expect(await store().createDrill(drill({ instanceId: 'other' }))).toBe(false);
      expect((await store().getDrill(first.drillId))?.instanceId).toBe('db1');
      expect(await store().listDrills()).toHaveLength(1);
    });

    it('replaces a drill on put (the listing too), and refuses a put of a drill that does not exist', async () => {
      const d = drill();
      await store().createDrill(d);
      const next = { ...d, phase: 'validating' as const, startedAt: t('2026-11-24T10:00:02.000Z'), updatedAt: t('2026-11-24T10:05:00.000Z') };
      await store().putDrill(next);
      expect(await store().getDrill(d.drillId)).toEqual(next);
      expect((await store().listDrills())[0]).toEqual(next);
      const err = await store().putDrill(drill({ drillId: 'drill-missing' })).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(SnapwardError);
      expect((err as SnapwardError).code).toBe('STATE_STORE_ERROR');
      expect(await store().getDrill('drill-missing')).toBeNull();
    });

    it('lists newest created first, by instance, with a limit', async () => {
      await store().createDrill(drill({ drillId: 'drill-a', instanceId: 'db1', createdAt: t('2026-11-01T00:00:00.000Z') }));
      await store().createDrill(drill({ drillId: 'drill-c', instanceId: 'db1', createdAt: t('2026-11-03T00:00:00.000Z') }));
      await store().createDrill(drill({ drillId: 'drill-b', instanceId: 'db2', createdAt: t('2026-11-02T00:00:00.000Z') }));
      expect((await store().listDrills()).map((d) => d.drillId)).toEqual(['drill-c', 'drill-b', 'drill-a']);
      expect((await store().listDrills({ instanceId: 'db1' })).map((d) => d.drillId)).toEqual(['drill-c', 'drill-a']);
      expect((await store().listDrills({ limit: 1 })).map((d) => d.drillId)).toEqual(['drill-c']);
      expect((await store().listDrills({ instanceId: 'db2', limit: 5 })).map((d) => d.drillId)).toEqual(['drill-b']);
    });

    it('keeps the first sighting of each member: later calls return it unchanged', async () => {
      const first = await store().firstSightings(['db1', 'db2'], t('2026-01-01T00:00:00.000Z'));
      expect(first).toEqual(new Map([['db1', t('2026-01-01T00:00:00.000Z')], ['db2', t('2026-01-01T00:00:00.000Z')]]));
      const later = await store().firstSightings(['db2', 'db3'], t('2026-02-01T00:00:00.000Z'));
      expect(later).toEqual(new Map([['db2', t('2026-01-01T00:00:00.000Z')], ['db3', t('2026-02-01T00:00:00.000Z')]]));
      expect(await store().firstSightings([], t('2026-03-01T00:00:00.000Z'))).toEqual(new Map());
    });

    it('refuses a drill with an invalid date or phase, storing nothing', async () => {
      const bad = await store().createDrill(drill({ startedAt: new Date(Number.NaN) })).then(() => null, (e: unknown) => e);
      expect((bad as SnapwardError).code).toBe('STATE_STORE_ERROR');
      expect((bad as SnapwardError).message).toMatch(/startedAt/);
      const badPhase = await store().createDrill(drill({ phase: 'sleeping' as never })).then(() => null, (e: unknown) => e);
      expect((badPhase as SnapwardError).message).toMatch(/phase/);
      expect(await store().listDrills()).toEqual([]);
    });
  });
}
