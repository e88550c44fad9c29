import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * The import direction, enforced: domain <- ports <- app <- adapters; only the composition root,
 * the CLI and handlers reach adapters. A rule that is only written down decays.
 */
const SRC = resolve(__dirname, '..', '..', 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1] as string);
}

const rules: { layer: string; forbidden: RegExp; why: string }[] = [
  { layer: 'domain', forbidden: /^(@aws-sdk|pino|better-sqlite3|commander|\.\.\/(ports|app|adapters|cli))/, why: 'domain is pure' },
  { layer: 'ports', forbidden: /^(@aws-sdk|pino|better-sqlite3|commander|\.\.\/(app|adapters|cli))/, why: 'ports are interfaces over the domain' },
  { layer: 'app', forbidden: /^(@aws-sdk|pino|better-sqlite3|commander|\.\.\/(adapters|cli))/, why: 'use cases see ports, never adapters' },
  { layer: 'adapters', forbidden: /^\.\.\/\.\.\/(app|cli)/, why: 'adapters do not call use cases' },
];

describe('architecture', () => {
  it.each(rules)('$layer imports nothing it must not ($why)', ({ layer, forbidden }) => {
    const offenders = filesUnder(join(SRC, layer)).flatMap((file) =>
      importsOf(file)
        .filter((spec) => forbidden.test(spec))
        .map((spec) => `${relative(SRC, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the domain never reads the environment or the wall clock', () => {
    const code = (f: string) => readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    const offenders = filesUnder(join(SRC, 'domain')).filter((f) => /process\.env|Date\.now\(\)|new Date\(\)/.test(code(f)));
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });

  describe('a kind of work is named in exactly two files, plus its registration', () => {
    // Late import: the registry pulls in the planners and executors.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { KINDS } = require('../../src/app/kinds') as typeof import('../../src/app/kinds');
    const names = KINDS.map((k) => k.name);
    const code = (f: string) => readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');

    it.each(names)('%s: a planner in domain/kinds and an executor in app/kinds', (name) => {
      for (const file of [join(SRC, 'domain', 'kinds', `${name}.ts`), join(SRC, 'app', 'kinds', `${name}.ts`)]) expect(statSync(file).isFile()).toBe(true);
    });

    it.each(names)('%s: its planner module is imported only by its executor and the registration', (name) => {
      const importers = filesUnder(SRC)
        .filter((f) => importsOf(f).some((spec) => resolve(join(f, '..'), spec) === join(SRC, 'domain', 'kinds', name)))
        .map((f) => relative(SRC, f))
        .sort();
      expect(importers).toEqual([`app/kinds/${name}.ts`, 'app/kinds/index.ts'].sort());
    });

    it('no other file asks which kind a step is', () => {
      const kinds = names.join('|');
      const asks = new RegExp(`(kind\\s*[!=]==?\\s*'(${kinds})'|case\\s+'(${kinds})'\\s*:|kind:\\s*'(${kinds})')`);
      const inKindFiles = (f: string) => f.startsWith(join(SRC, 'domain', 'kinds')) || f.startsWith(join(SRC, 'app', 'kinds'));
      const offenders = filesUnder(SRC).filter((f) => !inKindFiles(f) && asks.test(code(f))).map((f) => relative(SRC, f));
      expect(offenders).toEqual([]);
    });
  });

  it('SDK clients are constructed only in adapters/aws/clients.ts', () => {
    const offenders = filesUnder(SRC).filter((f) => /new (RDS|KMS|S3|EventBridge|DynamoDB|STS)Client\(/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(SRC, f))).toEqual(['adapters/aws/clients.ts']);
  });
});
