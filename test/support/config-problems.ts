import { ConfigError, ConfigProblem } from '../../config/errors';
import { parseConfig } from '../../config/load';

/** The problems parseConfig reports for `text` (fails the test if it does not throw a ConfigError). */
export function problemsOf(text: string, configPath: string | null = null, baseDir = '/etc/snapward'): ConfigProblem[] {
  try {
    parseConfig(text, configPath, baseDir);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** The smallest valid fleet: one instance and its DR key; tests append the keys they are about. */
export const MINIMAL_CONFIG = `
kms:
  us-west-2: alias/snapward-dr
instances:
  - { id: db1, region: us-east-1, drRegion: us-west-2, tier: 1 }
`;
