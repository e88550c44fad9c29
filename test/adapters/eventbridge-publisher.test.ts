import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients } from '../../src/adapters/aws/clients';
import { EventBridgePublisher } from '../../src/adapters/aws/eventbridge-publisher';
import { silentLogger } from '../../src/ports/logger';

const eb = mockClient(EventBridgeClient);
beforeEach(() => eb.reset());
afterAll(() => eb.restore());

const events = (n: number) => Array.from({ length: n }, (_, i) => ({ detailType: 'Snapshot Missed', detail: { findingId: `f-${i}` }, time: new Date('2026-11-24T10:00:00Z') }));
const publisher = () => new EventBridgePublisher(new AwsClients({ maxAttempts: 1 }), 'snapward-alerts', 'us-east-1', silentLogger);
const ids = (input: { Entries?: { Detail?: string }[] }) => (input.Entries ?? []).map((e) => JSON.parse(e.Detail as string).findingId);

describe('EventBridgePublisher', () => {
  it('sends at most 10 entries per PutEvents, to the bus, with source snapward', async () => {
    eb.on(PutEventsCommand).callsFake(async (input) => ({ FailedEntryCount: 0, Entries: input.Entries.map((_: unknown, i: number) => ({ EventId: `e${i}` })) }));
    const delivered = await publisher().publish(events(23));
    expect(delivered).toEqual(Array(23).fill(true));
    const calls = eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls[0]?.Entries?.[0]).toMatchObject({ Source: 'snapward', DetailType: 'Snapshot Missed', EventBusName: 'snapward-alerts' });
  });

  it('retries only the entries EventBridge reports failed, and gives up on the ones that keep failing', async () => {
    let call = 0;
    eb.on(PutEventsCommand).callsFake(async (input) => {
      call++;
      // f-1 fails once then succeeds; f-2 always fails.
      const entries = input.Entries.map((e: { Detail: string }) => {
        const id = JSON.parse(e.Detail).findingId;
        return (id === 'f-1' && call === 1) || id === 'f-2' ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' } : { EventId: `e-${id}` };
      });
      return { FailedEntryCount: entries.filter((e: { ErrorCode?: string }) => e.ErrorCode).length, Entries: entries };
    });
    const delivered = await publisher().publish(events(3));
    expect(delivered).toEqual([true, true, false]);
    const calls = eb.commandCalls(PutEventsCommand).map((c) => ids(c.args[0].input));
    expect(calls).toEqual([['f-0', 'f-1', 'f-2'], ['f-1', 'f-2'], ['f-2']]);
  });

  it('reports nothing delivered, without throwing, when the bus cannot be reached', async () => {
    eb.on(PutEventsCommand).rejects(Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' }));
    expect(await publisher().publish(events(12))).toEqual(Array(12).fill(false));
  });
});
