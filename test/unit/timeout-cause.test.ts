import { classifyAwsError } from '../../src/adapters/aws/errors';
import { causeOf } from '../../src/domain/errors';

/** Every way a call can get no answer is one cause, so a silent region is one line, not three. */
describe('causeOf a call that got no answer', () => {
  it.each([
    ['TimeoutError', 'RDS DescribeDBSnapshots got no answer from http://127.0.0.1:1 within its budget of 60 s'],
    ['TimeoutError', '@smithy/node-http-handler - [ERROR] a request has exceeded the configured 20000 ms requestTimeout.'],
    ['EndpointUnresponsive', 'RDS DescribeDBInstances not sent: an earlier call got no answer from http://127.0.0.1:1 within 60 s'],
  ])('%s (%s) is TIMEOUT, retryable, "unreachable (no answer in time)"', (name, message) => {
    const info = classifyAwsError(Object.assign(new Error(message), { name }), 'listing in us-east-1').toInfo('list');
    expect([info.code, info.retryable]).toEqual(['TIMEOUT', true]);
    expect(causeOf(info)).toBe('unreachable (no answer in time)');
  });

  it('a call aborted by a signal is INTERRUPTED', () => {
    const info = classifyAwsError(Object.assign(new Error('RDS CreateDBSnapshot aborted: snapward was asked to stop'), { name: 'AbortError' }), 'op').toInfo();
    expect([info.code, info.retryable]).toEqual(['INTERRUPTED', true]);
    expect(causeOf(info)).toBe('interrupted (snapward was asked to stop)');
  });
});
