import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { BUCKET_PATTERN, show } from './validation';

/**
 * Where the Lambdas read the fleet YAML from.
 *
 * - `{ s3Uri: 's3://bucket/key' }`: read at cold start; the fleet changes without a deploy. The
 *   functions may `s3:GetObject` on exactly that object and nothing else in the bucket.
 * - `{ file: 'path/to/snapward.yaml' }`: copied into every bundle at synth; a fleet change is a
 *   deploy. Relative paths resolve against the project root.
 */
export type FleetConfigSource = { readonly s3Uri: string; readonly file?: never } | { readonly file: string; readonly s3Uri?: never };

/** Where the YAML lands inside each bundle when it is copied there (`/var/task` is the code root). */
export const BUNDLED_CONFIG_NAME = 'snapward.yaml';
export const BUNDLED_CONFIG_PATH = `/var/task/${BUNDLED_CONFIG_NAME}`;

export type ResolvedFleetConfig =
  | { readonly kind: 's3'; readonly uri: string; readonly bucket: string; readonly key: string }
  | { readonly kind: 'file'; readonly path: string; readonly pathInProject: string };

const S3_URI = /^s3:\/\/([^/]+)\/(.+)$/;

/** Checks the source and resolves it; returns the problems instead when it is unusable. */
export function resolveFleetConfig(source: unknown, projectRoot: string): ResolvedFleetConfig | string[] {
  const fix = 'expected { "s3Uri": "s3://bucket/key" } or { "file": "path/to/snapward.yaml" }';
  if (!source || typeof source !== 'object' || Array.isArray(source)) return [`fleetConfig: got ${show(source)}, ${fix}`];
  const { s3Uri, file, ...rest } = source as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) return [`fleetConfig: got unknown key(s) ${extra.join(', ')}, ${fix}`];
  if ((s3Uri === undefined) === (file === undefined)) return [`fleetConfig: got ${show(source)}, ${fix} (exactly one of them)`];

  if (s3Uri !== undefined) {
    const m = typeof s3Uri === 'string' ? S3_URI.exec(s3Uri) : null;
    if (!m) return [`fleetConfig.s3Uri: got ${show(s3Uri)}, expected s3://<bucket>/<key>, e.g. s3://my-ops-bucket/snapward/snapward.yaml`];
    const [, bucket, key] = m as unknown as [string, string, string];
    if (!BUCKET_PATTERN.test(bucket)) return [`fleetConfig.s3Uri: bucket ${show(bucket)} is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`];
    if (/[*?]/.test(key)) return [`fleetConfig.s3Uri: key ${show(key)} contains a wildcard; name the one object the functions may read`];
    return { kind: 's3', uri: s3Uri as string, bucket, key };
  }

  if (typeof file !== 'string' || file.length === 0) return [`fleetConfig.file: got ${show(file)}, expected a path to the fleet YAML`];
  const path = isAbsolute(file) ? file : resolve(projectRoot, file);
  if (!existsSync(path) || !statSync(path).isFile()) {
    return [`fleetConfig.file: ${show(file)} (resolved to ${path}) does not exist; give a path relative to ${projectRoot} or an absolute one`];
  }
  const pathInProject = relative(projectRoot, path);
  if (pathInProject.startsWith('..') || isAbsolute(pathInProject)) {
    return [`fleetConfig.file: ${path} is outside the project root ${projectRoot}; the bundler can only copy files under it. Move the file into the project or use s3Uri`];
  }
  return { kind: 'file', path, pathInProject };
}

/** The value of `SNAPWARD_CONFIG` for the functions. */
export const configLocation = (config: ResolvedFleetConfig): string => (config.kind === 's3' ? config.uri : BUNDLED_CONFIG_PATH);
