import { Acknowledgement, Finding, FindingKind } from '../../ports/state-store';
import { iso } from './store-input';
import { parseDate, parseJson } from './run-codec';

/** A finding as every driver stores it: flat fields, times as ISO text, detail and acknowledgement as JSON. */
export interface StoredFinding {
  readonly id: string;
  readonly key: string;
  readonly kind: string;
  readonly subject: string;
  readonly status: string;
  readonly openedAt: string;
  readonly lastSeenAt: string;
  readonly resolvedAt: string | null;
  readonly detail: string;
  readonly notifiedAt: string | null;
  readonly resolvedNotifiedAt: string | null;
  /** Absent in findings stored before acknowledgements existed. */
  readonly acknowledged?: string | null;
}

export function decodeFinding(f: StoredFinding): Finding {
  return {
    id: f.id,
    key: f.key,
    kind: f.kind as FindingKind,
    subject: f.subject,
    status: f.status as Finding['status'],
    openedAt: new Date(f.openedAt),
    lastSeenAt: new Date(f.lastSeenAt),
    resolvedAt: parseDate(f.resolvedAt),
    detail: JSON.parse(f.detail) as Record<string, unknown>,
    notifiedAt: parseDate(f.notifiedAt),
    resolvedNotifiedAt: parseDate(f.resolvedNotifiedAt),
    acknowledged: decodeAcknowledgement(f.acknowledged),
  };
}

export function encodeAcknowledgement(ack: Acknowledgement | null): string | null {
  return ack ? JSON.stringify({ by: ack.by, reason: ack.reason, until: iso(ack.until, 'until') }) : null;
}

function decodeAcknowledgement(text: string | null | undefined): Acknowledgement | null {
  const raw = parseJson<{ by: string; reason: string; until: string }>(text || null);
  return raw ? { by: raw.by, reason: raw.reason, until: new Date(raw.until) } : null;
}
