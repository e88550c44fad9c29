import { AttachmentPair } from '../../src/domain/config';
import { BucketFacts, checkPairConfig, ConfigProblemCode, isBucketArn, regionOfLocation } from '../../src/domain/replication/config-check';
import { ReplicationRule } from '../../src/domain/replication/types';
import { replicationRule } from '../support/fake-object-store';

const pair = (prefix = 'att/'): AttachmentPair => ({
  name: 'jira-media',
  tier: 1,
  source: { bucket: 'jira-media-use1', region: 'us-east-1' },
  replica: { bucket: 'jira-media-usw2', region: 'us-west-2' },
  prefix,
});

const rule = (overrides: Partial<ReplicationRule> = {}) => replicationRule('jira-media-usw2', overrides);

function facts(overrides: Partial<BucketFacts> = {}): BucketFacts {
  return {
    sourceVersioning: 'Enabled',
    replicaVersioning: 'Enabled',
    replication: { role: 'arn:aws:iam::1:role/r', rules: [rule()] },
    replicaRegion: 'us-west-2',
    ...overrides,
  };
}

const codes = (f: BucketFacts, prefix = 'att/'): ConfigProblemCode[] => checkPairConfig(pair(prefix), f).problems.map((p) => p.code);

describe('checkPairConfig', () => {
  it('finds nothing wrong with versioned buckets and an enabled rule covering everything', () => {
    const check = checkPairConfig(pair(), facts());
    expect(check.problems).toEqual([]);
    expect(check.info[0]).toBe('rule to-dr replicates every key to s3://jira-media-usw2');
  });

  it.each<[string, Partial<BucketFacts>, string, ConfigProblemCode, RegExp]>([
    ['source versioning suspended', { sourceVersioning: 'Suspended' }, 'att/', 'SOURCE_VERSIONING_OFF', /versioning on s3:\/\/jira-media-use1 is Suspended/],
    ['source versioning never enabled', { sourceVersioning: 'Off' }, 'att/', 'SOURCE_VERSIONING_OFF', /is not enabled; replication needs it Enabled/],
    ['replica versioning off', { replicaVersioning: 'Off' }, 'att/', 'REPLICA_VERSIONING_OFF', /s3:\/\/jira-media-usw2 is not enabled/],
    ['no replication configuration', { replication: null }, 'att/', 'NO_REPLICATION_CONFIG', /has no replication configuration/],
    ['a configuration without rules', { replication: { role: null, rules: [] } }, 'att/', 'NO_REPLICATION_CONFIG', /no replication configuration/],
    [
      'rules only to another bucket',
      { replication: { role: null, rules: [replicationRule('someone-else')] } },
      'att/',
      'NO_RULE_FOR_REPLICA',
      /targets arn:aws:s3:::jira-media-usw2 \(rules target arn:aws:s3:::someone-else\)/,
    ],
    ['the rule disabled', { replication: { role: null, rules: [rule({ status: 'Disabled' })] } }, 'att/', 'RULE_DISABLED', /\(to-dr\) is Disabled/],
    ['a rule for another prefix', { replication: { role: null, rules: [rule({ prefix: 'other/' })] } }, 'att/', 'PREFIX_NOT_COVERED', /covers keys under "att\/" \(to-dr: keys under "other\/"\)/],
    ['a rule for a narrower prefix', { replication: { role: null, rules: [rule({ prefix: 'att/2026/' })] } }, 'att/', 'PREFIX_NOT_COVERED', /keys under "att\/2026\/"/],
    ['a prefixed rule for a whole-bucket pair', { replication: { role: null, rules: [rule({ prefix: 'att/' })] } }, '', 'PREFIX_NOT_COVERED', /covers every key/],
    ['a rule narrowed by tags', { replication: { role: null, rules: [rule({ narrowedBy: 'a tag filter' })] } }, 'att/', 'PREFIX_NOT_COVERED', /every key with a tag filter/],
    ['a rule with exclusions', { replication: { role: null, rules: [rule({ narrowedBy: 'exclusions' })] } }, 'att/', 'PREFIX_NOT_COVERED', /with exclusions/],
    ['the replica in another region', { replicaRegion: 'eu-west-1' }, 'att/', 'REPLICA_REGION_MISMATCH', /s3:\/\/jira-media-usw2 is in eu-west-1, but the configuration says us-west-2/],
  ])('%s', (_name, overrides, prefix, code, message) => {
    const check = checkPairConfig(pair(prefix), facts(overrides));
    expect(check.problems).toEqual([{ code, message: expect.stringMatching(message) }]);
  });

  it('accepts a rule whose prefix (filter or legacy V1 Prefix) is a prefix of the pair prefix', () => {
    expect(codes(facts({ replication: { role: null, rules: [rule({ prefix: 'att/' })] } }), 'att/2026/')).toEqual([]);
    expect(codes(facts({ replication: { role: null, rules: [rule({ prefix: 'at' })] } }), 'att/')).toEqual([]);
  });

  it('is satisfied by one enabled covering rule among disabled and narrower ones, and reports the highest priority one', () => {
    const rules = [rule({ id: 'old', status: 'Disabled' }), rule({ id: 'narrow', prefix: 'att/x/', priority: 9 }), rule({ id: 'low', priority: 1 }), rule({ id: 'high', priority: 5 })];
    const check = checkPairConfig(pair(), facts({ replication: { role: null, rules } }));
    expect(check.problems).toEqual([]);
    expect(check.info[0]).toMatch(/^rule high /);
  });

  it('reports every problem at once', () => {
    expect(codes(facts({ sourceVersioning: 'Off', replicaVersioning: 'Suspended', replication: null, replicaRegion: 'us-east-1' }))).toEqual([
      'SOURCE_VERSIONING_OFF',
      'REPLICA_VERSIONING_OFF',
      'REPLICA_REGION_MISMATCH',
      'NO_REPLICATION_CONFIG',
    ]);
  });

  it('reports delete markers, SSE-KMS objects and Replication Time Control as information, never as problems', () => {
    const off = checkPairConfig(pair(), facts());
    expect(off.problems).toEqual([]);
    expect(off.info).toEqual([
      expect.any(String),
      expect.stringMatching(/^delete markers are not replicated/),
      expect.stringMatching(/^SSE-KMS encrypted objects are not replicated/),
      expect.stringMatching(/^Replication Time Control is off/),
    ]);
    const on = checkPairConfig(
      pair(),
      facts({ replication: { role: null, rules: [rule({ deleteMarkerReplication: 'Enabled', sseKmsEncryptedObjects: 'Enabled', replicaKmsKeyId: 'arn:aws:kms:us-west-2:1:key/k', replicationTime: 'Enabled' })] } }),
    );
    expect(on.problems).toEqual([]);
    expect(on.info.slice(1)).toEqual([
      expect.stringMatching(/^delete markers are replicated/),
      'SSE-KMS encrypted objects are replicated (replica key arn:aws:kms:us-west-2:1:key/k)',
      expect.stringMatching(/^Replication Time Control is on/),
    ]);
  });
});

describe('regionOfLocation', () => {
  it.each<[string | null | undefined, string]>([
    [null, 'us-east-1'],
    [undefined, 'us-east-1'],
    ['', 'us-east-1'],
    ['EU', 'eu-west-1'],
    ['us-west-2', 'us-west-2'],
    ['eu-west-1', 'eu-west-1'],
  ])('%p -> %s', (constraint, region) => {
    expect(regionOfLocation(constraint)).toBe(region);
  });
});

describe('isBucketArn', () => {
  it.each<[string, boolean]>([
    ['arn:aws:s3:::jira-media-usw2', true],
    ['arn:aws-us-gov:s3:::jira-media-usw2', true],
    ['arn:aws:s3:::jira-media-usw2-old', false],
    ['arn:aws:s3:::other', false],
    ['jira-media-usw2', false],
    ['arn:aws:s3:::jira-media-usw2/prefix', false],
  ])('%s -> %p', (arn, expected) => {
    expect(isBucketArn(arn, 'jira-media-usw2')).toBe(expected);
  });
});
