// The partitions' own regionRegex (the SDK's partition data: aws, aws-cn, aws-us-gov, aws-iso*,
// aws-eusc), with the number as AWS writes it: 1-99, no leading zero (`us-east-01` is a typo
// that the partitions' `\d+` would let through to fail later as an unreachable endpoint).
// In its own file so schema.ts and accounts.ts share it without importing each other.
export const REGION_PATTERN = /^(us|eu|ap|sa|ca|me|af|il|mx|cn|eusc)(-gov|-iso[a-z]?|-de)?-[a-z]+-[1-9][0-9]?$/;
export const REGION = 'an AWS region name like us-east-1';
