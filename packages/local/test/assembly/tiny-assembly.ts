import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * Hand-written cloud assemblies for tests: a manifest.json (schema 53.0.0) with
 * `aws:cloudformation:stack` artifacts, their templates and an asset manifest for the
 * functions' code, as `cdk synth` writes them. No construct package is involved.
 */

export type Template = { Resources: Record<string, any>; Parameters?: Record<string, any> };

export interface StackSpec {
  readonly id: string;
  readonly template: Template;
  /** `aws://<account>/<region>`; environment-agnostic by default. */
  readonly environment?: string;
  readonly stackName?: string;
  /** Object keys (as `Code.S3Key` names them) of file assets, each a folder with an index.js. */
  readonly fileAssets?: readonly string[];
}

export function temporaryDirectory(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Writes a cloud assembly into `directory` (created) and returns it. */
export function writeAssembly(directory: string, stacks: readonly StackSpec[], extraArtifacts: Record<string, unknown> = {}): string {
  mkdirSync(directory, { recursive: true });
  const artifacts: Record<string, unknown> = { ...extraArtifacts };
  for (const stack of stacks) {
    writeFileSync(path.join(directory, `${stack.id}.template.json`), JSON.stringify(stack.template, undefined, 1));
    const dependencies: string[] = [];
    if (stack.fileAssets?.length) {
      const files: Record<string, unknown> = {};
      for (const objectKey of stack.fileAssets) {
        const hash = objectKey.replace(/\.zip$/, '');
        const folder = `asset.${hash}`;
        mkdirSync(path.join(directory, folder), { recursive: true });
        writeFileSync(path.join(directory, folder, 'index.js'), 'exports.handler = async () => ({});\n');
        files[hash] = {
          source: { path: folder, packaging: 'zip' },
          destinations: { 'current_account-current_region': { bucketName: 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}', objectKey } },
        };
      }
      const assetsFile = `${stack.id}.assets.json`;
      writeFileSync(path.join(directory, assetsFile), JSON.stringify({ version: '53.0.0', files, dockerImages: {} }));
      artifacts[`${stack.id}.assets`] = { type: 'cdk:asset-manifest', properties: { file: assetsFile, requiresBootstrapStackVersion: 6 } };
      dependencies.push(`${stack.id}.assets`);
    }
    artifacts[stack.id] = {
      type: 'aws:cloudformation:stack',
      environment: stack.environment ?? 'aws://unknown-account/unknown-region',
      properties: { templateFile: `${stack.id}.template.json`, ...(stack.stackName ? { stackName: stack.stackName } : {}) },
      dependencies,
    };
  }
  writeFileSync(path.join(directory, 'manifest.json'), JSON.stringify({ version: '53.0.0', artifacts }, undefined, 1));
  return directory;
}

/** A state machine definition with one Pass state, as the CDK writes it (DefinitionString as Fn::Join). */
export function passDefinition(): unknown {
  return { 'Fn::Join': ['', ['{"StartAt":"Done","States":{"Done":{"Type":"Pass","End":true}}}']] };
}

export interface PipelineTemplateOptions {
  /** How the bucket invokes the trigger: CDK's custom resource or the bucket's own NotificationConfiguration. */
  readonly notifications?: 'custom-resource' | 'bucket';
  readonly prefix?: string;
  readonly suffix?: string;
  /** Extra resources (a job definition ...). */
  readonly resources?: Record<string, any>;
  /** Whether the trigger's environment names the state machine. @default true */
  readonly triggerStartsStateMachine?: boolean;
}

export const TRIGGER_ASSET = 'a1b2c3d4e5f6.zip';

/** The smallest pipeline: an upload bucket whose notification invokes a trigger that names a state machine. */
export function pipelineTemplate(options: PipelineTemplateOptions = {}): Template {
  const rules = [
    ...(options.prefix !== undefined ? [{ Name: 'prefix', Value: options.prefix }] : []),
    ...(options.suffix !== undefined ? [{ Name: 'suffix', Value: options.suffix }] : []),
  ];
  const resources: Record<string, any> = {
    UploadBucket: { Type: 'AWS::S3::Bucket', Properties: { VersioningConfiguration: { Status: 'Enabled' } } },
    Trigger: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { S3Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' }, S3Key: TRIGGER_ASSET },
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Environment: { Variables: options.triggerStartsStateMachine === false ? { OTHER: 'x' } : { STATE_MACHINE_ARN: { Ref: 'StateMachine' } } },
      },
    },
    StateMachine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: passDefinition() } },
    ...options.resources,
  };
  const filter = rules.length ? { Filter: { Key: { FilterRules: rules } } } : {};
  if (options.notifications === 'bucket') {
    resources.UploadBucket.Properties.NotificationConfiguration = {
      LambdaConfigurations: [{
        Event: 's3:ObjectCreated:*',
        Function: { 'Fn::GetAtt': ['Trigger', 'Arn'] },
        ...(rules.length ? { Filter: { S3Key: { Rules: rules } } } : {}),
      }],
    };
  } else {
    resources.BucketNotificationsHandler = {
      Type: 'AWS::Lambda::Function',
      Properties: { Code: { ZipFile: 'exports.handler = async () => {};' }, Handler: 'index.handler', Runtime: 'python3.13' },
    };
    resources.UploadBucketNotifications = {
      Type: 'Custom::S3BucketNotifications',
      Properties: {
        ServiceToken: { 'Fn::GetAtt': ['BucketNotificationsHandler', 'Arn'] },
        BucketName: { Ref: 'UploadBucket' },
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [{ Events: ['s3:ObjectCreated:*'], LambdaFunctionArn: { 'Fn::GetAtt': ['Trigger', 'Arn'] }, ...filter }],
        },
        Managed: true,
      },
    };
  }
  return { Resources: resources };
}
