import { Tag } from '@aws-sdk/client-rds';

/** RDS tag lists to and from plain records: one rule for snapshots, restores and databases. */
export const toTagList = (tags: Readonly<Record<string, string>>): Tag[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

export function fromTagList(list: Tag[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of list ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
  return tags;
}
