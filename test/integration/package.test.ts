import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The npm package works away from the checkout: `npm pack` holds the bin, the built CLI and
 * package.json, and the bin of the unpacked tarball runs from another folder. (A real
 * `npm install -g ./snapward-<v>.tgz` also compiles better-sqlite3, about two minutes here: the
 * README shows it; this test keeps the repo's node_modules to stay fast.)
 */
const ROOT = resolve(__dirname, '..', '..');

describe('the npm package', () => {
  it('packs the bin and the built CLI, and the unpacked bin prints the version from any folder', () => {
    const dest = mkdtempSync(join(tmpdir(), 'snapward-pack-'));
    const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: ROOT, encoding: 'utf8' })) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]?.files.map((f) => f.path) ?? [];
    expect(files).toEqual(expect.arrayContaining(['bin/snapward.js', 'dist/src/cli/main.js', 'dist/src/cli/version.js', 'package.json', 'config/examples/snapward.example.yaml']));
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('src/'))).toBe(false);

    const unpacked = mkdtempSync(join(tmpdir(), 'snapward-unpacked-'));
    execFileSync('tar', ['xzf', join(dest, packed[0]?.filename as string), '-C', unpacked]);
    symlinkSync(join(ROOT, 'node_modules'), join(unpacked, 'package', 'node_modules'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'snapward-cwd-'));
    const version = execFileSync(process.execPath, [join(unpacked, 'package', 'bin', 'snapward.js'), '--version'], { cwd: elsewhere, encoding: 'utf8' });
    expect(version.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });
});
