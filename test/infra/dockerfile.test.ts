import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { delimiter, join } from 'node:path';

/**
 * The CLI image, checked without a Docker engine: the Dockerfile's structure always, and hadolint
 * when it is installed (it is not on Debian 12's archive, so CI may well not have it).
 */
const ROOT = join(__dirname, '..', '..');
const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

interface Instruction {
  readonly line: number;
  readonly op: string;
  readonly args: string;
}

/** Instructions with continuation lines joined and comments dropped. */
function parse(dockerfile: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: { line: number; text: string } | null = null;
  dockerfile.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) return;
    if (pending && line.startsWith('#')) return;
    const part = line.endsWith('\\') ? line.slice(0, -1) : line;
    pending = pending ? { line: pending.line, text: `${pending.text} ${part}` } : { line: i + 1, text: part };
    if (!line.endsWith('\\')) {
      const m = /^(\S+)\s*(.*)$/.exec(pending.text.trim()) as RegExpExecArray;
      out.push({ line: pending.line, op: (m[1] as string).toUpperCase(), args: (m[2] as string).trim() });
      pending = null;
    }
  });
  return out;
}

const instructions = parse(text);
const stages: Array<{ from: string; name?: string; body: Instruction[] }> = [];
const args = new Map<string, string>();
for (const ins of instructions) {
  if (ins.op === 'ARG' && stages.length === 0) {
    const [k, v] = ins.args.split('=');
    if (k && v) args.set(k, v);
  }
  if (ins.op === 'FROM') {
    const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args) as RegExpExecArray;
    const image = (m[1] as string).replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name) ?? `\${${name}}`);
    // `FROM <earlier stage>` starts from that stage: same base image, its instructions included.
    const parent = stages.find((s) => s.name === image);
    stages.push({ from: parent ? parent.from : image, ...(m[2] ? { name: m[2] } : {}), body: parent ? [...parent.body] : [] });
  } else stages.at(-1)?.body.push(ins);
}
const runtime = stages.at(-1)!;

