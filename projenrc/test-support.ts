import { javascript, typescript } from 'projen';
import { PROJECT, pinToolchain, skipOwnInstall } from './construct-package';
import { MIN_NODE_VERSION, VERSIONS } from './versions';

/**
 * `tools/test-support`: private helpers shared by the packages' tests
 * (a stack to test in, cdk-nag findings as plain strings). Never published.
 */
export class TestSupport extends typescript.TypeScriptProject {
  constructor(root: javascript.NodeProject) {
    super({
      parent: root,
      outdir: 'tools/test-support',
      name: `${PROJECT.npmScope}/test-support`,
      description: 'Test helpers shared by the batch-pipeline packages',
      defaultReleaseBranch: PROJECT.defaultReleaseBranch,
      packageManager: javascript.NodePackageManager.NPM,
      minNodeVersion: MIN_NODE_VERSION,
      projenVersion: VERSIONS.projen,
      typescriptVersion: VERSIONS.typescript,
      jestOptions: { jestVersion: VERSIONS.jest, updateSnapshot: javascript.UpdateSnapshot.NEVER },
      peerDeps: [`aws-cdk-lib@^${VERSIONS.awsCdkLib}`, `constructs@^${VERSIONS.constructs}`, `cdk-nag@^${VERSIONS.cdkNag}`],
      devDeps: [`aws-cdk-lib@${VERSIONS.awsCdkLib}`, `constructs@${VERSIONS.constructs}`, `cdk-nag@${VERSIONS.cdkNag}`],
      sampleCode: false,
      eslint: false,
      prettier: false,
      github: false,
      release: false,
      buildWorkflow: false,
      depsUpgrade: false,
      pullRequestTemplate: false,
      package: false,
    });
    this.package.addField('private', true);
    pinToolchain(this);
    skipOwnInstall(this);
  }
}
