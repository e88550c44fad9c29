import { parseConfig } from '../../config/load';
import { MINIMAL_CONFIG, problemsOf as problemsIn } from '../support/config-problems';

/** The `accounts`, `instances[].account`, `discover[].account`, `vault` and `tiers.<n>.accountLossRpo` keys. */
const MINIMAL = MINIMAL_CONFIG;

const MANY = `
kms:
  us-west-2: alias/snapward-dr
  eu-central-1: alias/snapward-dr
accounts:
  - { name: prod-a, id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/snapward-member", externalId: "snapward-7f3a" }
  - { name: prod-b, id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/ops/snapward-member" }
  - { name: home, id: "012345678901" }
instances:
  - { id: jira-1, account: prod-a, region: us-east-1, drRegion: us-west-2, tier: 1 }
  - { id: wiki-1, region: us-east-1, drRegion: us-west-2, tier: 3 }
discover:
  - { account: prod-b, region: eu-west-1, drRegion: eu-central-1, tierTag: snapward:tier }
vault:
  account: { id: "999999999999", roleArn: "arn:aws:iam::999999999999:role/snapward-vault" }
  kms: { us-west-2: alias/vault, eu-central-1: alias/vault }
  retentionDays: 35
  tiers: [1, 0]
tiers:
  1: { accountLossRpo: 24h }
`;

const problemsOf = (text: string) => problemsIn(text, '/etc/snapward.yaml', '/etc');