describe('Dockerfile', () => {
  it('is multi-stage: named build stages on node:22-bookworm-slim, the runtime on the same base', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.from.replace(/@sha256:[0-9a-f]{64}$/, '')).toBe('node:22-bookworm-slim');
    expect(new Set(stages.map((s) => s.from)).size).toBe(1);
    expect(stages.slice(0, -1).every((s) => s.name)).toBe(true);
    expect(stages.map((s) => s.name)).toContain('build');
  });

  it('pins every base image by digest, with its tag kept for people: image:tag@sha256:<64 hex>', () => {
    for (const s of stages) expect(s.from).toMatch(/^[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
    // and the comment above the pin says how to move it
    expect(text).toMatch(/docker buildx imagetools inspect node:22-bookworm-slim/);
  });

  it('pins no image to `latest` and every FROM to an explicit tag', () => {
    for (const s of stages) {
      expect(s.from).toMatch(/^[\w./-]+:[\w.-]+(@sha256:[0-9a-f]{64})?$/);
      expect(s.from).not.toMatch(/:latest\b/);
    }
    expect(text).not.toMatch(/:latest\b/);
  });

  it('builds with the dev dependencies, ships production dependencies only', () => {
    const build = stages.find((s) => s.name === 'build')!;
    expect(build.body.some((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args) && !/--omit=dev/.test(i.args))).toBe(true);
    expect(build.body.some((i) => i.op === 'RUN' && /\bnpm run build\b/.test(i.args))).toBe(true);
    // better-sqlite3 is native: the production node_modules are built where the toolchain is...
    const depsStage = stages.find((s) => s.body.some((i) => i.op === 'RUN' && /\bnpm ci\b[^&]*--omit=dev/.test(i.args)));
    expect(depsStage).toBeDefined();
    expect(depsStage!.body.some((i) => i.op === 'RUN' && /apt-get install[^&]*\bg\+\+/.test(i.args))).toBe(true);
    // ...and copied into the runtime, which neither installs packages nor has a compiler.
    expect(runtime.body.some((i) => i.op === 'COPY' && new RegExp(`--from=${depsStage!.name}\\s+\\S*node_modules`).test(i.args))).toBe(true);
    expect(runtime.body.filter((i) => i.op === 'RUN')).toEqual([]);
  });

  it('runs as a user that is not root, set before the entrypoint', () => {
    const users = runtime.body.filter((i) => i.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const last = users.at(-1)!;
    expect(last.args).not.toMatch(/^(root|0)(:|$)/);
    const entry = runtime.body.find((i) => i.op === 'ENTRYPOINT')!;
    expect(last.line).toBeLessThan(entry.line);
  });

  it('the entrypoint is the CLI, with --help as the default command', () => {
    const entry = runtime.body.filter((i) => i.op === 'ENTRYPOINT');
    const cmd = runtime.body.filter((i) => i.op === 'CMD');
    expect(entry.map((i) => JSON.parse(i.args))).toEqual([['node', 'bin/snapward.js']]);
    expect(cmd.map((i) => JSON.parse(i.args))).toEqual([['--help']]);
    // what bin/snapward.js loads is in the image
    expect(runtime.body.some((i) => i.op === 'COPY' && /\bbin\b/.test(i.args))).toBe(true);
    expect(runtime.body.some((i) => i.op === 'COPY' && /dist\/src/.test(i.args))).toBe(true);
    expect(readFileSync(join(ROOT, 'bin', 'snapward.js'), 'utf8')).toContain("require('../dist/src/cli/main.js')");
  });

  it('bakes in no secrets or credentials', () => {
    const env = instructions.filter((i) => i.op === 'ENV' || i.op === 'ARG').map((i) => i.args);
    for (const e of env) expect(e).not.toMatch(/AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)|SECRET|PASSWORD|TOKEN|CREDENTIAL|API_KEY/i);
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}/);
    expect(instructions.filter((i) => (i.op === 'COPY' || i.op === 'ADD') && /\.aws|\.env|\.npmrc|id_rsa|\.pem\b/.test(i.args))).toEqual([]);
    expect(instructions.filter((i) => i.op === 'ADD')).toEqual([]); // COPY only: no remote URLs or auto-extraction
  });

  it('.dockerignore keeps local state, build output and secrets out of the context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['.git', 'node_modules', 'dist', 'cdk.out', '.snapward', '*.db', '.env', '.aws']));
    // and nothing the build copies is ignored
    const copied = instructions.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const src of copied) expect(ignored).not.toContain(src.replace(/\/$/, ''));
  });

  it('what the image runs (src/, config/) imports only production dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));
    const packages = new Set(
      [...files(join(ROOT, 'src')), ...files(join(ROOT, 'config'))].flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/(?:^import[^'"]*|require\()['"]([^'".][^'"]*)['"]/gm)].map((m) => {
          const spec = m[1] as string;
          return spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
        }),
      ),
    );
    expect([...packages]).toEqual(expect.arrayContaining(['@aws-sdk/client-rds', 'pino', 'zod']));
    const notShipped = [...packages].filter((p) => !p.startsWith('node:') && !builtinModules.includes(p) && !(p in pkg.dependencies));
    expect(notShipped).toEqual([]);
  });

  it('passes hadolint when it is installed (the structure checks above always run)', () => {
    const hadolint = findOnPath('hadolint');
    if (!hadolint) return;
    const res = spawnSync(hadolint, ['--failure-threshold', 'warning', join(ROOT, 'Dockerfile')], { encoding: 'utf8' });
    expect({ status: res.status, out: res.stdout + res.stderr }).toEqual({ status: 0, out: '' });
  });
});

function findOnPath(bin: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, bin);
    if (dir && existsSync(p)) return p;
  }
  return null;
}
