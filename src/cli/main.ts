import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../../config/errors';
import { SnapwardError } from '../domain/errors';
import { registerBackup } from './commands/backup';
import { registerCheck } from './commands/check';
import { registerDrill } from './commands/drill';
import { registerDrills } from './commands/drills';
import { registerCompletion } from './commands/completion';
import { registerDoctor } from './commands/doctor';
import { registerFindings } from './commands/findings';
import { registerRun } from './commands/run';
import { registerReport } from './commands/report';
import { registerRuns } from './commands/runs';
import { registerShow } from './commands/show';
import { registerServe } from './commands/serve';
import { registerStatus } from './commands/status';
import { registerVerifyReplication } from './commands/verify-replication';
import { EXIT, unreadableStore, unreadableStoreAdvice } from './errors';
import { Interrupts, setActiveInterrupts } from './interrupt';
import { Output, streamOutput } from './output';
import { jsonMeta, snapwardVersion } from './version';

/**
 * The operator CLI: a thin shell over the application. Exit codes: 0 fine, 1 some instance
 * failed (or, for check, a finding is open), 2 usage or configuration error, 3 an alert could not
 * be delivered, 5 the state store cannot be read, 130 interrupted.
 * @returns the exit code (the caller sets process.exitCode)
 */
export async function main(argv: readonly string[], rawOut: Output = streamOutput()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  const out = withJsonMeta(rawOut, argv);
  const program = new Command('snapward')
    .description('backup orchestration for RDS instances and Aurora clusters: snapshots, DR copies, retention')
    .version(snapwardVersion(), '-V, --version', 'print the version')
    .option('--config <file>', 'fleet configuration (default: ./snapward.yaml)')
    .option('--json', 'print exactly one JSON document on stdout')
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(['debug', 'info', 'warn', 'error', 'silent']).default('warn'))
    .enablePositionalOptions(false)
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeErr: (text) => out.error(text.trimEnd()), writeOut: (text) => out.line(text.trimEnd()) })
    .showHelpAfterError('(run snapward --help for usage)');

  const registers = [registerRun, registerBackup, registerStatus, registerShow, registerRuns, registerCheck, registerFindings, registerDoctor, registerVerifyReplication, registerReport, registerServe, registerCompletion];
  registers.push(registerDrill, registerDrills); // restore drills
  for (const register of registers) register(program, out, setExit);
  const configure = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride().configureOutput(program.configureOutput()).configureHelp({ showGlobalOptions: true });
      configure(sub);
    }
  };
  configure(program);

  const wantsJson = argv.includes('--json');
  // Ctrl-C / SIGTERM abort the AWS calls in flight; whatever the command made of it, it exits 130.
  const interrupts = new Interrupts().install();
  setActiveInterrupts(interrupts);
  const interrupted = (code: number): number => (interrupts.received && !interrupts.normalStop && code !== EXIT.usage ? EXIT.interrupted : code);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return interrupted(exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version "fail" with exit code 0 by design.
      if (err.exitCode === 0) return EXIT.ok;
      if (wantsJson) out.json({ error: { code: 'USAGE', message: err.message.replace(/^error: /, '') } });
      return EXIT.usage;
    }
    return interrupted(reportError(err, out, wantsJson));
  } finally {
    setActiveInterrupts(null);
    interrupts.dispose();
  }
}

/** Object documents under --json carry `meta` (version, command, time); arrays stay as they are. */
function withJsonMeta(out: Output, argv: readonly string[]): Output {
  const command = argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ') || 'snapward';
  return {
    ...out,
    json: (document) =>
      out.json(document !== null && typeof document === 'object' && !Array.isArray(document) ? { ...(document as object), meta: jsonMeta(command, new Date()) } : document),
    line: (text) => out.line(text),
    table: (columns, rows, options) => out.table(columns, rows, options),
    error: (text) => out.error(text),
  };
}

function reportError(err: unknown, out: Output, json: boolean): number {
  if (err instanceof ConfigError) {
    out.error(err.message);
    if (json) out.json({ error: { code: err.code, message: 'invalid configuration', problems: err.problems } });
    return EXIT.usage;
  }
  const store = unreadableStore(err);
  if (store && err instanceof SnapwardError) {
    out.error(`snapward: ${err.message}`);
    out.error(`snapward: ${unreadableStoreAdvice(store)}`);
    if (json) out.json({ error: { code: 'STATE_STORE_UNREADABLE', message: err.message, advice: unreadableStoreAdvice(store) } });
    return EXIT.storeUnreadable;
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
