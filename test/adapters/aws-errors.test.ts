import { classifyAwsError } from '../../src/adapters/aws/errors';

const awsError = (name: string, message = 'aws says no', status = 400) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('classifyAwsError', () => {
  it.each([
    ['DBInstanceNotFound', 'INSTANCE_NOT_FOUND'],
    ['DBInstanceNotFoundFault', 'INSTANCE_NOT_FOUND'],
    ['DBClusterNotFoundFault', 'INSTANCE_NOT_FOUND'],
    ['InvalidDBInstanceState', 'INVALID_INSTANCE_STATE'],
    ['InvalidDBInstanceStateFault', 'INVALID_INSTANCE_STATE'],
    ['InvalidDBClusterStateFault', 'INVALID_INSTANCE_STATE'],
    ['DBSnapshotAlreadyExists', 'SNAPSHOT_ALREADY_EXISTS'],
    ['DBSnapshotAlreadyExistsFault', 'SNAPSHOT_ALREADY_EXISTS'],
    ['DBClusterSnapshotAlreadyExistsFault', 'SNAPSHOT_ALREADY_EXISTS'],
    ['DBSnapshotNotFound', 'SNAPSHOT_NOT_FOUND'],
    ['DBClusterSnapshotNotFoundFault', 'SNAPSHOT_NOT_FOUND'],
    ['InvalidDBSnapshotState', 'INVALID_SNAPSHOT_STATE'],
    ['KMSKeyNotAccessibleFault', 'KMS_KEY_NOT_ACCESSIBLE'],
    ['NotFoundException', 'KMS_KEY_NOT_ACCESSIBLE'],
    ['Throttling', 'THROTTLED'],
    ['ThrottlingException', 'THROTTLED'],
    ['AccessDenied', 'ACCESS_DENIED'],
    ['InvalidParameterValue', 'INVALID_PARAMETER'],
    ['SomethingNew', 'AWS_ERROR'],
  ])('%s -> %s, keeping AWS\'s message and saying what was attempted', (name, code) => {
    const err = classifyAwsError(awsError(name, 'the AWS text'), 'CreateDBSnapshot x of db1 in us-east-1');
    expect(err.code).toBe(code);
    expect(err.message).toBe(`CreateDBSnapshot x of db1 in us-east-1: ${name}: the AWS text`);
    expect(err.context).toMatchObject({ awsErrorName: name });
  });

  it.each([
    ['Cannot copy more than 5 snapshots across regions', 'COPY_LIMIT_EXCEEDED', true],
    ['You have reached the limit of concurrent snapshot copies in progress', 'COPY_LIMIT_EXCEEDED', true],
    ['Cannot create more than 100 manual snapshots', 'SNAPSHOT_QUOTA_EXCEEDED', false],
    ['The request cannot be processed because it would exceed the maximum number of snapshots', 'SNAPSHOT_QUOTA_EXCEEDED', false],
  ])('SnapshotQuotaExceeded "%s" -> %s', (message, code, retryable) => {
    for (const name of ['SnapshotQuotaExceeded', 'SnapshotQuotaExceededFault']) {
      const err = classifyAwsError(awsError(name, message), 'op');
      expect([err.code, err.retryable]).toEqual([code, retryable]);
    }
  });

  it('treats unknown 5xx errors as retryable AWS errors', () => {
    expect(classifyAwsError(awsError('InternalFailure', 'boom', 500), 'op')).toMatchObject({ code: 'AWS_ERROR', retryable: true });
    expect(classifyAwsError(awsError('Weird', 'boom', 400), 'op')).toMatchObject({ code: 'AWS_ERROR', retryable: false });
  });
});
