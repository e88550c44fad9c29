import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from '../../config/errors';
import { problemsOf } from '../support/config-problems';
import { loadConfig, parseConfig } from '../../config/load';
import { auditBudget } from '../../src/domain/config';
import { DEFAULT_TIER_POLICIES } from '../../src/domain/tiers';
import { DAY, HOUR, MINUTE } from '../../src/domain/time';

/** The smallest valid file; bad cases append to or replace parts of it. */
const MINIMAL = `
kms:
  us-west-2: alias/snapward-dr
instances:
  - id: db1
    region: us-east-1
    drRegion: us-west-2
    tier: 1
`;

const FULL = `
retentionDays: 14
kms:
  us-west-2: alias/snapward-dr
  eu-west-1: arn:aws:kms:eu-west-1:123456789012:key/abc
instances:
  - id: Jira-Prod-USE1-1
    kind: instance
    region: us-east-1
    drRegion: us-west-2
    tier: 1
    product: jira
  - id: billing
    kind: cluster
    region: eu-central-1
    drRegion: eu-west-1
    tier: 0
discover:
  - region: us-east-1
    drRegion: us-west-2
    tierTag: backup:tier
    kinds: [cluster]
  - region: us-east-2
    drRegion: us-west-2
state:
  sqlite: var/state.db
tiers:
  2: { rpo: 4h, snapshotEvery: 6h }
  3: { rto: 1h30m }
concurrency:
  instances: 4
  clusterCopiesPerRegion: 2
`;

describe('a valid config file', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapward-config-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('maps every field, applies defaults and resolves paths against the file folder', () => {
    fs.mkdirSync(path.join(dir, 'etc'));
    fs.writeFileSync(path.join(dir, 'etc', 'sw.yaml'), FULL);
    const config = loadConfig({ configPath: 'etc/sw.yaml', cwd: dir });

    expect(config.configPath).toBe(path.join(dir, 'etc', 'sw.yaml'));
    expect(config.retentionDays).toBe(14);
    expect(config.kms).toEqual({ 'us-west-2': 'alias/snapward-dr', 'eu-west-1': 'arn:aws:kms:eu-west-1:123456789012:key/abc' });
    expect(config.instances).toEqual([
      { id: 'jira-prod-use1-1', kind: 'instance', region: 'us-east-1', drRegion: 'us-west-2', tier: 1, product: 'jira', origin: 'config' },
      { id: 'billing', kind: 'cluster', region: 'eu-central-1', drRegion: 'eu-west-1', tier: 0, origin: 'config' },
    ]);
    expect(config.instances[1]).not.toHaveProperty('product');
    expect(config.discover).toEqual([
      { region: 'us-east-1', drRegion: 'us-west-2', tierTag: 'backup:tier', kinds: ['cluster'] },
      { region: 'us-east-2', drRegion: 'us-west-2', tierTag: 'snapward:tier', kinds: ['instance', 'cluster'] },
    ]);
    expect(config.state.sqlite).toBe(path.join(dir, 'etc', 'var', 'state.db'));
    expect(config.tiers).toEqual({
      0: DEFAULT_TIER_POLICIES[0],
      1: DEFAULT_TIER_POLICIES[1],
      2: { rpoMs: 4 * HOUR, rtoMs: 24 * HOUR, snapshotEveryMs: 6 * HOUR },
      3: { rpoMs: 24 * HOUR, rtoMs: 90 * MINUTE, snapshotEveryMs: DAY },
    });
    expect(config.concurrency).toEqual({ instances: 4, instanceCopiesPerRegion: 20, clusterCopiesPerRegion: 2 });
  });

  it('is deeply frozen', () => {
    const config = parseConfig(FULL, null, dir);
    for (const part of [config, config.kms, config.instances, config.instances[0], config.discover[0]?.kinds, config.tiers[2], config.state]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
  });

  it('reads snapward.yaml in cwd by default, with every default applied', () => {
    fs.writeFileSync(path.join(dir, 'snapward.yaml'), MINIMAL);
    const config = loadConfig({ cwd: dir });
    expect(config.configPath).toBe(path.join(dir, 'snapward.yaml'));
    expect(config.retentionDays).toBe(30);
    expect(config.instances[0]).toEqual({ id: 'db1', kind: 'instance', region: 'us-east-1', drRegion: 'us-west-2', tier: 1, origin: 'config' });
    expect(config.discover).toEqual([]);
    expect(config.state.sqlite).toBe(path.join(dir, '.snapward', 'state.db'));
    expect(config.tiers).toEqual(DEFAULT_TIER_POLICIES);
    expect(config.concurrency).toEqual({ instances: 8, instanceCopiesPerRegion: 20, clusterCopiesPerRegion: 5 });
    expect(config.audit).toEqual({ everyMs: 24 * 3600 * 1000, membersPerPass: null });
  });

  it('reads the audit settings, and derives the per-pass slice from the fleet size when not set', () => {
    const config = parseConfig(`${MINIMAL}audit: { every: 12h, membersPerPass: 7 }\n`, null, dir);
    expect(config.audit).toEqual({ everyMs: 12 * 3600 * 1000, membersPerPass: 7 });
    expect(auditBudget(config.audit, 5000)).toBe(7);
    // 15-minute passes: 96 a day, so 5,000 members take 53 a pass to be audited daily.
    expect(auditBudget({ everyMs: 24 * 3600 * 1000, membersPerPass: null }, 5000)).toBe(53);
    expect(auditBudget({ everyMs: 12 * 3600 * 1000, membersPerPass: null }, 3)).toBe(1);
  });

  it('keeps an absolute state path and accepts a fleet made only of discover rules', () => {
    const config = parseConfig(
      'kms: { us-west-2: k }\ndiscover: [{ region: us-east-1, drRegion: us-west-2 }]\nstate: { sqlite: /var/lib/sw.db }\n',
      null,
      dir,
    );
    expect(config.state.sqlite).toBe('/var/lib/sw.db');
    expect(config.instances).toEqual([]);
    expect(config.configPath).toBeNull();
  });

  it('the shipped example is valid', () => {
    const example = path.join(__dirname, '..', '..', 'config', 'examples', 'snapward.example.yaml');
    expect(loadConfig({ configPath: example }).instances.length).toBeGreaterThan(0);
    expect(loadConfig({ configPath: example }).attachments.length).toBeGreaterThan(0);
  });
});

