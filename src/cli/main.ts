import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../../config/errors';
import { SnapwardError } from '../domain/errors';
import { registerBackup } from './commands/backup';
import { registerCheck } from './commands/check';
import { registerFindings } from './commands/findings';
import { registerRun } from './commands/run';
import { registerReport } from './commands/report';
import { registerRuns } from './commands/runs';
import { registerServe } from './commands/serve';
import { registerStatus } from './commands/status';
import { registerVerifyReplication } from './commands/verify-replication';
import { EXIT } from './errors';
import { Interrupts, setActiveInterrupts } from './interrupt';
import { Output, streamOutput } from './output';

/**
 * The operator CLI: a thin shell over the application. Exit codes: 0 fine, 1 some instance
 * failed (or, for check, a finding is open), 2 usage or configuration error, 3 an alert could not
 * be delivered, 130 interrupted.
 * @returns the exit code (the caller sets process.exitCode)
 */
export async function main(argv: readonly string[], out: Output = streamOutput()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  const program = new Command('snapward')
    .description('backup orchestration for RDS instances and Aurora clusters: snapshots, DR copies, retention')
    .option('--config <file>', 'fleet configuration (default: ./snapward.yaml)')
    .option('--json', 'print exactly one JSON document on stdout')
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(['debug', 'info', 'warn', 'error', 'silent']).default('warn'))
    .enablePositionalOptions(false)
    .exitOverride()
    .configureOutput({ writeErr: (text) => out.error(text.trimEnd()), writeOut: (text) => out.line(text.trimEnd()) })
    .showHelpAfterError('(run snapward --help for usage)');

  for (const register of [registerRun, registerBackup, registerStatus, registerRuns, registerCheck, registerFindings, registerVerifyReplication, registerReport, registerServe]) register(program, out, setExit);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(program.configureOutput());

  const wantsJson = argv.includes('--json');
  // Ctrl-C / SIGTERM abort the AWS calls in flight; whatever the command made of it, it exits 130.
  const interrupts = new Interrupts().install();
  setActiveInterrupts(interrupts);
  const interrupted = (code: number): number => (interrupts.received && code !== EXIT.usage ? EXIT.interrupted : code);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return interrupted(exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version "fail" with exit code 0 by design.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return interrupted(reportError(err, out, wantsJson));
  } finally {
    setActiveInterrupts(null);
    interrupts.dispose();
  }
}

function reportError(err: unknown, out: Output, json: boolean): number {
  if (err instanceof ConfigError) {
    out.error(err.message);
    if (json) out.json({ error: { code: err.code, message: 'invalid configuration', problems: err.problems } });
    return EXIT.usage;
  }
  if (err instanceof SnapwardError) {
    out.error(`snapward: ${err.code}: ${err.message}`);
    if (json) out.json({ error: { code: err.code, message: err.message } });
    return err.code === 'USAGE' || err.code === 'CONFIG_INVALID' ? EXIT.usage : EXIT.failures;
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  out.error(`snapward: internal error: ${message}`);
  if (json) out.json({ error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } });
  return EXIT.failures;
}
