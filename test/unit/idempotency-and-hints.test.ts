import { memberHint, notInFleetHint } from '../../src/app/instance-hints';
import { DatabaseCatalog } from '../../src/app/catalog';
import { isValidIdempotencyKey } from '../../src/domain/idempotency';
import { Database, FleetMember } from '../../src/domain/types';
import { parseConfig } from '../../config/load';
import { SnapshotProvider } from '../../src/ports/snapshot-provider';
import { AccountScope } from '../../src/ports/accounts';

describe('idempotency keys', () => {
  it.each([
    ['chg-881', true],
    ['a', true],
    ['x'.repeat(128), true],
    ['CHG 881: resize / upgrade', true],
    ['', false],
    ['änderung-42', false], // ASCII only, as the operator event's schema
    ['x'.repeat(129), false],
    ['tab\there', false],
    ['line\nbreak', false],
    ['zero\u200bwidth', false],
  ])('%j valid: %s', (key, ok) => {
    expect(isValidIdempotencyKey(key)).toBe(ok);
  });

  it('accepts exactly what the operator event accepts', () => {
    expect(isValidIdempotencyKey(' ~')).toBe(true);
    expect(isValidIdempotencyKey(42)).toBe(false);
  });
});

const db = (over: Partial<Database>): Database => ({ id: 'db1', kind: 'instance', region: 'us-east-1', status: 'available', encrypted: true, tags: {}, latestRestorableTime: null, backupRetentionDays: 1, ...over });
const member = (over: Partial<FleetMember>): FleetMember => ({ id: 'db1', kind: 'instance', region: 'us-east-1', drRegion: 'us-west-2', tier: 1, account: '123456789012', accountName: null, origin: 'config', ...over });

describe('why an instance cannot be backed up as configured', () => {
  it.each([
    ['it exists as configured', member({}), [db({})], null],
    ['it is missing', member({}), [], 'no DB instance db1 in us-east-1: check the id and region in the config'],
    ['it is a cluster configured as an instance', member({}), [db({ kind: 'cluster' })], 'db1 in us-east-1 is an Aurora cluster, configured as an instance: set kind: cluster'],
    ['it is an instance configured as a cluster', member({ kind: 'cluster' }), [db({})], 'db1 in us-east-1 is a DB instance, configured as a cluster: set kind: instance'],
    ['it is an Aurora cluster member', member({}), [db({ clusterId: 'orders' })], 'DB instance db1 is a member of Aurora cluster orders: members are backed up through their cluster; configure { id: orders, kind: cluster } instead'],
  ])('%s', (_name, m, dbs, hint) => {
    expect(memberHint(m, dbs)).toBe(hint);
  });
});

describe('why an id is not in the fleet', () => {
  const config = parseConfig('kms: { us-west-2: k }\ndiscover:\n  - { region: us-east-1, drRegion: us-west-2 }\n', null, '/');
  const catalogOf = (dbs: Database[] | Error) =>
    new DatabaseCatalog({ scope: () => ({ provider: { listDatabases: async () => (dbs instanceof Error ? Promise.reject(dbs) : dbs) } as unknown as SnapshotProvider }) as unknown as AccountScope });

  it('names the missing tag of an untagged database', async () => {
    expect(await notInFleetHint(config, catalogOf([db({ id: 'orders' })]), '123456789012', 'Orders')).toBe('instance orders exists in us-east-1 but is untagged: add the tag snapward:tier with a tier 0..3, or list it under instances');
  });

  it('points a cluster member at its cluster', async () => {
    expect(await notInFleetHint(config, catalogOf([db({ id: 'orders-1', clusterId: 'orders' })]), '123456789012', 'orders-1')).toMatch(/member of Aurora cluster orders: back up the cluster/);
  });

  it('says nothing when it could not look, or the id is nowhere', async () => {
    expect(await notInFleetHint(config, catalogOf(new Error('throttled')), '123456789012', 'orders')).toBeNull();
    expect(await notInFleetHint(config, catalogOf([]), '123456789012', 'orders')).toBeNull();
  });
});