/** A one-instance file; `fields` replace the valid defaults, and `undefined` leaves a field out. */
function instanceWith(fields: Record<string, string | undefined>): string {
  const entry = { id: 'db1', region: 'us-east-1', drRegion: 'us-west-2', tier: '1', ...fields };
  const flow = Object.entries(entry)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return `kms: { us-west-2: k }\ninstances:\n  - { ${flow} }\n`;
}

describe('accepted values', () => {
  it.each([
    ['a one-letter id', { id: 'A' }, 'a'],
    ['a 63-character id', { id: `a${'-b'.repeat(31)}` }, `a${'-b'.repeat(31)}`],
    ['a GovCloud region', { region: 'us-gov-west-1' }, 'db1'],
    ['an ISO region', { region: 'us-isob-east-1' }, 'db1'],
    ['a China region', { region: 'cn-northwest-1' }, 'db1'],
    ['an EU sovereign cloud region', { region: 'eusc-de-east-1' }, 'db1'],
    ['a two-digit region number', { region: 'ap-southeast-12' }, 'db1'],
  ])('%s', (_name, fields, id) => {
    expect(parseConfig(instanceWith(fields), null, '/').instances[0]?.id).toBe(id);
  });
});

describe('an invalid config file', () => {
  it.each<[string, string, string, unknown, string | RegExp]>([
    ['an unknown key', `${MINIMAL}retention: 5\n`, 'retention', 5, /^no key "retention" here \(allowed: retentionDays, kms, instances,/],
    ['an unknown nested key', instanceWith({ teir: '2' }), 'instances[0].teir', 2, /^no key "teir" here \(allowed: id, kind, region, drRegion, tier, product, account\)$/],
    ['tier 7', instanceWith({ tier: '7' }), 'instances[0].tier', 7, 'an integer tier 0..3'],
    ['a fractional tier', instanceWith({ tier: '1.5' }), 'instances[0].tier', 1.5, 'an integer tier 0..3'],
    ['retentionDays 0', `${MINIMAL}retentionDays: 0\n`, 'retentionDays', 0, 'a whole number of days from 1 to 3650'],
    ['retentionDays 3651', `${MINIMAL}retentionDays: 3651\n`, 'retentionDays', 3651, 'a whole number of days from 1 to 3650'],
    ['a missing required field', instanceWith({ region: undefined }), 'instances[0].region', undefined, /^an AWS region name/],
    ['a null required field', instanceWith({ region: 'null' }), 'instances[0].region', null, /^an AWS region name/],
    ['a bad id', instanceWith({ id: 'Bad--id-' }), 'instances[0].id', 'Bad--id-', /^an RDS identifier: 1 to 63 letters/],
    ['an id starting with a digit', instanceWith({ id: '1db' }), 'instances[0].id', '1db', /^an RDS identifier/],
    ['an id of 64 characters', instanceWith({ id: `a${'b'.repeat(63)}` }), 'instances[0].id', `a${'b'.repeat(63)}`, /^an RDS identifier/],
    ['drRegion equal to region', instanceWith({ drRegion: 'us-east-1' }), 'instances[0].drRegion', 'us-east-1', 'a DR region different from region (us-east-1)'],
    ['a DR region with no KMS key', MINIMAL.replace('drRegion: us-west-2', 'drRegion: eu-west-1'), 'instances[0].drRegion', 'eu-west-1', 'a KMS key for DR region eu-west-1 under kms.eu-west-1'],
    ['a discover rule DR region with no KMS key', `${MINIMAL}discover: [{ region: us-east-1, drRegion: ca-central-1 }]\n`, 'discover[0].drRegion', 'ca-central-1', 'a KMS key for DR region ca-central-1 under kms.ca-central-1'],
    ['a bad region', instanceWith({ region: 'useast1' }), 'instances[0].region', 'useast1', 'an AWS region name like us-east-1'],
    ['a region number with a leading zero', instanceWith({ region: 'us-east-01' }), 'instances[0].region', 'us-east-01', 'an AWS region name like us-east-1'],
    ['a region of no AWS partition', instanceWith({ region: 'xx-east-1' }), 'instances[0].region', 'xx-east-1', 'an AWS region name like us-east-1'],
    ['a global pseudo-region', instanceWith({ region: 'aws-global' }), 'instances[0].region', 'aws-global', 'an AWS region name like us-east-1'],
    ['a kms key that is not a region', `${MINIMAL.replace('kms:', 'kms:\n  primary: k')}`, 'kms.primary', 'primary', 'a key that is an AWS region name like us-east-1'],
    ['an empty kms value', MINIMAL.replace('alias/snapward-dr', '""'), 'kms.us-west-2', '', 'a KMS key id, ARN or alias'],
    ['a bad kind', instanceWith({ kind: 'aurora' }), 'instances[0].kind', 'aurora', 'instance or cluster'],
    ['an empty fleet', 'kms: { us-west-2: k }\ninstances: []\n', 'instances', [], 'at least one database under instances, a rule under discover, or a bucket pair under attachments (nothing to back up or verify)'],
    ['a bad duration', `${MINIMAL}tiers: { 1: { rpo: 6 hours } }\n`, 'tiers.1.rpo', '6 hours', 'a duration greater than 0 like 30m, 6h, 1d or 1h30m'],
    ['a zero rto', `${MINIMAL}tiers: { 1: { rto: 0h } }\n`, 'tiers.1.rto', '0h', 'a duration greater than 0 like 30m, 6h, 1d or 1h30m'],
    ['snapshotEvery 7h', `${MINIMAL}tiers: { 2: { snapshotEvery: 7h } }\n`, 'tiers.2.snapshotEvery', '7h', /^a duration from 1h to 24h that divides 24h evenly/],
    ['snapshotEvery 30m', `${MINIMAL}tiers: { 2: { snapshotEvery: 30m } }\n`, 'tiers.2.snapshotEvery', '30m', /^a duration from 1h to 24h/],
    ['a tier override for tier 4', `${MINIMAL}tiers: { 4: { rpo: 1h } }\n`, 'tiers.4', { rpo: '1h' }, 'no key "4" here (allowed: 0, 1, 2, 3)'],
    ['an audit slice of 0', `${MINIMAL}audit: { membersPerPass: 0 }\n`, 'audit.membersPerPass', 0, /^an integer from 1 to 100000/],
    ['concurrency above the AWS copy limit', `${MINIMAL}concurrency: { clusterCopiesPerRegion: 6 }\n`, 'concurrency.clusterCopiesPerRegion', 6, /^an integer from 1 to 5/],
    ['an empty kinds list', `${MINIMAL}discover: [{ region: us-east-1, drRegion: us-west-2, kinds: [] }]\n`, 'discover[0].kinds', [], 'a non-empty list of instance, cluster'],
    ['a list where a mapping belongs', `${MINIMAL}state: [x]\n`, 'state', ['x'], 'a mapping with keys sqlite'],
    ['a document that is not a mapping', '- a\n- b\n', '(root)', ['a', 'b'], /^a mapping of settings with keys retentionDays, kms/],
    ['an empty file', '# nothing yet\n', '(root)', null, /^a mapping of settings \(the file is empty/],
    ['an alias to no anchor', `${MINIMAL}retentionDays: *days\n`, '(root)', undefined, /^valid YAML \(Unresolved alias/],
    ['two YAML documents', `${MINIMAL}---\nretentionDays: 3\n`, '(root)', '---', /^valid YAML: the file holds more than one document/],
  ])('%s', (_name, text, problemPath, value, expected) => {
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toEqual({ path: problemPath, value, expected: typeof expected === 'string' ? expected : expect.stringMatching(expected) });
  });

  it('reports a duplicate id (case-insensitively) in one account and region at the second occurrence, naming the first', () => {
    const region = /region: ([a-z0-9-]+)/.exec(MINIMAL)?.[1] as string;
    const text = `${MINIMAL}  - { id: other, region: us-east-1, drRegion: us-west-2, tier: 2 }\n  - { id: DB1, region: ${region}, drRegion: us-west-2, tier: 3 }\n`;
    expect(problemsOf(text)).toEqual([
      { path: 'instances[2].id', value: 'DB1', expected: 'an id not used already in its account and region (instances[0].id has the same id)' },
    ]);
  });

  it('accepts the same id in another region or another account: ids are unique per account and region only', () => {
    const accounts = 'accounts:\n  - { name: prod-a, id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/snapward-member" }\n';
    const text = `${accounts}${MINIMAL}  - { id: DB1, region: eu-west-1, drRegion: us-west-2, tier: 3 }\n  - { id: db1, account: prod-a, region: us-east-1, drRegion: us-west-2, tier: 3 }\n`;
    expect(parseConfig(text, null, '/').instances.map((i) => [i.id, i.region, i.account ?? null])).toEqual([
      ['db1', 'us-east-1', null],
      ['db1', 'eu-west-1', null],
      ['db1', 'us-east-1', 'prod-a'],
    ]);
  });

  it('reports malformed YAML with its line, column and file', () => {
    expect(() => parseConfig('kms:\n  us-west-2: k\ninstances: [a: b: c\n', '/etc/sw.yaml', '/etc')).toThrow(ConfigError);
    try {
      parseConfig('retentionDays: 30\nkms: a: b\n', '/etc/sw.yaml', '/etc');
    } catch (err) {
      const problem = (err as ConfigError).problems[0];
      expect(problem).toEqual({ path: '(root)', value: 'kms: a: b', expected: expect.stringContaining('line 2, column 6 of /etc/sw.yaml') });
      expect(problem?.expected).toMatch(/^valid YAML: /);
      expect((err as ConfigError).code).toBe('CONFIG_INVALID');
    }
    expect.assertions(4);
  });

  it('reports a missing file by path and suggests --config FILE', () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'snapward-config-'));
    try {
      expect(() => loadConfig({ cwd })).toThrow(/--config FILE/);
      expect(() => loadConfig({ cwd })).toThrow(ConfigError);
      try {
        loadConfig({ cwd });
      } catch (err) {
        expect((err as ConfigError).problems[0]?.value).toBe(path.join(cwd, 'snapward.yaml'));
        expect((err as ConfigError).message).toContain(path.join(cwd, 'snapward.yaml'));
      }
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('reports every problem in one error, one per line', () => {
    const text = `
retentionDays: 0
colour: blue
kms: { us-west-2: k }
instances:
  - { id: db1, region: us-east-1, drRegion: eu-west-1, tier: 7 }
  - { id: db1, region: us-east-1, drRegion: us-west-2, tier: 1 }
tiers: { 2: { snapshotEvery: 7h } }
`;
    let error: ConfigError | undefined;
    try {
      parseConfig(text, '/etc/sw.yaml', '/etc');
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.problems.map((p) => p.path).sort()).toEqual(
      ['colour', 'instances[0].drRegion', 'instances[0].tier', 'instances[1].id', 'retentionDays', 'tiers.2.snapshotEvery'].sort(),
    );
    const lines = error?.message.split('\n') ?? [];
    expect(lines[0]).toBe('invalid configuration in /etc/sw.yaml (6 problems):');
    expect(lines).toContain('  instances[0].tier: got 7, expected an integer tier 0..3');
    expect(lines).toContain('  colour: got "blue", expected no key "colour" here (allowed: retentionDays, kms, instances, discover, state, tiers, concurrency, audit, attachments, alerts, adhoc, drills, retry, timeouts, accounts, vault, aws)');
    expect(lines).toHaveLength(7);
  });

  it('shows a missing value as missing and truncates long values', () => {
    const long = 'x'.repeat(200);
    const message = (() => {
      try {
        parseConfig(`${instanceWith({ tier: undefined })}product2: ${long}\n`, null, '/');
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    expect(message).toContain('  instances[0].tier: missing, expected an integer tier 0..3');
    expect(message).toMatch(/product2: got "x{58}…, expected/);
  });
});

describe('attachments', () => {
  const PAIR = `
attachments:
  - name: jira-media-use1
    tier: 1
    source:  { bucket: jira-media-use1, region: us-east-1 }
    replica: { bucket: jira-media-usw2, region: us-west-2 }
    prefix: "att/"
  - { name: conf_media.2, tier: 3, source: { bucket: conf.media, region: eu-west-1 }, replica: { bucket: conf-media-dr, region: eu-central-1 } }
`;

  /** One pair with `fields` replacing the valid defaults (flow-style YAML values). */
  function pairWith(fields: Record<string, string | undefined>): string {
    const entry = { name: 'p', tier: '1', source: '{ bucket: src-b, region: us-east-1 }', replica: '{ bucket: dst-b, region: us-west-2 }', ...fields };
    const flow = Object.entries(entry)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
    return `attachments:\n  - { ${flow} }\n`;
  }

  it('maps pairs, with the prefix defaulting to the whole bucket', () => {
    const config = parseConfig(`${MINIMAL}${PAIR}`, null, '/');
    expect(config.attachments).toEqual([
      { name: 'jira-media-use1', tier: 1, source: { bucket: 'jira-media-use1', region: 'us-east-1' }, replica: { bucket: 'jira-media-usw2', region: 'us-west-2' }, prefix: 'att/' },
      { name: 'conf_media.2', tier: 3, source: { bucket: 'conf.media', region: 'eu-west-1' }, replica: { bucket: 'conf-media-dr', region: 'eu-central-1' }, prefix: '' },
    ]);
    expect(Object.isFrozen(config.attachments[0]?.source)).toBe(true);
  });

  it('defaults to no pairs', () => {
    expect(parseConfig(MINIMAL, null, '/').attachments).toEqual([]);
  });

  it('accepts a file whose only content is attachments (no kms, no databases)', () => {
    const config = parseConfig(PAIR, null, '/');
    expect(config.attachments).toHaveLength(2);
    expect(config.instances).toEqual([]);
  });

  it('accepts a same-region replica (SRR)', () => {
    expect(parseConfig(pairWith({ replica: '{ bucket: dst-b, region: us-east-1 }' }), null, '/').attachments[0]?.replica.region).toBe('us-east-1');
  });

  it.each<[string, string, string, unknown, string | RegExp]>([
    ['a bad name', pairWith({ name: '"media pair"' }), 'attachments[0].name', 'media pair', 'a name of 1 to 64 letters, digits, "-", "_" or "."'],
    ['tier 4', pairWith({ tier: '4' }), 'attachments[0].tier', 4, 'an integer tier 0..3'],
    ['an upper-case bucket', pairWith({ source: '{ bucket: Media, region: us-east-1 }' }), 'attachments[0].source.bucket', 'Media', /^an S3 bucket name: 3 to 63/],
    ['a 2-character bucket', pairWith({ source: '{ bucket: ab, region: us-east-1 }' }), 'attachments[0].source.bucket', 'ab', /^an S3 bucket name/],
    ['a bucket with ".."', pairWith({ replica: '{ bucket: a..b, region: us-west-2 }' }), 'attachments[0].replica.bucket', 'a..b', /^an S3 bucket name/],
    ['a bucket shaped like an IP address', pairWith({ replica: '{ bucket: 192.168.1.1, region: us-west-2 }' }), 'attachments[0].replica.bucket', '192.168.1.1', /^an S3 bucket name/],
    ['a bucket ending in a hyphen', pairWith({ replica: '{ bucket: media-, region: us-west-2 }' }), 'attachments[0].replica.bucket', 'media-', /^an S3 bucket name/],
    ['a reserved bucket prefix', pairWith({ replica: '{ bucket: xn--media, region: us-west-2 }' }), 'attachments[0].replica.bucket', 'xn--media', /^an S3 bucket name/],
    ['a reserved bucket suffix', pairWith({ replica: '{ bucket: media-s3alias, region: us-west-2 }' }), 'attachments[0].replica.bucket', 'media-s3alias', /^an S3 bucket name/],
    ['a bad region', pairWith({ replica: '{ bucket: dst-b, region: uswest2 }' }), 'attachments[0].replica.region', 'uswest2', 'an AWS region name like us-east-1'],
    ['a missing replica', pairWith({ replica: undefined }), 'attachments[0].replica', undefined, 'a bucket with keys bucket, region'],
    ['an unknown key', pairWith({ colour: 'red' }), 'attachments[0].colour', 'red', 'no key "colour" here (allowed: name, tier, source, replica, prefix)'],
    ['an unknown bucket key', pairWith({ source: '{ bucket: src-b, region: us-east-1, arn: x }' }), 'attachments[0].source.arn', 'x', 'no key "arn" here (allowed: bucket, region)'],
    ['a prefix that is not text', pairWith({ prefix: '[a]' }), 'attachments[0].prefix', ['a'], 'a key prefix (text, "" for the whole bucket)'],
    ['the same bucket on both sides', pairWith({ replica: '{ bucket: src-b, region: us-west-2 }' }), 'attachments[0].replica.bucket', 'src-b', 'a replica bucket other than the source bucket (src-b)'],
    ['attachments that are not a list', 'attachments: { name: p }\n', 'attachments', { name: 'p' }, 'a list of attachment bucket pairs'],
  ])('rejects %s', (_name, text, problemPath, value, expected) => {
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toEqual({ path: problemPath, value, expected: typeof expected === 'string' ? expected : expect.stringMatching(expected) });
  });

  it('reports a duplicate name at the second occurrence, naming the first', () => {
    const text = `${pairWith({ name: 'media' })}  - { name: other, tier: 1, source: { bucket: s2-b, region: us-east-1 }, replica: { bucket: d2-b, region: us-west-2 } }\n  - { name: media, tier: 2, source: { bucket: s3-b, region: us-east-1 }, replica: { bucket: d3-b, region: us-west-2 } }\n`;
    expect(problemsOf(text)).toEqual([{ path: 'attachments[2].name', value: 'media', expected: 'a name not used already (attachments[0].name has the same name)' }]);
  });

  it('an empty attachments list with no databases is still an empty configuration', () => {
    expect(problemsOf('attachments: []\n')).toEqual([
      { path: 'instances', value: undefined, expected: expect.stringMatching(/^at least one database under instances, a rule under discover, or a bucket pair under attachments/) },
    ]);
  });
});

describe('alerts', () => {
  it('maps the alert settings, with defaults for the times', () => {
    const config = parseConfig(`${MINIMAL}alerts:\n  eventBus: snapward-alerts\n  region: us-east-1\n  renotifyAfter: 2h\n`, null, '/etc/snapward');
    expect(config.alerts).toEqual({ eventBus: 'snapward-alerts', region: 'us-east-1', graceMs: 2 * HOUR, copyGraceMs: 6 * HOUR, renotifyMs: 2 * HOUR, quotaWarnPercent: 80 });
  });

  it('leaves alerts undefined when the key is absent (findings are still tracked, nothing is sent)', () => {
    expect(parseConfig(MINIMAL, null, '/etc/snapward').alerts).toBeUndefined();
  });

  it.each([
    ['alerts:\n  region: us-east-1\n', 'alerts.eventBus'],
    ['alerts:\n  eventBus: b\n  region: mars-1\n', 'alerts.region'],
    ['alerts:\n  eventBus: b\n  region: us-east-1\n  graceTime: soon\n', 'alerts.graceTime'],
    ['alerts:\n  eventBus: b\n  region: us-east-1\n  quotaWarnPercent: 120\n', 'alerts.quotaWarnPercent'],
    ['alerts:\n  eventBus: b\n  region: us-east-1\n  channel: pager\n', 'alerts.channel'],
  ])('rejects %j at %s', (yaml, path) => {
    expect(problemsOf(`${MINIMAL}${yaml}`).map((p) => p.path)).toContain(path);
  });
});
