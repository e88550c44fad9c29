import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStackSettings, main, parseArgs, placeholderProblems, SETTINGS_DEFAULTS, SettingsSources } from '../../infra/app';

/** The CDK app shell: argument parsing, settings from defaults / file / context, a real synth. */
const sources = (over: Partial<SettingsSources> & { ctx?: Record<string, unknown>; files?: Record<string, string> } = {}): SettingsSources => ({
  context: (key) => over.ctx?.[key],
  env: {},
  cwd: '/work',
  readFile: (path) => {
    const text = over.files?.[path];
    if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
    return text;
  },
  ...over,
});

describe('parseArgs', () => {
  it('reads --props and CDK-style -c key=value (JSON values parsed)', () => {
    expect(parseArgs(['--props', 'p.json', '-c', 'snapward={"regions":["us-east-1"]}', '--context', 'plain=text'])).toEqual({
      propsFile: 'p.json',
      context: { snapward: { regions: ['us-east-1'] }, plain: 'text' },
    });
    expect(parseArgs([])).toEqual({ context: {} });
    expect(parseArgs(['--example'])).toEqual({ example: true, context: {} });
  });

  it('rejects what it does not know, saying what it expects', () => {
    expect(() => parseArgs(['--region', 'x'])).toThrow('unknown argument --region; expected --props FILE, --example or -c key=value');
    expect(() => parseArgs(['-c', 'novalue'])).toThrow('-c novalue: expected key=value');
    expect(() => parseArgs(['--props'])).toThrow('--props: expected a value after it');
  });
});

describe('loadStackSettings', () => {
  it('no file and no context: the documented defaults', () => {
    const { settings, origin } = loadStackSettings(sources());
    expect(settings).toEqual({ ...SETTINGS_DEFAULTS, account: undefined, region: undefined });
    expect(settings.fleetConfig).toEqual({ file: 'config/examples/snapward.example.yaml' });
    expect(settings.regions).toBeUndefined(); // taken from the fleet
    expect(new Set(Object.values(origin))).toEqual(new Set(['default']));
  });

  it('defaults <- file <- context, each value tagged with where it came from', () => {
    const { settings, origin, file } = loadStackSettings(
      sources({
        propsFileArg: 'deploy/prod.json',
        files: { '/work/deploy/prod.json': JSON.stringify({ regions: ['us-east-1', 'us-west-2'], alertBusName: 'from-file', kmsKeyArns: [] }) },
        ctx: { snapward: '{"alertBusName":"from-context"}' },
        env: { CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'us-east-1' },
      }),
    );
    expect(file).toBe('/work/deploy/prod.json');
    expect(settings).toMatchObject({ regions: ['us-east-1', 'us-west-2'], alertBusName: 'from-context', kmsKeyArns: [], account: '111122223333', region: 'us-east-1' });
    expect(origin).toMatchObject({ regions: 'file', alertBusName: 'context', kmsKeyArns: 'file', attachmentBuckets: 'default' });
  });

  it('the file may also come from $SNAPWARD_STACK_PROPS or context snapward:propsFile', () => {
    const files = { '/abs/p.json': '{"alertBusName":"x"}' };
    expect(loadStackSettings(sources({ env: { SNAPWARD_STACK_PROPS: '/abs/p.json' }, files })).settings.alertBusName).toBe('x');
    expect(loadStackSettings(sources({ ctx: { 'snapward:propsFile': '/abs/p.json' }, files })).settings.alertBusName).toBe('x');
  });

  it('a typo is an error, never a silent default; so is a broken file', () => {
    expect(() => loadStackSettings(sources({ ctx: { snapward: { region: 'us-east-1', regionz: ['x'] } } }))).toThrow(/context snapward: unknown key\(s\) regionz; expected some of stackName, fleetConfig, fleetConfigCopy, regions/);
    expect(() => loadStackSettings(sources({ propsFileArg: '/missing.json' }))).toThrow(/props file \/missing.json: ENOENT.*expected a JSON object/);
    expect(() => loadStackSettings(sources({ propsFileArg: '/a.json', files: { '/a.json': '[1]' } }))).toThrow(/props file \/a.json: got \[1\], expected a JSON object of stack settings/);
    expect(() => loadStackSettings(sources({ ctx: { snapward: '{nope' } }))).toThrow(/context snapward: .*expected a JSON object, e.g. -c snapward=/);
  });
});

