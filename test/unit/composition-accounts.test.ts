import { parseConfig } from '../../config/load';
import { buildApp } from '../../src/composition';
import { silentLogger } from '../../src/ports/logger';

/**
 * `accounts` are wired (every member's work goes through its account's scope); `vault` passes
 * validation but no vault copy is made yet, so the composition root refuses a fleet that sets it.
 */
const BASE = `
kms:
  us-west-2: alias/snapward-dr
instances:
  - { id: jira-1, region: us-east-1, drRegion: us-west-2, tier: 1 }
`;
const ACCOUNTS = `accounts:\n  - { name: prod-a, id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/snapward-member" }\n`;

describe('a fleet with accounts or a vault', () => {
  it('is refused by the composition root while no vault copy is made, before anything is built', () => {
    const config = parseConfig(`${BASE}vault:\n  account: { id: "999999999999", roleArn: "arn:aws:iam::999999999999:role/snapward-vault" }\n  kms: { us-west-2: alias/vault }\n`, '/etc/snapward.yaml', '/etc');
    expect(() => buildApp({ config, logger: silentLogger, storeMode: 'none' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/\/etc\/snapward.yaml sets vault: it is validated, but this build makes no vault copies yet/) }),
    );
  });

  it('a fleet with accounts builds, with a scope per configured account', async () => {
    const app = buildApp({ config: parseConfig(`${BASE}${ACCOUNTS}`, null, '/etc'), logger: silentLogger, storeMode: 'none' });
    const scope = app.deps.accounts.scope('111111111111');
    expect(scope).toMatchObject({ id: '111111111111', name: 'prod-a' });
    expect(scope.provider).not.toBe(app.deps.provider); // its own clients, with the role's credentials
    expect(app.deps.accounts.scope('123456789012').provider).toBe(app.deps.provider); // anyone else: the caller's own
    await app.close();
  });
});
