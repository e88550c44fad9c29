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