describe('main', () => {
  let out: string;
  beforeEach(() => {
    out = mkdtempSync(join(tmpdir(), 'snapward-cdk-'));
  });
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  it('a plain synth of the defaults (the example fleet) fails: placeholders need --example', () => {
    expect(() => main(['-c', 'aws:cdk:bundling-stacks=[]'], { CDK_OUTDIR: out }, () => undefined)).toThrow(
      /placeholder[\s\S]*config\/examples\/snapward.example.yaml is the example fleet[\s\S]*pass --example \(npm run synth -- --example\)/,
    );
  });

  it('--example synthesizes the example fleet to the outdir, through the cdk-nag gate, and says so', () => {
    const lines: string[] = [];
    const app = main(['--example', '-c', 'aws:cdk:bundling-stacks=[]'], { CDK_OUTDIR: out }, (l) => lines.push(l));
    const assembly = app.synth();
    const template = JSON.parse(readFileSync(join(out, 'Snapward.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    expect(assembly.stacks.map((s) => s.stackName)).toEqual(['Snapward']);
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(5); // the DR report's included
    expect(lines).toEqual([
      expect.stringMatching(/^snapward: --example: the example fleet and placeholder key ARN; not for a real account/),
      // No region at synth: the other regions' RDS snapshot events cannot be forwarded, and it says so.
      expect.stringMatching(/^snapward: Snapward has no region at synth \(set region, or CDK_DEFAULT_REGION\): RDS snapshot events of eu-central-1, eu-west-1, us-east-1, us-west-2 are only seen in the stack's own region/),
    ]);
    // README "Running on AWS" names the CDK CLI version the assembly asks for.
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { minimumCliVersion?: string };
    expect(manifest.minimumCliVersion).toMatch(/^2\.\d+\.\d+$/);
    expect(readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8')).toContain(`"minimumCliVersion": "${manifest.minimumCliVersion}"`);
  });

  it('settings covering less than the bundled fleet fail the synth with the list (two regions, no keys, for a four-region fleet)', () => {
    expect(() => main(['--example', '-c', 'snapward={"regions":["us-east-1","us-west-2"],"kmsKeyArns":[]}', '-c', 'aws:cdk:bundling-stacks=[]'], { CDK_OUTDIR: out }, () => undefined)).toThrow(
      /regions: \["us-east-1","us-west-2"\] leaves out eu-central-1, eu-west-1[\s\S]*kmsKeyArns: the fleet .* encrypts copies in us-west-2 with "alias\/snapward-dr"/,
    );
  });

  it('takes settings from a --props file', () => {
    const props = join(out, 'props.json');
    writeFileSync(props, JSON.stringify({ stackName: 'SnapwardProd', fleetConfig: { file: 'test/infra/fixtures/fleet-two-regions.yaml' }, alertBusName: 'prod-alerts' }));
    const lines: string[] = [];
    const app = main(['--props', props, '-c', 'aws:cdk:bundling-stacks=[]'], { CDK_OUTDIR: join(out, 'cdk.out') }, (l) => lines.push(l));
    app.synth();
    const template = readFileSync(join(out, 'cdk.out', 'SnapwardProd.template.json'), 'utf8');
    expect(template).toContain('"Name": "prod-alerts"');
    expect(template).not.toContain('eu-west-1');
    expect(lines[0]).toBe(`snapward: settings from ${props}`);
  });

  it('with the region known, one forwarder stack per other region of the fleet, deployed after the snapward stack', () => {
    const lines: string[] = [];
    const app = main(['--example', '-c', 'aws:cdk:bundling-stacks=[]'], { CDK_OUTDIR: out, CDK_DEFAULT_REGION: 'us-east-1', CDK_DEFAULT_ACCOUNT: '111122223333' }, (l) => lines.push(l));
    const assembly = app.synth(); // through the cdk-nag gate, forwarders included
    expect(assembly.stacks.map((s) => `${s.stackName}@${s.environment.region}`).sort()).toEqual([
      'Snapward-rds-events-eu-central-1@eu-central-1',
      'Snapward-rds-events-eu-west-1@eu-west-1',
      'Snapward-rds-events-us-west-2@us-west-2',
      'Snapward@us-east-1',
    ]);
    for (const s of assembly.stacks.filter((x) => x.stackName !== 'Snapward')) expect(s.dependencies.map((d) => d.id)).toContain('Snapward');
    expect(lines.filter((l) => /no region at synth/.test(l))).toEqual([]);
  });

  it('a bad setting stops before anything is written, naming the value and the fix', () => {
    expect(() => main(['--example', '-c', 'snapward={"regions":["mars-1"]}', '-c', 'aws:cdk:bundling-stacks=[]'], { CDK_OUTDIR: out }, () => undefined)).toThrow(
      /regions\[0\]: got "mars-1", expected an AWS region code such as "us-east-1"[\s\S]*CDK context key "snapward"/,
    );
  });
});

describe('placeholderProblems', () => {
  const read = (files: Record<string, string>) => (path: string) => {
    const text = files[path];
    if (text === undefined) throw new Error('ENOENT');
    return text;
  };
  const settings = (over: object) => ({ ...SETTINGS_DEFAULTS, ...over });

  it('flags the example fleet and any ARN in the documentation account', () => {
    expect(placeholderProblems(settings({}), read({}), '/p')).toEqual([expect.stringMatching(/is the example fleet/)]);
    expect(
      placeholderProblems(settings({ fleetConfig: { file: 'ops/fleet.yaml' }, kmsKeyArns: ['arn:aws:kms:us-west-2:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9'] }), read({ '/p/ops/fleet.yaml': 'x' }), '/p'),
    ).toEqual([expect.stringMatching(/e0f9 is in the AWS documentation account 123456789012/)]);
    expect(placeholderProblems(settings({ fleetConfig: { file: 'ops/fleet.yaml' } }), read({ '/p/ops/fleet.yaml': 'kms:\n  eu-west-1: arn:aws:kms:eu-west-1:123456789012:key/x' }), '/p')).toEqual([
      expect.stringMatching(/ops\/fleet.yaml names ARNs in the AWS documentation account/),
    ]);
  });

  it('a real fleet with real keys has none', () => {
    expect(placeholderProblems(settings({ fleetConfig: { file: 'ops/fleet.yaml' }, kmsKeyArns: ['arn:aws:kms:us-west-2:111122223333:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9'] }), read({ '/p/ops/fleet.yaml': 'instances: []' }), '/p')).toEqual([]);
    expect(placeholderProblems(settings({ fleetConfig: { s3Uri: 's3://ops/fleet.yaml' } }), read({}), '/p')).toEqual([]);
  });
});
