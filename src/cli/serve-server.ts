import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { PAGE_SCRIPT, TOKEN_SCRIPT } from '../app/report/html-script';
import { renderReportHtml, renderTokenPage } from '../app/report/html';
import { ReportModel } from '../app/report/model';
import { SnapwardError } from '../domain/errors';

export interface DashboardServerOptions {
  readonly host: string;
  readonly port: number;
  /** Required for any address but loopback; when set, every request but /healthz needs it. */
  readonly token?: string;
  /** Builds the report from the store: called on every request, so the page is always live. */
  readonly report: () => Promise<ReportModel>;
}

export interface DashboardServer {
  readonly url: string;
  close(): Promise<void>;
}

/** 127.0.0.0/8, ::1 and `localhost`: the only addresses served without a token. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();
const scriptHash = (script: string): string => `'sha256-${sha256(script).toString('base64')}'`;

/**
 * Only the page's own inline scripts may run (by hash), no request may leave the page but to
 * this server (the token page fetches `/`), and nothing may frame it.
 */
const CSP = [
  "default-src 'none'",
  `script-src ${scriptHash(PAGE_SCRIPT)} ${scriptHash(TOKEN_SCRIPT)}`,
  "style-src 'unsafe-inline'",
  'img-src data:',
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The token rule, checked before anything is opened: a non-loopback address needs a token of 16+ characters. */
export function checkServeBinding(host: string, token: string | undefined): void {
  if (!isLoopback(host) && !token) {
    throw new SnapwardError(
      'USAGE',
      `--host: got ${JSON.stringify(host)}, which is not a loopback address; serving it needs a token: set SNAPWARD_SERVE_TOKEN (at least 16 characters), or bind to 127.0.0.1`,
    );
  }
  if (token !== undefined && token.length < 16) {
    throw new SnapwardError('USAGE', `SNAPWARD_SERVE_TOKEN: got ${token.length} characters, expected at least 16`);
  }
}

/**
 * The live dashboard (`snapward serve`): read-only, GET/HEAD only, re-read from the store on
 * every request. Refuses to start on a non-loopback address without a token.
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  checkServeBinding(options.host, options.token);
  const expected = options.token ? sha256(options.token) : null;
  const authorized = (req: IncomingMessage): boolean => {
    if (!expected) return true;
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return Boolean(match && timingSafeEqual(sha256(match[1] as string), expected));
  };

  const server = createServer((req, res) => {
    handle(req, res, options, authorized).catch((err: unknown) => {
      send(res, 500, 'application/json', JSON.stringify({ error: { message: err instanceof Error ? err.message : String(err) } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${hostForUrl}:${port}`, close: () => closeServer(server) };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: DashboardServerOptions, authorized: (req: IncomingMessage) => boolean): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'application/json', JSON.stringify({ error: { message: `${req.method} not allowed: the dashboard is read-only` } }));
  }
  if (path === '/healthz') return send(res, 200, 'application/json', JSON.stringify({ status: 'ok' }));
  if (path !== '/' && path !== '/api/report') return send(res, 404, 'application/json', JSON.stringify({ error: { message: `no such page: ${path}` } }));
  if (!authorized(req)) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="snapward"');
    return path === '/'
      ? send(res, 401, 'text/html; charset=utf-8', renderTokenPage())
      : send(res, 401, 'application/json', JSON.stringify({ error: { message: 'a bearer token is required (SNAPWARD_SERVE_TOKEN)' } }));
  }
  const model = await options.report();
  if (path === '/api/report') return send(res, 200, 'application/json', JSON.stringify(model));
  return send(res, 200, 'text/html; charset=utf-8', renderReportHtml(model));
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