describe('config: accounts and the vault', () => {
  it('a fleet without accounts or vault parses to the same value as before: no account anywhere', () => {
    const config = parseConfig(MINIMAL, null, '/etc');
    expect(config.accounts).toBeUndefined();
    expect(config.vault).toBeUndefined();
    expect(config.instances[0]).not.toHaveProperty('account');
    expect(config.tiers[1]).not.toHaveProperty('accountLossRpoMs');
  });

  it('carries accounts, each member and rule its account name, the vault with its defaults applied, and the accountLoss target', () => {
    const config = parseConfig(MANY, null, '/etc');
    expect(config.accounts).toEqual([
      { name: 'prod-a', id: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/snapward-member', externalId: 'snapward-7f3a' },
      { name: 'prod-b', id: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/ops/snapward-member' },
      { name: 'home', id: '012345678901' },
    ]);
    expect(config.instances.map((i) => i.account)).toEqual(['prod-a', undefined]);
    expect(config.discover[0]?.account).toBe('prod-b');
    expect(config.vault).toEqual({
      account: { id: '999999999999', roleArn: 'arn:aws:iam::999999999999:role/snapward-vault' },
      kms: { 'us-west-2': 'alias/vault', 'eu-central-1': 'alias/vault' },
      retentionDays: 35,
      tiers: [0, 1],
    });
    expect(config.tiers[1].accountLossRpoMs).toBe(24 * 3600 * 1000);
    expect(config.tiers[0]).not.toHaveProperty('accountLossRpoMs');
    expect(Object.isFrozen(config.vault?.tiers)).toBe(true);
  });

  it('a vault without retentionDays or tiers keeps the fleet retention and covers every tier', () => {
    const config = parseConfig(
      `retentionDays: 14\n${MINIMAL}vault:\n  account: { id: "999999999999", roleArn: "arn:aws:iam::999999999999:role/v" }\n  kms: { us-west-2: alias/vault }\n`,
      null,
      '/etc',
    );
    expect(config.vault).toMatchObject({ retentionDays: 14, tiers: [0, 1, 2, 3] });
  });

  const ACCOUNTS = `accounts:\n  - { name: prod-a, id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/snapward-member" }\n`;
  const ACCOUNT_ID = 'a 12-digit AWS account id as a quoted string like "111111111111" (unquoted, YAML reads it as a number and drops leading zeros)';
  const ROLE_ARN = 'an IAM role ARN like arn:aws:iam::111111111111:role/snapward-member';
  const EXTERNAL_ID = 'an external id of 2 to 1224 letters, digits or any of + = , . @ : / - _';

  it.each([
    ['accounts: [{ name: a, id: 111111111111 }]', 'accounts[0].id', 111111111111, ACCOUNT_ID],
    ['accounts: [{ name: a, id: "11111111111" }]', 'accounts[0].id', '11111111111', ACCOUNT_ID],
    ['accounts: [{ name: a, id: "1111111111112" }]', 'accounts[0].id', '1111111111112', ACCOUNT_ID],
    ['accounts: [{ name: "a b", id: "111111111111" }]', 'accounts[0].name', 'a b', 'an account name of 1 to 64 letters, digits, "-", "_" or "."'],
    ['accounts: [{ id: "111111111111" }]', 'accounts[0].name', undefined, 'an account name of 1 to 64 letters, digits, "-", "_" or "."'],
    ['accounts: [{ name: a, id: "111111111111", roleArn: "arn:aws:iam::111111111111:user/bob" }]', 'accounts[0].roleArn', 'arn:aws:iam::111111111111:user/bob', ROLE_ARN],
    ['accounts: [{ name: a, id: "111111111111", roleArn: "arn:aws:iam::11111111111:role/x" }]', 'accounts[0].roleArn', 'arn:aws:iam::11111111111:role/x', ROLE_ARN],
    ['accounts: [{ name: a, id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/a b" }]', 'accounts[0].roleArn', 'arn:aws:iam::111111111111:role/a b', ROLE_ARN],
    [
      'accounts: [{ name: a, id: "111111111111", roleArn: "arn:aws:iam::222222222222:role/x" }]',
      'accounts[0].roleArn',
      'arn:aws:iam::222222222222:role/x',
      'a role in account 111111111111 (the ARN names account 222222222222)',
    ],
    ['accounts: [{ name: a, id: "111111111111", externalId: "x" }]', 'accounts[0].externalId', 'x', EXTERNAL_ID],
    ['accounts: [{ name: a, id: "111111111111", externalId: "has space" }]', 'accounts[0].externalId', 'has space', EXTERNAL_ID],
    ['accounts: [{ name: a, id: "111111111111", externalId: "' + 'x'.repeat(1225) + '" }]', 'accounts[0].externalId', 'x'.repeat(1225), EXTERNAL_ID],
    ['accounts: [{ name: a, id: "111111111111", region: us-east-1 }]', 'accounts[0].region', 'us-east-1', 'no key "region" here (allowed: name, id, roleArn, externalId)'],
    ['accounts: { a: "111111111111" }', 'accounts', { a: '111111111111' }, 'a list of accounts'],
    [
      'accounts: [{ name: a, id: "111111111111" }, { name: a, id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/m" }]',
      'accounts[1].name',
      'a',
      'a name not used already (accounts[0].name has the same name)',
    ],
    [
      'accounts: [{ name: a, id: "111111111111" }, { name: b, id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/m" }]',
      'accounts[1].id',
      '111111111111',
      'an account id not used already (accounts[0].id has the same id)',
    ],
    [
      'accounts: [{ name: a, id: "111111111111" }, { name: b, id: "222222222222" }]',
      'accounts[1].roleArn',
      undefined,
      `${ROLE_ARN} (accounts[0] has no roleArn already: only the caller's own account goes without one)`,
    ],
  ])('%s is refused, naming the field, the value and what is expected', (line, path, value, expected) => {
    expect(problemsOf(`${MINIMAL}${line}\n`)).toEqual([{ path, value, expected }]);
  });

  it('accepts external ids at both ends of the allowed length and every allowed character', () => {
    for (const externalId of ['ab', 'x'.repeat(1224), 'A_z0+=,.@:/-']) {
      const config = parseConfig(`${MINIMAL}accounts: [{ name: a, id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/r", externalId: "${externalId}" }]\n`, null, '/etc');
      expect(config.accounts?.[0]?.externalId).toBe(externalId);
    }
  });

  it("an instance's or rule's account must name a configured account", () => {
    const text = `${ACCOUNTS}kms: { us-west-2: k }\ninstances:\n  - { id: db1, account: prod-z, region: us-east-1, drRegion: us-west-2, tier: 1 }\ndiscover:\n  - { account: "111111111111", region: us-east-1, drRegion: us-west-2 }\n`;
    expect(problemsOf(text)).toEqual([
      { path: 'instances[0].account', value: 'prod-z', expected: 'the name of an account under accounts (prod-a)' },
      { path: 'discover[0].account', value: '111111111111', expected: 'the name of an account under accounts (prod-a)' },
    ]);
    expect(problemsOf(`kms: { us-west-2: k }\ninstances:\n  - { id: db1, account: prod-a, region: us-east-1, drRegion: us-west-2, tier: 1 }\n`)).toEqual([
      { path: 'instances[0].account', value: 'prod-a', expected: 'the name of an account under accounts (none is configured)' },
    ]);
    expect(problemsOf(`${MINIMAL}discover:\n  - { account: 7, region: us-east-1, drRegion: us-west-2 }\n`)).toEqual([
      { path: 'discover[0].account', value: 7, expected: 'an account name of 1 to 64 letters, digits, "-", "_" or "."' },
    ]);
  });

  const VAULT = (body: string) => `vault:\n  account: { id: "999999999999", roleArn: "arn:aws:iam::999999999999:role/snapward-vault" }\n${body}`;

  it.each([
    [VAULT('  kms: { us-west-2: k }\n  retentionDays: 0\n'), 'vault.retentionDays', 0, 'a whole number of days from 1 to 3650'],
    [VAULT('  kms: { us-west-2: k }\n  tiers: []\n'), 'vault.tiers', [], 'a non-empty list of tiers 0..3'],
    [VAULT('  kms: { us-west-2: k }\n  tiers: [1, 4]\n'), 'vault.tiers[1]', 4, 'an integer tier 0..3'],
    [VAULT('  kms: { us-west-2: k, us-west-02: k }\n'), 'vault.kms.us-west-02', 'us-west-02', 'a key that is an AWS region name like us-east-1'],
    [VAULT('  kms: { us-west-2: k }\n  copies: 2\n'), 'vault.copies', 2, 'no key "copies" here (allowed: account, kms, retentionDays, tiers)'],
    [
      'vault:\n  account: { id: "999999999999" }\n  kms: { us-west-2: k }\n',
      'vault.account.roleArn',
      undefined,
      ROLE_ARN,
    ],
    [
      'vault:\n  account: { id: "999999999999", roleArn: "arn:aws:iam::999999999998:role/v" }\n  kms: { us-west-2: k }\n',
      'vault.account.roleArn',
      'arn:aws:iam::999999999998:role/v',
      'a role in account 999999999999 (the ARN names account 999999999998)',
    ],
    [
      'vault:\n  account: { id: "999999999999", roleArn: "arn:aws:iam::999999999999:role/v", externalId: "!" }\n  kms: { us-west-2: k }\n',
      'vault.account.externalId',
      '!',
      EXTERNAL_ID,
    ],
    [VAULT('  tiers: [1]\n'), 'vault.kms', undefined, "a mapping of DR region to the vault's KMS key id, ARN or alias"],
  ])('%s is refused, naming the field, the value and what is expected', (text, path, value, expected) => {
    expect(problemsOf(`${MINIMAL}${text}`)).toEqual([{ path, value, expected }]);
  });

  it('the vault needs a key in every DR region of the tiers it covers, and in every DR region a discover rule copies to', () => {
    const fleet = `kms: { us-west-2: k, eu-central-1: k, ap-southeast-2: k }
instances:
  - { id: db1, region: us-east-1, drRegion: us-west-2, tier: 1 }
  - { id: db3, region: ap-southeast-1, drRegion: ap-southeast-2, tier: 3 }
discover:
  - { region: eu-west-1, drRegion: eu-central-1 }
`;
    expect(problemsOf(`${fleet}${VAULT('  kms: { us-east-1: k }\n  tiers: [0, 1]\n')}`)).toEqual([
      { path: 'vault.kms.us-west-2', value: undefined, expected: 'a vault KMS key for DR region us-west-2 (instances[0] is tier 1, which the vault covers)' },
      { path: 'vault.kms.eu-central-1', value: undefined, expected: 'a vault KMS key for DR region eu-central-1 (discover[0] copies there and may find any tier)' },
    ]);
    // ap-southeast-2 only receives tier 3, which this vault leaves out: no key needed there.
    expect(() => parseConfig(`${fleet}${VAULT('  kms: { us-west-2: k, eu-central-1: k }\n  tiers: [0, 1]\n')}`, null, '/etc')).not.toThrow();
  });

  it('the vault account is not one of the fleet accounts', () => {
    const text = `${MINIMAL}accounts: [{ name: prod-a, id: "999999999999", roleArn: "arn:aws:iam::999999999999:role/m" }]\n${VAULT('  kms: { us-west-2: k }\n')}`;
    expect(problemsOf(text)).toEqual([
      {
        path: 'vault.account.id',
        value: '999999999999',
        expected: "an account other than the fleet's (accounts[0].id has the same id): a vault the production account can write to is no vault",
      },
    ]);
  });

  it('an accountLoss target is a duration, and only for tiers that get a vault copy', () => {
    expect(problemsOf(`${MINIMAL}tiers:\n  1: { accountLossRpo: soon }\n${VAULT('  kms: { us-west-2: k }\n')}`)).toEqual([
      { path: 'tiers.1.accountLossRpo', value: 'soon', expected: 'a duration greater than 0 like 30m, 6h, 1d or 1h30m' },
    ]);
    expect(problemsOf(`${MINIMAL}tiers:\n  1: { accountLossRpo: 24h }\n`)).toEqual([
      { path: 'tiers.1.accountLossRpo', value: '24h', expected: 'no accountLoss target without a vault key (the target is measured on vault copies)' },
    ]);
    expect(problemsOf(`${MINIMAL}tiers:\n  2: { accountLossRpo: 24h }\n${VAULT('  kms: { us-west-2: k }\n  tiers: [0, 1]\n')}`)).toEqual([
      { path: 'tiers.2.accountLossRpo', value: '24h', expected: 'no accountLoss target for a tier vault.tiers leaves out (tier 2 gets no vault copy)' },
    ]);
  });

  it('reports account problems together with the rest of the file in one go', () => {
    const doc = `retentionDays: 0\nkms: { us-west-2: k }\naccounts: [{ name: a, id: "1" }]\ninstances:\n  - { id: db1, account: b, region: us-east-1, drRegion: us-west-2, tier: 1 }\n`;
    expect(problemsOf(doc).map((p) => p.path).sort()).toEqual(['accounts[0].id', 'instances[0].account', 'retentionDays']);
  });
});
