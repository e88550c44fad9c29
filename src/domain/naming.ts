import { Period } from './period';
import { utcStamp } from './time';

/**
 * Snapshot identifiers.
 *
 * One format serves both APIs, so it follows the stricter DB *cluster* snapshot rule: at most 63
 * characters, letters, digits and hyphens, a letter first, no `--`, no trailing hyphen. AWS stores
 * identifiers lowercase, so we generate them lowercase and compare them as such.
 *
 *   daily:  sw-<instance>-<period>            sw-jira-prod-use1-1-20261124
 *   ad hoc: sw-<instance>-adhoc-<timestamp>   sw-jira-prod-use1-1-adhoc-20261124153000
 *
 * An instance id too long to fit is cut and followed by a hash of the whole id, so two long ids
 * that share a prefix still get different snapshot ids.
 */
export const MAX_SNAPSHOT_ID_LENGTH = 63;
/** Every snapshot snapward names starts with it (RDS event rules filter on it). */
export const SNAPSHOT_ID_PREFIX = 'sw-';
const PREFIX = SNAPSHOT_ID_PREFIX;
const VALID_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function dailySnapshotId(instanceId: string, period: Period): string {
  return compose(instanceId, period.key);
}

export function adhocSnapshotId(instanceId: string, at: Date): string {
  return compose(instanceId, `adhoc-${utcStamp(at)}`);
}

/**
 * An ad hoc snapshot requested with an idempotency key: the id comes from the key, so the same
 * request delivered twice (EventBridge retries, a double click) finds its snapshot instead of
 * making another.  `sw-<instance>-req-<hash of the key>`
 */
export function requestSnapshotId(instanceId: string, idempotencyKey: string): string {
  return compose(instanceId, `req-${fnv1a32(idempotencyKey)}${fnv1a32(`${idempotencyKey}\u0000${instanceId}`)}`);
}

/**
 * The vault's copy of a member's DR copy: `sw-v<source account id>-<DR copy id without sw->`.
 * The account is in the id because the vault holds copies from many accounts, and instance ids
 * (so DR copy ids) are unique only per account: the same DR copy id from two accounts gives two
 * vault ids. Too long a body is cut and followed by a hash of the whole DR copy id.
 */
export function vaultSnapshotId(sourceAccountId: string, drCopyId: string): string {
  if (!/^\d{12}$/.test(sourceAccountId)) throw new Error(`internal: vault copy id needs a 12-digit account id, got '${sourceAccountId}'`);
  const head = `${PREFIX}v${sourceAccountId}-`;
  const body = slugify(drCopyId.toLowerCase().startsWith(PREFIX) ? drCopyId.slice(PREFIX.length) : drCopyId);
  const room = MAX_SNAPSHOT_ID_LENGTH - head.length;
  let tail = body;
  if (body.length > room || !body) {
    const hash = fnv1a32(drCopyId.toLowerCase());
    const cut = body.slice(0, Math.max(0, room - hash.length - 1)).replace(/-+$/, '');
    tail = cut ? `${cut}-${hash}` : hash;
  }
  const id = `${head}${tail}`;
  if (!isValidSnapshotId(id)) throw new Error(`internal: generated vault snapshot id ${id} is not valid`);
  return id;
}

export function isValidSnapshotId(id: string): boolean {
  return id.length <= MAX_SNAPSHOT_ID_LENGTH && VALID_ID.test(id);
}

function compose(instanceId: string, suffix: string): string {
  const slug = slugify(instanceId);
  const room = MAX_SNAPSHOT_ID_LENGTH - PREFIX.length - suffix.length - 1;
  let body = slug;
  if (slug.length > room || slug !== instanceId.toLowerCase()) {
    // Cut, then add a hash of the *original* id: distinct ids stay distinct after cutting.
    const hash = fnv1a32(instanceId.toLowerCase());
    const cut = slug.slice(0, Math.max(0, room - hash.length - 1)).replace(/-+$/, '');
    body = cut ? `${cut}-${hash}` : hash;
  }
  const id = `${PREFIX}${body}-${suffix}`;
  if (!isValidSnapshotId(id)) throw new Error(`internal: generated snapshot id ${id} is not valid`);
  return id;
}

/** Lowercase letters, digits and single hyphens; anything else becomes a hyphen. */
function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** 32-bit FNV-1a as 8 hex digits: short, stable, dependency-free; not for security. */
export function fnv1a32(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
