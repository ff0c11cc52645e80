import { JsonFile, TaskShell, javascript, typescript } from 'projen';
import { COMMON_OPTIONS, PROJECT, WORKSPACE_VERSION, pinToolchain, skipOwnInstall } from './construct-package';
import { VERSIONS } from './versions';

export interface IntegTestsOptions {
  /** Construct packages the tests compose (the umbrella and the packages whose types they use). */
  readonly uses: javascript.NodeProject[];
}

/**
 * `integ/`: integ-runner tests (`integ.*.ts`) that deploy the pipeline, upload a file and
 * assert on the report, with their committed snapshots (`integ.*.ts.snapshot/`).
 *
 * `build` type-checks the tests and verifies the snapshots offline (integ-runner without
 * `--update-on-failed`: a missing or changed snapshot fails); `integ:update` rewrites the
 * snapshots without AWS (`--dry-run`); `integ:deploy` runs them against a real account.
 */
export class IntegTests extends typescript.TypeScriptProject {
  constructor(root: javascript.NodeProject, options: IntegTestsOptions) {
    super({
      parent: root,
      outdir: 'integ',
      name: `${PROJECT.npmScope}/integ`,
      description: 'integ-runner tests of the batch pipeline: an upload produces its report, a failed run notifies, the DataSync path',
      ...COMMON_OPTIONS,
      typescriptVersion: VERSIONS.typescript,
      deps: [
        `aws-cdk-lib@${VERSIONS.awsCdkLib}`,
        `constructs@${VERSIONS.constructs}`,
        `@aws-cdk/integ-tests-alpha@${VERSIONS.integTestsAlpha}`,
        ...options.uses.map((pkg) => `${pkg.package.packageName}@^${WORKSPACE_VERSION}`),
      ],
      devDeps: [`@aws-cdk/integ-runner@${VERSIONS.integRunner}`, `ts-node@${VERSIONS.tsNode}`],
      sampleCode: false,
      jest: false,
      eslint: false,
      package: false,
      srcdir: 'src',
      tsconfig: {
        compilerOptions: {
          rootDir: '.',
          noEmit: true,
          module: 'node16',
          moduleResolution: javascript.TypeScriptModuleResolution.NODE16,
        },
        include: ['integ.*.ts', 'src/**/*.ts'],
      },
      disableTsconfigDev: true,
    });
    this.package.addField('private', true);
    pinToolchain(this);
    skipOwnInstall(this);

    // integ-runner reads its options from integ.config.json in the directory it runs in, so a
    // plain `npx integ-runner` in integ/ (the README's commands) runs these tests this way.
    // The TypeScript preset runs `node -r ts-node/register`, which type-checks every test file
    // again; `compile` type-checks them once, so the app runs them transpile-only.
    new JsonFile(this, 'integ.config.json', {
      obj: {
        'language': ['typescript'],
        'app': 'node -r ts-node/register/transpile-only {filePath}',
        'directory': '.',
      },
      // integ-runner refuses unknown options, projen's "//" marker among them.
      marker: false,
      committed: true,
    });

    // Type-check the tests and helpers (nothing is emitted: integ-runner runs the .ts files).
    this.compileTask.reset('tsc --noEmit -p tsconfig.json');
    // Snapshot mode: synthesize every test offline and compare it with its committed
    // snapshot; a missing or changed snapshot fails. Deploys nothing, needs no AWS account.
    this.testTask.reset('integ-runner', { name: 'verify the committed snapshots offline' });
    this.addTask('integ:update', {
      description: 'Rewrite the snapshots of every test without AWS (integ-runner --update-on-failed --dry-run), then verify them',
      // projen's built-in shell does not expand globs.
      shell: TaskShell.sh(),
      steps: [
        // From scratch: a snapshot that exists is rewritten too, and a change that would be
        // destructive on a kept stack (none is kept: stackUpdateWorkflow false) does not fail the update.
        { exec: 'rm -rf integ.*.snapshot' },
        { exec: 'integ-runner --update-on-failed --dry-run' },
        // integ-runner drops the assets of the test stacks (no update workflow) but keeps the
        // assertion provider's bundle (2.2 MB of integ-tests-alpha, the same in every test):
        // nothing verifies or deploys it from the snapshot.
        { exec: 'rm -rf integ.*.snapshot/asset.*' },
        { spawn: this.testTask.name },
      ],
    });
    this.addTask('integ:deploy', {
      description: 'Run the tests against a real account: deploy, assert, destroy (pass --profiles/--parallel-regions after --)',
      exec: 'integ-runner --update-on-failed --force',
      receiveArgs: true,
    });
    this.gitignore.exclude('/cdk-integ.out.*/', '/cdk.out/', '/cdk.context.json');
    this.gitignore.include('/integ.*.snapshot/');
  }
}
