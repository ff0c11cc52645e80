import { JsonFile, javascript, typescript } from 'projen';
import { COMMON_OPTIONS, JEST_OPTIONS, PROJECT, WORKSPACE_VERSION, pinToolchain, skipOwnInstall } from './construct-package';
import { VERSIONS } from './versions';

/** The sample upload `npm start` runs through the pipeline. */
export const LOCAL_RUN_SAMPLE = 'samples/plate-reader-2026-11-30.csv';

export interface ExampleAppOptions {
  /** Construct packages the app composes. */
  readonly uses: javascript.NodeProject[];
}

/**
 * `apps/example`: a deployable CDK app built from the construct packages.
 * `synth` writes its cloud assembly to `apps/example/cdk.out` without AWS.
 */
export class ExampleApp extends typescript.TypeScriptProject {
  constructor(root: javascript.NodeProject, options: ExampleAppOptions) {
    super({
      parent: root,
      outdir: 'apps/example',
      name: `${PROJECT.npmScope}/example`,
      description: 'A deployable example of the batch pipeline, composed from the construct packages',
      ...COMMON_OPTIONS,
      typescriptVersion: VERSIONS.typescript,
      jestOptions: JEST_OPTIONS,
      deps: [
        `aws-cdk-lib@${VERSIONS.awsCdkLib}`,
        `constructs@${VERSIONS.constructs}`,
        ...options.uses.map((pkg) => `${pkg.package.packageName}@^${WORKSPACE_VERSION}`),
      ],
      devDeps: [`cdk-nag@${VERSIONS.cdkNag}`, `ts-node@${VERSIONS.tsNode}`],
      sampleCode: false,
      eslint: false,
      package: false,
      // skipLibCheck as in every package: the tests import @batch-pipeline/local, whose engine's types
      // reach aws-local-stepfunctions' declarations, which name SDK files newer SDK versions dropped.
      tsconfig: { compilerOptions: { module: 'node16', moduleResolution: javascript.TypeScriptModuleResolution.NODE16, skipLibCheck: true } },
      // ts-jest transpiles only (fast); the tests are type-checked by their own step.
      tsconfigDev: { compilerOptions: { isolatedModules: true } },
    });
    this.package.addField('private', true);
    pinToolchain(this);
    this.testTask.prependExec('tsc -p test/tsconfig.json', { name: 'type-check the app and its tests' });
    skipOwnInstall(this);

    new JsonFile(this, 'cdk.json', {
      obj: { app: 'npx ts-node --prefer-ts-exts src/main.ts', output: 'cdk.out' },
    });
    this.gitignore.exclude('/cdk.out/');
    this.addTask('synth', {
      description: 'Synthesize the example pipeline into cdk.out and print a summary',
      exec: 'ts-node --prefer-ts-exts src/main.ts',
    });
    // The README's main command: the whole pipeline, run locally on the bundled sample.
    this.addTask('local-run', {
      description: 'Synthesize the example and run its pipeline locally on samples/ (packages/local), printing the report',
      exec: `node ../../node_modules/${PROJECT.npmScope}/local/lib/cli.js run ${LOCAL_RUN_SAMPLE} --synth --fast`,
    });
    this.gitignore.exclude('/.batch-pipeline/');
    // Nx runs it after every workspace package it uses has compiled (the runtime included).
    this.package.addField('nx', { targets: { 'local-run': { dependsOn: ['^compile'], cache: false } } });
  }
}
