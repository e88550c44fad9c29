import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
// cdk-nag's own rendering of a CloudFormation value into the text its findings carry
// (`{ Ref: 'AWS::Partition' }` -> `<AWS::Partition>`), so our acknowledgements match its finding ids.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';

/**
 * cdk-nag v3 acknowledgements. v3 dropped `NagSuppressions`; a finding is acknowledged with CDK's
 * `Validations.of(construct).acknowledge({ id, reason })`, on the resource or an ancestor, and
 * each finding of a multi-finding rule (`AwsSolutions-IAM5[Resource::...]`) on its own.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Acknowledges AwsSolutions-IAM5 for each of `resources` that holds a wildcard. The ids are
 * computed from the very values the policy holds, so a changed ARN cannot stay acknowledged by
 * accident: it produces a new, unacknowledged finding instead. A finding already acknowledged on
 * `scope` is not acknowledged twice.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: readonly string[], reason: (resource: string) => string): void {
  const stack = Stack.of(scope);
  for (const resource of resources) {
    const flat = flattenCfnReference(stack.resolve(resource));
    if (!flat.includes('*')) continue;
    const id = `AwsSolutions-IAM5[Resource::${flat}]`;
    if (!isAcknowledgedOn(scope, id)) acknowledge(scope, id, reason(flat));
  }
}

function isAcknowledgedOn(scope: IConstruct, id: string): boolean {
  return scope.node.metadata.some((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && m.data && typeof m.data === 'object' && Object.keys(m.data).some((k) => k.endsWith(id)));
}
