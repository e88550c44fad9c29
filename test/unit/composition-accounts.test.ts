import { parseConfig } from '../../config/load';
import { buildApp } from '../../src/composition';
import { silentLogger } from '../../src/ports/logger';

/**
 * The composition root wires `accounts` and `vault`: a scope per configured account (its role's
 * clients), the caller's own for every other id, and the vault's scope (the vault role's clients).
 */
const BASE = `
kms:
  us-west-2: alias/snapward-dr
instances:
  - { id: jira-1, region: us-east-1, drRegion: us-west-2, tier: 1 }
`;
const ACCOUNTS = `accounts:\n  - { name: prod-a, id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/snapward-member" }\n`;
const VAULT = `vault:\n  account: { id: "999999999999", roleArn: "arn:aws:iam::999999999999:role/snapward-vault" }\n  kms: { us-west-2: alias/snapward-vault }\n`;

describe('the composition root over many accounts', () => {
  it('builds a scope per configured account, the caller\'s own for any other id', async () => {
    const app = buildApp({ config: parseConfig(`${BASE}${ACCOUNTS}`, null, '/etc'), logger: silentLogger, storeMode: 'none' });
    const scope = app.deps.accounts.scope('111111111111');
    expect(scope).toMatchObject({ id: '111111111111', name: 'prod-a' });
    expect(scope.provider).not.toBe(app.deps.provider); // its own clients, with the role's credentials
    expect(app.deps.accounts.scope('123456789012').provider).toBe(app.deps.provider); // anyone else: the caller's own
    expect(app.deps.accounts.vault).toBeNull();
    await app.close();
  });

  it('builds the vault\'s scope, apart from the caller\'s and the members\'', async () => {
    const app = buildApp({ config: parseConfig(`${BASE}${ACCOUNTS}${VAULT}`, null, '/etc'), logger: silentLogger, storeMode: 'none' });
    const vault = app.deps.accounts.vault;
    expect(vault).toMatchObject({ id: '999999999999', name: null });
    expect(vault?.provider).not.toBe(app.deps.provider);
    expect(vault?.provider).not.toBe(app.deps.accounts.scope('111111111111').provider);
    await app.close();
  });
});
