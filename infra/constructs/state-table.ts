import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DYNAMODB_STATE_TABLE } from '../../src/adapters/state/dynamodb-state-store';

export interface StateTableProps {
  /**
   * What happens to the table when it leaves the stack. The run history is the audit trail of
   * every backup and deletion, so it outlives the stack unless you say otherwise.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Refuse DeleteTable even from an administrator until this is turned off.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * The DynamoDB state store: runs, per-instance results, findings and leases, keyed by `pk`/`sk`
 * (strings) with TTL on `expiresAt` (epoch seconds). The key names come from the store adapter
 * (`DYNAMODB_STATE_TABLE`) so the table and the code cannot drift apart.
 *
 * - On-demand billing: a handful of writes per pass, in bursts; nothing to provision.
 * - Point-in-time recovery: a bad deploy that corrupts run records can be undone.
 * - Encrypted with the AWS managed key `aws/dynamodb`: at-rest encryption with KMS and its
 *   CloudTrail record, without a key policy to maintain or a key whose loss would lock us out of
 *   our own backup history. The items hold snapshot ids and outcomes, no secrets, and nothing is
 *   shared across accounts, which is when a customer managed key would earn its keep.
 */
export class StateTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StateTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: DYNAMODB_STATE_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: DYNAMODB_STATE_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: DYNAMODB_STATE_TABLE.ttlAttribute,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      deletionProtection: props.deletionProtection ?? true,
    });
  }

  /**
   * Item reads and writes on this table: exactly the calls the DynamoDB store makes (TransactWrite
   * is authorized per item as Put/Update/Delete/ConditionCheckItem). No Scan, no table
   * administration, no streams. If the store starts using another call, add its action here;
   * test/infra/stack.test.ts cross-checks this list against the store's commands.
   */
  grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...STATE_TABLE_ACTIONS],
      resourceArns: [this.table.tableArn],
    });
  }
}

/** The DynamoDB actions the functions get on the state table. */
export const STATE_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
] as const;
