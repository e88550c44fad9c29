import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DrillRecord } from '../../domain/drill';
import { DrillStore } from '../../ports/drill-store';
import { checkDrill, decodeDrill, encodeDrill } from './drill-codec';
import { StoreRefusal } from './store-errors';

/**
 * Drills on the state table (see dynamodb-state-store.ts for the table):
 *   pk                  sk                       what
 *   DRILL#<id>          DRILL                    the drill: createdAt, doc (JSON)
 *   DRILLS              <createdAt ISO>#<id>     listing entry with the same doc: newest first = query backwards
 * Both are written in one transaction, the create conditional on the drill not existing, a
 * replace conditional on it existing with the same createdAt. Drills do not expire.
 *   DRILLSIGHTINGS      <instanceId>             firstSeenAt: written once (attribute_not_exists)
 */
const DRILLS = 'DRILLS';
const SIGHTINGS = 'DRILLSIGHTINGS';
const drillKey = (id: string) => ({ pk: `DRILL#${id}`, sk: 'DRILL' });
const listingKey = (createdAt: Date, id: string) => ({ pk: DRILLS, sk: `${createdAt.toISOString()}#${id}` });

export class DynamoDbDrillStore implements DrillStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly run: <T>(what: string, fn: () => Promise<T>) => Promise<T>,
  ) {}

  async createDrill(drill: DrillRecord): Promise<boolean> {
    return this.run('createDrill', async () => {
      try {
        await this.writeDrill(drill, { ConditionExpression: 'attribute_not_exists(pk)' });
        return true;
      } catch (err) {
        if (conditionFailed(err)) return false;
        throw err;
      }
    });
  }

  async putDrill(drill: DrillRecord): Promise<void> {
    await this.run('putDrill', async () => {
      try {
        await this.writeDrill(drill, { ConditionExpression: 'attribute_exists(pk) AND createdAt = :c', ExpressionAttributeValues: { ':c': drill.createdAt.toISOString() } });
      } catch (err) {
        if (conditionFailed(err)) throw new StoreRefusal(`drill '${drill.drillId}' does not exist (or its createdAt changed)`);
        throw err;
      }
    });
  }

  /** The drill's own item (under `condition`) and its listing item, written together. */
  private async writeDrill(drill: DrillRecord, condition: { ConditionExpression: string; ExpressionAttributeValues?: Record<string, unknown> }): Promise<void> {
    checkDrill(drill);
    const doc = encodeDrill(drill);
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: { ...drillKey(drill.drillId), createdAt: drill.createdAt.toISOString(), doc }, ...condition } },
          { Put: { TableName: this.tableName, Item: { ...listingKey(drill.createdAt, drill.drillId), id: drill.drillId, instanceId: drill.instanceId, doc } } },
        ],
      }),
    );
  }

  async firstSightings(instanceIds: readonly string[], at: Date): Promise<Map<string, Date>> {
    return this.run('firstSightings', async () => {
      const when = at.toISOString();
      const out = new Map<string, Date>();
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': SIGHTINGS }, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
        for (const item of page.Items ?? []) out.set(item.sk as string, new Date(item.firstSeenAt as string));
        start = page.LastEvaluatedKey;
      } while (start);
      const result = new Map<string, Date>();
      for (const id of instanceIds) {
        let seen = out.get(id);
        if (!seen) {
          try {
            await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: SIGHTINGS, sk: id, firstSeenAt: when }, ConditionExpression: 'attribute_not_exists(pk)' }));
            seen = new Date(when);
          } catch (err) {
            if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
            const again = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: SIGHTINGS, sk: id }, ConsistentRead: true }));
            seen = new Date(again.Item?.firstSeenAt as string);
          }
        }
        result.set(id, seen);
      }
      return result;
    });
  }

  async getDrill(drillId: string): Promise<DrillRecord | null> {
    return this.run('getDrill', async () => {
      const res = await this.client.send(new GetCommand({ TableName: this.tableName, Key: drillKey(drillId), ConsistentRead: true }));
      return res.Item ? decodeDrill(res.Item.doc as string) : null;
    });
  }

  async listDrills(options: { instanceId?: string; limit?: number } = {}): Promise<DrillRecord[]> {
    return this.run('listDrills', async () => {
      const out: DrillRecord[] = [];
      if (options.limit === 0) return out;
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ...(options.instanceId !== undefined ? { FilterExpression: 'instanceId = :i' } : {}),
            ExpressionAttributeValues: { ':pk': DRILLS, ...(options.instanceId !== undefined ? { ':i': options.instanceId } : {}) },
            ScanIndexForward: false,
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          out.push(decodeDrill(item.doc as string));
          if (options.limit !== undefined && out.length >= options.limit) return out;
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return out;
    });
  }
}

function conditionFailed(err: unknown): boolean {
  const e = err as { name?: string; CancellationReasons?: { Code?: string }[] };
  return e?.name === 'TransactionCanceledException' && Boolean(e.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed'));
}
