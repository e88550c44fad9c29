import { Readable } from 'node:stream';
import { ClientLike, stackOf } from './call-counter';

/**
 * Answers RDS's own `Throttling` error to a deterministic share of attempts, before the request
 * leaves the process: what RDS does when an account's control-plane rate is exceeded, for tests
 * and the fleet benchmark.
 *
 * It sits in the deserialize step at low priority, i.e. innermost, between the SDK's deserializer
 * and the HTTP handler. A chosen attempt never reaches the network: the middleware returns an
 * HTTP 400 with RDS's XML error body, which the SDK's real deserializer turns into a `Throttling`
 * service exception, which the real retry strategy (standard or adaptive) sees as throttling:
 * backoff from its throttling base delay, retry-quota cost, and in adaptive mode the client-side
 * rate limiter slows down. Nothing is side-stepped.
 *
 * Which attempts: with share p (0..1, in thousandths), attempt i (counted over every client the
 * injector is attached to, from 0) is throttled when floor((i+1)·p) > floor(i·p). So p = 0.2
 * throttles every 5th attempt, p = 0.25 every 4th, and exactly p·n of n attempts, spread evenly.
 * A throttled attempt's retry is the next attempt, so with p ≤ 0.5 no call is throttled twice in a
 * row unless other calls' attempts interleave.
 *
 * Only RDS clients (query protocol, XML errors) are throttled; the others pass through untouched.
 */
export const RDS_THROTTLING_BODY =
  '<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>snapward-bench-throttle</RequestId></ErrorResponse>';

interface Context {
  readonly commandName?: string;
}
type Next = (args: unknown) => Promise<unknown>;

export class ThrottleInjector {
  /** Share in thousandths, so the arithmetic is exact integers. */
  private perMille: number;
  /** Attempts seen while a share was set. */
  attempts = 0;
  /** Attempts answered with Throttling. */
  injected = 0;
  /** operation -> injected throttles. */
  readonly injectedByOperation: Record<string, number> = {};

  constructor(share = 0) {
    this.perMille = ThrottleInjector.toPerMille(share);
  }

  /** Changes the share (0 turns injection off); the attempt sequence restarts. */
  setShare(share: number): void {
    this.perMille = ThrottleInjector.toPerMille(share);
    this.attempts = 0;
    this.injected = 0;
    for (const k of Object.keys(this.injectedByOperation)) delete this.injectedByOperation[k];
  }

  get share(): number {
    return this.perMille / 1000;
  }

  attach(client: ClientLike, service: string, _region: string): void {
    if (service !== 'rds') return;
    stackOf(client).add(
      (next: Next, context: Context) => async (args: unknown) => {
        if (!this.shouldThrottle()) return next(args);
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        this.injected++;
        this.injectedByOperation[operation] = (this.injectedByOperation[operation] ?? 0) + 1;
        return { response: throttlingResponse() };
      },
      { step: 'deserialize', priority: 'low', name: 'benchThrottleInjector', override: true },
    );
  }

  /** Decides for the next attempt (exposed for tests). */
  shouldThrottle(): boolean {
    if (this.perMille === 0) return false;
    const i = this.attempts++;
    return Math.floor(((i + 1) * this.perMille) / 1000) > Math.floor((i * this.perMille) / 1000);
  }

  private static toPerMille(share: number): number {
    if (!Number.isFinite(share) || share < 0 || share > 1) throw new Error(`throttle share: got ${share}, expected a number from 0 to 1`);
    return Math.round(share * 1000);
  }
}

/** An HTTP response as the Node handler produces it: RDS's 400 with the Throttling XML body. */
function throttlingResponse(): { statusCode: number; reason: string; headers: Record<string, string>; body: Readable } {
  return {
    statusCode: 400,
    reason: 'Bad Request',
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': 'snapward-bench-throttle' },
    body: Readable.from([Buffer.from(RDS_THROTTLING_BODY)]),
  };
}
