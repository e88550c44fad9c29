import { PutEventsCommand, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { ALERT_SOURCE } from '../../domain/alerts';
import { AlertEvent, EventPublisher } from '../../ports/event-publisher';
import { Logger } from '../../ports/logger';
import { AwsClients } from './clients';

/** PutEvents accepts at most 10 entries per call. */
const BATCH = 10;
/** Entries that failed (FailedEntryCount) are sent again this many times within one publish. */
const ENTRY_RETRIES = 2;

/**
 * Publishes alerts to an EventBridge bus. Batches of 10; entries reported failed are retried;
 * a batch whose call fails (after the SDK's own retries) counts as undelivered, never as an
 * exception, so the watchdog can keep the finding un-notified and try again next time.
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly clients: AwsClients,
    private readonly bus: string,
    private readonly region: string,
    private readonly logger: Logger,
  ) {}

  async publish(events: readonly AlertEvent[]): Promise<boolean[]> {
    const delivered = events.map(() => false);
    for (let start = 0; start < events.length; start += BATCH) {
      let pending = events.slice(start, start + BATCH).map((event, i) => ({ index: start + i, entry: this.entry(event) }));
      for (let attempt = 0; attempt <= ENTRY_RETRIES && pending.length > 0; attempt++) {
        pending = await this.send(pending, delivered);
      }
    }
    return delivered;
  }

  private async send(batch: { index: number; entry: PutEventsRequestEntry }[], delivered: boolean[]) {
    try {
      const res = await this.clients.eventBridge(this.region).send(new PutEventsCommand({ Entries: batch.map((b) => b.entry) }));
      const failed: typeof batch = [];
      batch.forEach((b, i) => {
        const result = res.Entries?.[i];
        if (result && !result.ErrorCode && result.EventId) delivered[b.index] = true;
        else failed.push(b);
      });
      if (failed.length) this.logger.warn({ failed: failed.length, bus: this.bus, code: res.Entries?.find((e) => e.ErrorCode)?.ErrorCode }, 'some alert events were not accepted');
      return failed;
    } catch (err) {
      this.logger.error({ err: (err as Error).message, bus: this.bus, region: this.region }, 'could not reach the alert event bus');
      return []; // the bus is unreachable: leave these undelivered for the next check
    }
  }

  private entry(event: AlertEvent): PutEventsRequestEntry {
    return { Source: ALERT_SOURCE, DetailType: event.detailType, Detail: JSON.stringify(event.detail), EventBusName: this.bus, Time: event.time };
  }
}
