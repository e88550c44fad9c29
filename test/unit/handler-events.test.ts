import { backupRequestedEvent, parseEvent } from '../../handlers/lib/events';
import { readLambdaEnv } from '../../handlers/lib/env';

const valid = {
  source: 'snapward.operator',
  'detail-type': 'Backup Requested',
  detail: { instanceId: 'jira-prod-use1-1', reason: 'before upgrade', requestedBy: 'alice', idempotencyKey: 'req-12345678' },
};

describe('Backup Requested event validation', () => {
  it('accepts a well-formed event', () => {
    expect(parseEvent(backupRequestedEvent, valid, 'Backup Requested').detail.instanceId).toBe('jira-prod-use1-1');
  });

  it('accepts short and spaced printable keys (OPS-12, a ticket title)', () => {
    for (const key of ['OPS-12', '1', 'CHG 4711: before migration', '~'.repeat(128)]) {
      expect(parseEvent(backupRequestedEvent, { ...valid, detail: { ...valid.detail, idempotencyKey: key } }, 'Backup Requested').detail.idempotencyKey).toBe(key);
    }
  });

  it.each([
    [{ ...valid, source: 'someone.else' }, /source: got "someone.else", expected "snapward.operator"/],
    [{ ...valid, 'detail-type': 'Backup Please' }, /detail-type: got "Backup Please", expected "Backup Requested"/],
    [{ ...valid, detail: { ...valid.detail, instanceId: '1abc' } }, /detail.instanceId: got "1abc", expected an RDS DB instance or cluster identifier/],
    [{ ...valid, detail: { ...valid.detail, idempotencyKey: '' } }, /detail.idempotencyKey: got "", expected a unique key of 1..128 printable characters/],
    [{ ...valid, detail: { ...valid.detail, idempotencyKey: 'x'.repeat(129) } }, /detail.idempotencyKey: got "x{10,}.*, expected a unique key of 1..128 printable characters/],
    [{ ...valid, detail: { ...valid.detail, idempotencyKey: 'OPS-12\n' } }, /detail.idempotencyKey: got "OPS-12\\n", expected a unique key of 1..128 printable characters/],
    [{ ...valid, detail: { ...valid.detail, extra: 1 } }, /detail: .*extra/],
    [{ ...valid, detail: undefined }, /detail: got nothing/],
    ['not an object', /\(event\): got "not an object"/],
  ])('rejects %j naming the field, the value and the expectation', (event, message) => {
    expect(() => parseEvent(backupRequestedEvent, event, 'Backup Requested')).toThrow(message);
  });
});

describe('Lambda environment', () => {
  const env = { SNAPWARD_CONFIG: '/var/task/snapward.yaml', SNAPWARD_STATE_TABLE: 't', AWS_REGION: 'us-east-1' };
  it('applies defaults', () => {
    expect(readLambdaEnv(env)).toMatchObject({ SNAPWARD_LOG_LEVEL: 'info', SNAPWARD_DEADLINE_MARGIN_MS: 30000 });
  });
  it('names every missing or bad variable', () => {
    expect(() => readLambdaEnv({ AWS_REGION: 'us-east-1', SNAPWARD_DEADLINE_MARGIN_MS: 'soon' })).toThrow(/SNAPWARD_CONFIG.*SNAPWARD_STATE_TABLE.*SNAPWARD_DEADLINE_MARGIN_MS: got "soon"/);
  });
});
