import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DR_KEY_ALIAS, seedFleet } from '../../scripts/lib/seed-fleet';
import { runCli } from '../support/cli-capture';
import { useMotoServer } from '../support/moto-session';

/** The drill commands end to end: YAML config (drills key, a hook script), moto, SQLite, exit codes, JSON. */
const moto = useMotoServer();

const yaml = `kms:
  us-west-2: ${DR_KEY_ALIAS}
instances:
  - { id: app-db-1, region: us-east-1, drRegion: us-west-2, tier: 2 }
state:
  sqlite: state/snapward.db
drills:
  every: { 0: 30d }
  hookTimeout: 30s
  validate:
    command: ./smoke.sh
`;

describe('snapward drill / drills against moto', () => {
  let config: string;

  beforeEach(async () => {
    await moto.server().reset();
    await seedFleet(['us-east-1', 'us-west-2'], [{ id: 'app-db-1', kind: 'instance', region: 'us-east-1' }]);
    const dir = mkdtempSync(join(tmpdir(), 'snapward-drill-cli-'));
    config = join(dir, 'snapward.yaml');
    writeFileSync(config, yaml);
    // Relative to the config file's folder, wherever snapward is started from.
    writeFileSync(join(dir, 'smoke.sh'), '#!/bin/sh\necho "checked $SNAPWARD_DRILL_INSTANCE ($SNAPWARD_DRILL_ENGINE on port $SNAPWARD_DRILL_PORT)"\n', { mode: 0o755 });
  });

  it('drill <id> refuses, exit 2 and nothing recorded, before the instance has a DR copy; after a run it starts, and the next run finishes it', async () => {
    const early = await runCli(['drill', 'app-db-1', '--config', config]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/no available recovery point in us-west-2/);
    expect(JSON.parse((await runCli(['drills', '--json', '--config', config])).stdout)).toEqual([]);

    expect((await runCli(['run', '--config', config])).code).toBe(0); // tier 2: no scheduled drill
    const started = await runCli(['drill', 'app-db-1', '--json', '--config', config]);
    expect(started.code).toBe(0);
    const drill = JSON.parse(started.stdout);
    expect(drill).toMatchObject({ instanceId: 'app-db-1', tier: 2, phase: 'restoring', outcome: null, source: { region: 'us-west-2' }, steps: ['request-restore'] });
    expect((await runCli(['drill', 'app-db-1', '--config', config])).code).toBe(2); // one in flight already

    const run = JSON.parse((await runCli(['run', '--json', '--config', config])).stdout);
    expect(run.drills.advanced[0]).toMatchObject({ drillId: drill.drillId, phase: 'done', outcome: 'succeeded' });
    const list = JSON.parse((await runCli(['drills', '--json', '--config', config])).stdout);
    expect(list).toHaveLength(1);
    expect(Object.keys(list[0])).toEqual(expect.arrayContaining(['drillId', 'instanceId', 'tier', 'phase', 'outcome', 'source', 'restoredId', 'startedAt', 'availableAt', 'validatedAt', 'finishedAt', 'rtoSeconds', 'rtoTargetSeconds', 'band', 'recoveryPointAgeSeconds', 'validation', 'error']));
    expect(list[0]).toMatchObject({ phase: 'done', outcome: 'succeeded', band: 'compliant', rtoTargetSeconds: 24 * 3600, error: null });
    expect(list[0].validation.hook).toEqual({ exitCode: 0, output: `checked ${drill.restoredId} (postgres on port 5432)\n` });
    const status = JSON.parse((await runCli(['status', '--json', '--config', config])).stdout);
    expect(status.instances[0].drill).toMatchObject({ drillId: drill.drillId, outcome: 'succeeded', band: 'compliant' });
  });

  it('drill --cancel ends a drill in flight as cancelled; bad arguments exit 2', async () => {
    await runCli(['run', '--config', config]);
    const drill = JSON.parse((await runCli(['drill', 'app-db-1', '--json', '--config', config])).stdout);
    const cancelled = await runCli(['drill', '--cancel', drill.drillId, '--json', '--config', config]);
    expect(cancelled.code).toBe(0);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ drillId: drill.drillId, phase: 'done', outcome: 'cancelled' });
    expect((await runCli(['drill', '--cancel', drill.drillId, '--config', config])).stderr).toMatch(/is done already/);
    expect((await runCli(['drill', '--config', config])).code).toBe(2);
    expect((await runCli(['drill', 'not-in-fleet', '--config', config])).stderr).toMatch(/not in the fleet/);
    expect((await runCli(['drill', 'app-db-1', '--source', 'moon', '--config', config])).code).toBe(2);
  });
});
