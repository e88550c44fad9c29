import { AwsClients } from '../../src/adapters/aws/clients';
import { buildDrillHook } from '../../src/composition-drill-hook';
import { DEFAULT_DRILLS } from '../../src/domain/drill';
import { config } from '../support/builders';

const input = { drillId: 'd', endpoint: null, port: null, engine: 'postgres', instance: 'sw-drill-x', sourceInstance: 'x' };
const withHook = (validate: { command?: string; lambdaArn?: string } | null) => config({ configPath: '/etc/snapward/snapward.yaml', drills: { ...DEFAULT_DRILLS, validate } });

describe('which validation hook drills use', () => {
  const clients = new AwsClients();
  afterAll(() => clients.destroy());
  it('none configured: none', () => {
    expect(buildDrillHook(withHook(null), clients, false)).toBeNull();
  });
  it('the CLI runs the command; Lambda invokes the ARN', () => {
    const both = withHook({ command: './smoke.sh', lambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:smoke' });
    expect(buildDrillHook(both, clients, false)?.describe).toBe('command ./smoke.sh');
    expect(buildDrillHook(both, clients, true)?.describe).toBe('lambda arn:aws:lambda:us-east-1:123456789012:function:smoke');
    expect(buildDrillHook(withHook({ lambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:smoke' }), clients, false)?.describe).toMatch(/^lambda /);
  });
  it('only a command, on Lambda: drills fail saying why (never pass unvalidated)', async () => {
    const hook = buildDrillHook(withHook({ command: './smoke.sh' }), clients, true);
    expect(await hook?.run(input, 1000)).toEqual({ ok: false, exitCode: 127, output: expect.stringMatching(/set drills\.validate\.lambdaArn/) });
  });
});
