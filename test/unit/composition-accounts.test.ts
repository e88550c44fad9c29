import { parseConfig } from '../../config/load';
import { buildApp } from '../../src/composition';
import { silentLogger } from '../../src/ports/logger';

/**
 * `accounts` and `vault` pass validation but the engine does not act on them yet: an app built
 * from such a fleet would back up the caller's account instead. The composition root refuses it.
 */
const BASE = `
kms:
  us-west-2: alias/snapward-dr
instances:
  - { id: jira-1, region: us-east-1, drRegion: us-west-2, tier: 1 }
`;

describe('a fleet with accounts or a vault', () => {
  it.each([
    ['accounts', `accounts:\n  - { name: prod-a, id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/snapward-member" }\n`],
    ['vault', `vault:\n  account: { id: "999999999999", roleArn: "arn:aws:iam::999999999999:role/snapward-vault" }\n  kms: { us-west-2: alias/vault }\n`],
  ])('is refused by the composition root while the engine ignores %s, before anything is built', (key, extra) => {
    const config = parseConfig(`${BASE}${extra}`, '/etc/snapward.yaml', '/etc');
    expect(() => buildApp({ config, logger: silentLogger, storeMode: 'none' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(new RegExp(`/etc/snapward.yaml sets ${key}: these are validated, but this build does not act on them yet`)) }),
    );
  });

  it('a fleet without them builds as before', async () => {
    const app = buildApp({ config: parseConfig(BASE, null, '/etc'), logger: silentLogger, storeMode: 'none' });
    await app.close();
  });
});
