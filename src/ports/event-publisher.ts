/** An alert as sent to the event bus: `source` is always `snapward`. */
export interface AlertEvent {
  readonly detailType: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly time: Date;
}

export interface EventPublisher {
  /**
   * Sends the events; returns, per event and in order, whether it was delivered. Never throws
   * for a delivery failure: an undelivered event is simply retried by a later check.
   */
  publish(events: readonly AlertEvent[]): Promise<boolean[]>;
}
