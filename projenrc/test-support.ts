import { javascript, typescript } from 'projen';
import { COMMON_OPTIONS, JEST_OPTIONS, PROJECT, pinToolchain, skipOwnInstall } from './construct-package';
import { VERSIONS } from './versions';

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
      ...COMMON_OPTIONS,
      typescriptVersion: VERSIONS.typescript,
      jestOptions: JEST_OPTIONS,
      peerDeps: [`aws-cdk-lib@^${VERSIONS.awsCdkLib}`, `constructs@^${VERSIONS.constructs}`, `cdk-nag@^${VERSIONS.cdkNag}`],
      // The IAM check evaluates policies with iam-simulate. Its AGPL-3.0 license is fine for a
      // test tool of this private package; nothing published depends on it.
      // The README-example test transpiles snippets with the pinned TypeScript.
      deps: [`@cloud-copilot/iam-simulate@${VERSIONS.iamSimulate}`, `typescript@${VERSIONS.typescript}`],
      devDeps: [`aws-cdk-lib@${VERSIONS.awsCdkLib}`, `constructs@${VERSIONS.constructs}`, `cdk-nag@${VERSIONS.cdkNag}`],
      sampleCode: false,
      eslint: false,
      package: false,
    });
    this.package.addField('private', true);
    pinToolchain(this);
    skipOwnInstall(this);
  }
}
