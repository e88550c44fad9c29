import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { join } from 'node:path';
import { createClients } from '../../src/composition';
import { EventBridgePublisher } from '../../src/adapters/aws/eventbridge-publisher';
import { silentLogger } from '../../src/ports/logger';
import { SnapwardStack } from '../../infra/snapward-stack';
import { useMotoServer } from '../support/moto-session';

/**
 * The stack's alert routing, as far as moto goes: the rule the stack synthesises (its event
 * pattern and input transformer, read from the template) put on a moto bus, a finding published
 * by snapward's own EventBridge adapter, and what the rule delivers. moto 5.1.1's EventBridge
 * delivers to SQS, log groups, buses and API destinations but not to SNS, so the rule's target is
 * an SQS queue here, and the topic's own delivery (SNS -> an SQS subscriber, as a chat or paging
 * integration would subscribe) is proven in a second hop with the message the rule produced.
 * The stack test asserts that the real rule's target is the topic.
 */
const moto = useMotoServer();
const REGION = 'us-east-1';

function stackRule() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new SnapwardStack(app, 'Snapward', {
    projectRoot: join(__dirname, '..', '..'),
    fleetConfig: { file: 'config/examples/snapward.example.yaml' },
    kmsKeyArns: ['arn:aws:kms:us-west-2:111122223333:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9'],
  });
  const json = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Properties: Record<string, unknown> }> };
  const rule = json.Resources[stack.getLogicalId(stack.alerts.rule.node.defaultChild as CfnElement)]!.Properties;
  const [target] = rule.Targets as Array<{ InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }>;
  return { pattern: rule.EventPattern as object, transformer: target!.InputTransformer, busName: 'Snapward-alerts' };
}

async function queue(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn as string;
  return { url, arn };
}

async function receive(sqs: SQSClient, url: string): Promise<string[]> {
  const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (res.Messages ?? []).map((m) => m.Body as string);
}

describe('alert routing: a finding on the alert bus reaches the topic\'s subscribers as a readable message (moto)', () => {
  it('bus -> the stack\'s rule (pattern + input transformer) -> target; topic -> subscriber', async () => {
    await moto.server().reset();
    const { pattern, transformer, busName } = stackRule();
    const events = new EventBridgeClient({ region: REGION });
    const sqs = new SQSClient({ region: REGION });
    const sns = new SNSClient({ region: REGION });
    try {
      await events.send(new CreateEventBusCommand({ Name: busName }));
      const ruleTarget = await queue(sqs, 'rule-target');
      await events.send(new PutRuleCommand({ Name: 'alerts-to-topic', EventBusName: busName, EventPattern: JSON.stringify(pattern) }));
      await events.send(new PutTargetsCommand({ Rule: 'alerts-to-topic', EventBusName: busName, Targets: [{ Id: 'topic', Arn: ruleTarget.arn, InputTransformer: transformer }] }));

      // A finding as the check function sends it, through snapward's own adapter.
      const publisher = new EventBridgePublisher(createClients(), busName, REGION, silentLogger);
      const time = new Date('2026-11-29T06:05:00Z');
      const delivered = await publisher.publish([
        {
          detailType: 'Snapshot Missed',
          time,
          detail: { instanceId: 'orders-db', message: 'no available snapshot of orders-db for period 2026-11-29 (due by 2026-11-29T02:00:00.000Z)', findingId: 'F-20261129-1', kind: 'Snapshot Missed', runId: 'R-1' },
        },
      ]);
      expect(delivered).toEqual([true]);
      // An event from another source on the same bus is not routed.
      await events.send(new PutEventsCommand({ Entries: [{ EventBusName: busName, Source: 'someone.else', DetailType: 'Snapshot Missed', Detail: '{}' }] }));

      const bodies = await receive(sqs, ruleTarget.url);
      expect(bodies).toHaveLength(1);
      const text = bodies[0]!.replace(/^"|"$/g, '');
      // AWS renders <time> as ISO 8601 (2026-11-29T06:05:00Z); moto 5.1.1 as epoch seconds.
      expect(text).toMatch(
        /^snapward Snapshot Missed \(account \d{12}, us-east-1, (2026-11-29T06:05:00Z|1795932300)\): no available snapshot of orders-db for period 2026-11-29 \(due by 2026-11-29T02:00:00.000Z\)\. Finding F-20261129-1, check run R-1\. See `snapward findings` for what is still open\.$/,
      );

      // The topic hands that message to a subscriber (an SQS queue standing in for chat/paging).
      const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'Snapward-alerts' }))).TopicArn as string;
      const subscriber = await queue(sqs, 'subscriber');
      await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: subscriber.arn, Attributes: { RawMessageDelivery: 'true' } }));
      await sns.send(new PublishCommand({ TopicArn: topicArn, Message: text }));
      expect(await receive(sqs, subscriber.url)).toEqual([text]);
    } finally {
      events.destroy();
      sqs.destroy();
      sns.destroy();
    }
  });
});
