import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * snapward's version, from the package.json of the installed package: found by walking up from
 * this file, so it is right from the checkout (src/cli), the build (dist/src/cli), a global npm
 * install and the container image alike.
 */
export function snapwardVersion(start: string = __dirname): string {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'snapward' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return 'unknown';
}

/** The `meta` block of every `--json` object document: which build produced it, and when. */
export function jsonMeta(command: string, at: Date): { snapwardVersion: string; command: string; generatedAt: string } {
  return { snapwardVersion: snapwardVersion(), command, generatedAt: at.toISOString() };
}
