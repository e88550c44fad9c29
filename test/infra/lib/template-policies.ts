/**
 * The IAM policies of a synthesised template, with CloudFormation's intrinsics resolved the way
 * CloudFormation would in one account and region, so a policy simulator can evaluate them.
 */
export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
export interface PolicyDocument {
  Version?: string;
  Statement: Array<Record<string, unknown>>;
}

/** The value a `Ref` or `Fn::GetAtt [id, 'Arn']` takes for the resource types the stack uses. */
function physical(resources: Resources, id: string, attr: 'Ref' | 'Arn'): string {
  const r = resources[id];
  if (!r) throw new Error(`template: no resource ${id}`);
  const name = (r.Properties.TableName ?? r.Properties.Name ?? r.Properties.TopicName ?? r.Properties.FunctionName ?? id) as string;
  const arn: Record<string, () => string> = {
    'AWS::DynamoDB::Table': () => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`,
    'AWS::Events::EventBus': () => `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}`,
    'AWS::Logs::LogGroup': () => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}:*`,
    'AWS::SQS::Queue': () => `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`,
    'AWS::SNS::Topic': () => `arn:aws:sns:${REGION}:${ACCOUNT}:${id}`,
    'AWS::Lambda::Function': () => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`,
    'AWS::KMS::Key': () => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`,
    'AWS::IAM::Role': () => `arn:aws:iam::${ACCOUNT}:role/${id}`,
    'AWS::S3::Bucket': () => `arn:aws:s3:::${(r.Properties.BucketName as string | undefined) ?? id.toLowerCase()}`,
  };
  const make = arn[r.Type];
  if (attr === 'Arn') {
    if (!make) throw new Error(`template: no ARN form for ${r.Type}`);
    return make();
  }
  if (r.Type === 'AWS::SNS::Topic' || r.Type === 'AWS::SQS::Queue') return (make as () => string)();
  if (r.Type === 'AWS::S3::Bucket') return (r.Properties.BucketName as string | undefined) ?? id.toLowerCase();
  return r.Type === 'AWS::Logs::LogGroup' ? id : name;
}

export function resolveIntrinsics(value: unknown, resources: Resources): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, resources));
  if (!value || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const [k] = keys as [string];
    const v = o[k];
    if (k === 'Ref') {
      const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION, 'AWS::URLSuffix': 'amazonaws.com' };
      return pseudo[v as string] ?? physical(resources, v as string, 'Ref');
    }
    if (k === 'Fn::GetAtt') {
      const [id, attr] = v as [string, string];
      if (attr !== 'Arn') throw new Error(`template: Fn::GetAtt ${id}.${attr} not modelled`);
      return physical(resources, id, 'Arn');
    }
    if (k === 'Fn::Join') {
      const [sep, parts] = v as [string, unknown[]];
      return parts.map((p) => resolveIntrinsics(p, resources)).join(sep);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolveIntrinsics(o[k], resources)]));
}

/** Every identity policy attached to the role (inline AWS::IAM::Policy resources), resolved. */
export function policiesOfRole(template: { Resources: Resources }, roleId: string): Array<{ name: string; policy: PolicyDocument }> {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify({ Ref: roleId })))
    .map(([id, r]) => ({ name: id, policy: resolveIntrinsics(r.Properties.PolicyDocument, template.Resources) as PolicyDocument }));
}

/** Every role of the template (function roles, schedule roles, CDK helper roles). */
export function rolesOf(template: { Resources: Resources }): string[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Role')
    .map(([id]) => id);
}
