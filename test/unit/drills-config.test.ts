import { problemsOf } from '../support/config-problems';
import { parseConfig } from '../../config/load';
import { DEFAULT_DRILLS, drillsOf } from '../../src/domain/drill';
import { DAY, HOUR, MINUTE } from '../../src/domain/time';

const MINIMAL = `
kms:
  us-west-2: alias/snapward-dr
instances:
  - { id: db1, region: us-east-1, drRegion: us-west-2, tier: 1 }
`;

describe('drills config', () => {
  it('without a drills key the defaults apply: tiers 0 and 1 every 90d from the DR copy, 2 per region, 24h, 15m, no hook', () => {
    const config = parseConfig(MINIMAL, null, '/');
    expect(drillsOf(config)).toEqual(DEFAULT_DRILLS);
    expect(DEFAULT_DRILLS).toEqual({ everyMs: { 0: 90 * DAY, 1: 90 * DAY }, source: 'dr', maxConcurrent: 2, maxAgeMs: 24 * HOUR, hookTimeoutMs: 15 * MINUTE, regions: {}, validate: null });
  });

  it('reads every key; a given every map replaces the default one (tiers not listed are not drilled)', () => {
    const config = parseConfig(
      `${MINIMAL}drills:
  every: { 2: 30d }
  source: primary
  maxConcurrent: 4
  maxAge: 12h
  hookTimeout: 10m
  regions:
    us-west-2: { subnetGroup: dr-restore, securityGroups: [sg-0abc1234], instanceClass: db.t3.medium }
  validate:
    command: ./scripts/smoke.sh
    lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:smoke
`,
      null,
      '/',
    );
    expect(drillsOf(config)).toEqual({
      everyMs: { 2: 30 * DAY }, source: 'primary', maxConcurrent: 4, maxAgeMs: 12 * HOUR, hookTimeoutMs: 10 * MINUTE,
      regions: { 'us-west-2': { subnetGroup: 'dr-restore', securityGroups: ['sg-0abc1234'], instanceClass: 'db.t3.medium' } },
      validate: { command: './scripts/smoke.sh', lambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:smoke' },
    });
  });

  it.each([
    ['every: { 5: 90d }', 'drills.every.5', 'no key "5" here'],
    ['every: { 0: soon }', 'drills.every.0', 'a duration greater than 0'],
    ['source: tape', 'drills.source', 'dr or primary'],
    ['maxConcurrent: 0', 'drills.maxConcurrent', 'an integer from 1 to 20'],
    ['maxAge: 10m', 'drills.maxAge', 'a duration of at least 1h'],
    ['hookTimeout: 1h', 'drills.hookTimeout', 'at most 15m'],
    ['regions: { mars-1: {} }', 'drills.regions.mars-1', 'a key that is an AWS region name'],
    ['regions: { us-west-2: { securityGroups: [default] } }', 'drills.regions.us-west-2.securityGroups[0]', 'a VPC security group id'],
    ['regions: { us-west-2: { instanceClass: t3.medium } }', 'drills.regions.us-west-2.instanceClass', 'a DB instance class like db.t3.medium'],
    ['validate: { lambdaArn: smoke }', 'drills.validate.lambdaArn', 'a Lambda function ARN'],
    ['validate: { script: x }', 'drills.validate.script', 'no key "script" here'],
  ])('drills: %s is refused naming %s', (line, path, expected) => {
    const found = problemsOf(`${MINIMAL}drills:\n  ${line}\n`);
    expect(found).toEqual([expect.objectContaining({ path, expected: expect.stringContaining(expected) })]);
  });
});
