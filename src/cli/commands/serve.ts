import { Command } from 'commander';
import { gatherReport } from '../../app/report/gather';
import { withApp, GlobalOptions } from '../context';
import { EXIT, parsePositiveInt } from '../errors';
import { Output } from '../output';
import { checkServeBinding, startDashboardServer } from '../serve-server';
import { sourceOf } from './report';
import { activeInterrupts } from '../interrupt';

interface ServeOptions extends GlobalOptions {
  readonly port: number;
  readonly host: string;
}

/**
 * `snapward serve`: the dashboard live until Ctrl-C. The token is read from the environment
 * (never from the command line, where `ps` would show it to every user of the machine).
 */
export function registerServe(program: Command, out: Output, setExit: (code: number) => void, env: NodeJS.ProcessEnv = process.env): void {
  program
    .command('serve')
    .description('serve the DR dashboard live (/, /api/report, /healthz); read-only; loopback unless SNAPWARD_SERVE_TOKEN is set')
    .option('--port <n>', 'TCP port (1..65535)', parsePositiveInt('--port', 65535), 8080)
    .option('--host <address>', 'address to bind; anything but loopback needs SNAPWARD_SERVE_TOKEN', '127.0.0.1')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ServeOptions>();
      const token = env.SNAPWARD_SERVE_TOKEN || undefined;
      checkServeBinding(opts.host, token); // before the store is opened
      await withApp(opts, async (app) => {
        const server = await startDashboardServer({
          host: opts.host,
          port: opts.port,
          ...(token ? { token } : {}),
          report: () => gatherReport(app.deps, { source: sourceOf(app.deps.config.state.sqlite) }),
        });
        out.line(`serving the DR dashboard on ${server.url}/ (${token ? 'bearer token required' : 'no token: loopback only'}); Ctrl-C stops`);
        // Ctrl-C is how serve ends: exit 0, not 130 (cli/interrupt.ts).
        const interrupts = activeInterrupts();
        if (interrupts) interrupts.normalStop = true;
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        await server.close();
      });
      setExit(EXIT.ok);
    });
}
