import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Installs Chromium when missing (once per jest run, scripts/ensure-chromium.sh, as moto is for
 * the integration tests) and hands its path to the browser test workers.
 */
export default async function globalSetup(): Promise<void> {
  let output: string;
  try {
    output = execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'ensure-chromium.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch {
    throw new Error('Chromium is not available and could not be installed (see the messages above from ensure-chromium.sh)');
  }
  const path = /^CHROMIUM_PATH=(.*)$/m.exec(output)?.[1]?.trim();
  if (!path) throw new Error(`ensure-chromium.sh printed no CHROMIUM_PATH: ${output}`);
  process.env.CHROMIUM_PATH = path;
}
