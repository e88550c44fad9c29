import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALERT_SOURCE } from '../../src/domain/alerts';

export interface AlertDeliveryProps {
  /** The bus the check function publishes findings to. */
  readonly bus: events.IEventBus;
  /** Where findings the rule could not deliver to the topic go. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * Subscribed to the topic by e-mail (it must confirm the subscription).
   * @default - none
   */
  readonly email?: string;
}

/** The rule's message: one line a person can act on, whatever the finding. */
export const ALERT_MESSAGE_TEMPLATE =
  'snapward <detail-type> (account <account>, <region>, <time>): <message>. Finding <findingId>, check run <runId>. See `snapward findings` for what is still open.';

/**
 * Where the alerts go by default: an SNS topic (encrypted with its own KMS key, TLS only) fed by a
 * rule on the alert bus that routes every snapward finding event (opened and resolved) to it as a
 * readable message, with an optional e-mail subscription. Add chat or paging targets to the topic
 * (README "Running on AWS"). The alarms publish to the same topic unless the stack is given one.
 *
 * Why a customer managed key: EventBridge and CloudWatch alarms can publish to an encrypted topic
 * only if the key policy lets their service principals use the key, and the AWS managed aws/sns
 * key's policy cannot be changed.
 */
export class AlertDelivery extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: AlertDeliveryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: `snapward alert topic of ${stack.stackName}`,
      enableKeyRotation: true,
    });
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `Publish from ${service}`,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'], // in a key policy, "*" is this key
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      );
    }
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'snapward alerts',
      masterKey: this.key,
      enforceSSL: true,
    });
    // The topic policy CDK writes (TLS only, EventBridge may publish) replaces SNS's default one,
    // so CloudWatch alarms must be let in explicitly, from this account's alarms only.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsMayPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));

    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.bus,
      description: 'snapward: every finding event (opened and resolved) -> the alert topic',
      eventPattern: { source: [ALERT_SOURCE] },
    });
    this.rule.addTarget(
      new targets.SnsTopic(this.topic, {
        message: events.RuleTargetInput.fromText(
          ALERT_MESSAGE_TEMPLATE.replace(/<([\w-]+)>/g, (_, field: string) => {
            switch (field) {
              case 'detail-type':
                return events.EventField.detailType;
              case 'account':
                return events.EventField.account;
              case 'region':
                return events.EventField.region;
              case 'time':
                return events.EventField.time;
              default:
                return events.EventField.fromPath(`$.detail.${field}`);
            }
          }),
        ),
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(6),
      }),
    );
  }
}
