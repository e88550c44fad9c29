/**
 * Prop validation shared by the snapward constructs. Every message names the prop, shows the bad
 * value and says what would be accepted, so a failed synth tells the operator what to change.
 */
export class SnapwardPropsError extends Error {
  constructor(
    readonly problems: readonly string[],
    what = 'snapward stack',
    hint?: string,
  ) {
    super(`invalid ${what} props (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}${hint ? `\n${hint}` : ''}`);
    this.name = 'SnapwardPropsError';
  }
}

/** Where the stack's props come from, for the end of a props error. */
export const SNAPWARD_PROPS_ERROR_FIX =
  'set them in the props JSON file (--props FILE, SNAPWARD_STACK_PROPS or context snapward:propsFile) or in the CDK context key "snapward"; see README "Running on AWS"';

/** AWS commercial, China and GovCloud region codes: us-east-1, cn-north-1, us-gov-west-1. */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

/** S3 bucket naming rules (general purpose buckets). */
export const BUCKET_PATTERN = /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** A KMS *key* ARN; IAM authorizes KMS calls against the key, never against an alias. */
export const KMS_KEY_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\d{12}):key\/((mrk-)?[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const SNS_TOPIC_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov):sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** One plain e-mail address (SNS checks it again; this catches lists and typos at synth). */
export const EMAIL_PATTERN = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

/** An IAM role or user ARN (paths allowed), e.g. arn:aws:iam::111122223333:role/Admin. */
export const IAM_PRINCIPAL_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;

/** Custom event bus names: letters, digits, `.`, `-`, `_`; `default` is the account's own bus. */
export const EVENT_BUS_NAME_PATTERN = /^[A-Za-z0-9._-]{1,256}$/;

export const show = (value: unknown): string => {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** Problems with a list prop: not a list, empty when it must not be, duplicates, bad entries. */
export function checkList(
  name: string,
  value: unknown,
  check: (item: string, at: string) => string | null,
  { allowEmpty }: { allowEmpty: boolean },
): string[] {
  if (!Array.isArray(value)) return [`${name}: got ${show(value)}, expected a list of strings`];
  if (!allowEmpty && value.length === 0) return [`${name}: got [], expected at least one entry`];
  const problems: string[] = [];
  const seen = new Set<string>();
  value.forEach((item: unknown, i) => {
    const at = `${name}[${i}]`;
    if (typeof item !== 'string') {
      problems.push(`${at}: got ${show(item)}, expected a string`);
      return;
    }
    if (seen.has(item)) problems.push(`${at}: got ${show(item)} twice; list it once`);
    seen.add(item);
    const problem = check(item, at);
    if (problem) problems.push(problem);
  });
  return problems;
}
