import { execFileSync } from 'node:child_process';
import { runCli } from '../support/cli-capture';

describe('snapward completion', () => {
  it('prints a bash script built from the registered commands, which bash completes with', async () => {
    const res = await runCli(['completion', 'bash']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/complete -F _snapward snapward/);
    const complete = (words: string[]): string =>
      execFileSync('bash', ['-c', `${res.stdout}\nCOMP_WORDS=(${words.map((w) => `"${w}"`).join(' ')}); COMP_CWORD=${words.length - 1}; _snapward; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' }).trim();
    expect(complete(['snapward', 'do'])).toBe('doctor');
    expect(complete(['snapward', 'runs', 'sh'])).toBe('show');
    expect(complete(['snapward', 'status', '--pro'])).toBe('--product --problems');
    expect(complete(['snapward', 'status', '--tier', ''])).toBe('0 1 2 3');
  });

  it('zsh gets the same script through bashcompinit; another shell is a usage error', async () => {
    expect((await runCli(['completion', 'zsh'])).stdout).toMatch(/^autoload -U \+X bashcompinit && bashcompinit\n# snapward completion/);
    const fish = await runCli(['completion', 'fish']);
    expect(fish.code).toBe(2);
    expect(fish.stderr).toMatch(/<shell>: got "fish", expected bash or zsh/);
  });

  it('--version prints the package version; subcommand help lists --json and --config', async () => {
    expect((await runCli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runCli(['status', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--json/);
    expect(help.stdout).toMatch(/--config <file>/);
  });

  it('a usage error under --json prints one JSON error document', async () => {
    const res = await runCli(['runs', '--limit', 'ten', '--json']);
    expect(res.code).toBe(2);
    const doc = JSON.parse(res.stdout);
    expect(doc.error).toEqual({ code: 'USAGE', message: '--limit: got "ten", expected a whole number from 1 to 1000' });
    const unknown = await runCli(['frobnicate', '--json']);
    expect(JSON.parse(unknown.stdout).error).toEqual({ code: 'USAGE', message: "unknown command 'frobnicate'" });
  });
});
