import { Node } from 'constructs';
import { EgressMode } from '@batch-pipeline/network';
import { StagingStrategy } from '@batch-pipeline/orchestration';
import { ExamplePipelineStackProps } from './example-pipeline-stack';

/** The context keys the example app reads (`-c key=value` or `context` in cdk.json). */
export const CONTEXT_KEYS = {
  egress: 'egress',
  endpointAzs: 'endpointAzs',
  staging: 'staging',
  desktopImage: 'desktopImage',
  desktopS3PrefixListId: 'desktopS3PrefixListId',
} as const;

/** An AppStream 2.0 image name, as the Fleet's `ImageName` accepts it. */
const APPSTREAM_IMAGE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,100}$/;
const PREFIX_LIST_ID = /^pl-[0-9a-f]{8,17}$/;

/** The switches of the example stack that context values choose; every one is optional. */
export type ExampleContext = Pick<ExamplePipelineStackProps, 'egress' | 'interfaceEndpointAzs' | 'staging' | 'desktopImage' | 'desktopS3PrefixListId'>;

/**
 * Reads and validates the example's context values from `node` (usually `app.node`).
 * A key that is absent keeps the stack's default; a value that is not allowed fails with
 * an error that names the key, the value and what is allowed.
 */
export function readExampleContext(node: Node): ExampleContext {
  const egress = oneOf(node, CONTEXT_KEYS.egress, Object.values(EgressMode), 'PUBLIC_SUBNETS') as EgressMode | undefined;
  const staging = oneOf(node, CONTEXT_KEYS.staging, Object.values(StagingStrategy), 'AUTO') as StagingStrategy | undefined;
  const desktopImage = matching(node, CONTEXT_KEYS.desktopImage, APPSTREAM_IMAGE_NAME,
    "the name of an AppStream 2.0 image (1-101 letters, digits, '_', '.' and '-', starting with a letter or digit), "
    + 'as shown under Images > Image registry in the AppStream 2.0 console; leave the key out for no desktop');
  const desktopS3PrefixListId = matching(node, CONTEXT_KEYS.desktopS3PrefixListId, PREFIX_LIST_ID,
    "a prefix list id such as pl-7ca54015 (the region's com.amazonaws.<region>.s3 list); leave the key out to let the CDK CLI look it up");
  if (desktopS3PrefixListId !== undefined && desktopImage === undefined) {
    throw new Error(`Context '${CONTEXT_KEYS.desktopS3PrefixListId}' ${desktopS3PrefixListId} is only used with '${CONTEXT_KEYS.desktopImage}'; `
      + `allowed: give '${CONTEXT_KEYS.desktopImage}' too, or leave '${CONTEXT_KEYS.desktopS3PrefixListId}' out`);
  }
  const endpointAzs = matching(node, CONTEXT_KEYS.endpointAzs, /^[1-9]$/, "a number of AZs (1 or 2 for the example's VPC), only with egress VPC_ENDPOINTS; leave the key out for every AZ");
  // PipelineNetwork checks the number against the VPC's AZs and the egress mode, naming the prop.
  const interfaceEndpointAzs = endpointAzs === undefined ? undefined : Number(endpointAzs);
  return { egress, interfaceEndpointAzs, staging, desktopImage, desktopS3PrefixListId };
}

/**
 * The `-c key=value` / `--context key=value` pairs of a command line, so that the app also takes
 * context when it runs without the CDK CLI (`npx ts-node src/main.ts -c egress=VPC_ENDPOINTS`).
 * Under the CDK CLI the context arrives in the environment instead and `argv` has none.
 */
export function contextFromArgs(argv: string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const inline = /^--context=(.*)$/.exec(arg);
    const pair = inline ? inline[1] : (arg === '-c' || arg === '--context') ? argv[++i] : undefined;
    if (pair === undefined) continue;
    const equals = pair.indexOf('=');
    if (equals <= 0) {
      throw new Error(`Context argument '${pair}' is not valid; allowed: key=value, for example -c egress=VPC_ENDPOINTS`);
    }
    context[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return context;
}

function stringValue(node: Node, key: string, allowed: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`Context '${key}' ${JSON.stringify(value)} is not valid; allowed: ${allowed}`);
  }
  return value;
}

function oneOf(node: Node, key: string, values: string[], defaultValue: string): string | undefined {
  const allowed = `${values.join(', ')} (default ${defaultValue})`;
  const value = stringValue(node, key, allowed);
  if (value !== undefined && !values.includes(value)) {
    throw new Error(`Context '${key}' ${value} is not valid; allowed: ${allowed}`);
  }
  return value;
}

function matching(node: Node, key: string, pattern: RegExp, allowed: string): string | undefined {
  const value = stringValue(node, key, allowed);
  if (value !== undefined && !pattern.test(value)) {
    throw new Error(`Context '${key}' ${value} is not valid; allowed: ${allowed}`);
  }
  return value;
}
