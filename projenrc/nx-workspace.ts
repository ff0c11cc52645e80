import { JsonFile, javascript } from 'projen';
import { VERSIONS } from './versions';

/**
 * Turns the root project into an npm-workspaces monorepo driven by Nx:
 * generates `nx.json`, declares the workspaces, and runs the targets of every
 * package in dependency order with local caching.
 */
export class NxWorkspace {
  constructor(root: javascript.NodeProject, workspaces: string[]) {
    root.addDevDeps(`nx@${VERSIONS.nx}`);
    root.package.addField('workspaces', workspaces);

    // Files that a build writes; they never feed the hash of a build, so a
    // second build with no source change is a cache hit.
    const generated = [
      'lib/**', 'dist/**', '.jsii', '.jsii.gz', 'API.md', 'tsconfig.json', 'tsconfig.tsbuildinfo',
      'coverage/**', 'test-reports/**', 'cdk.out/**', 'assets/**',
    ];
    const buildOutputs = ['lib', 'dist', '.jsii', '.jsii.tabl.json', 'API.md', 'tsconfig.json', 'coverage', 'test-reports', 'assets']
      .map((path) => `{projectRoot}/${path}`);

    new JsonFile(root, 'nx.json', {
      obj: {
        $schema: './node_modules/nx/schemas/nx-schema.json',
        // The cache lives in the clone (`.nx/cache`, git-ignored), nothing is sent anywhere.
        // Without this, Nx 24 keeps it per user in ~/.nx/<workspace id>/cache, shared by every
        // clone of the repository on the machine, and a fresh clone replays another clone's results.
        // A configured directory also keeps the task database in the clone (`.nx/workspace-data`).
        cacheDirectory: '.nx/cache',
        neverConnectToCloud: true,
        useDaemonProcess: false,
        namedInputs: {
          sources: [
            '{projectRoot}/**/*',
            ...generated.map((pattern) => `!{projectRoot}/${pattern}`),
            { runtime: 'node -p process.versions.node.split(".")[0]' },
          ],
          shared: ['{workspaceRoot}/package-lock.json', '{workspaceRoot}/projenrc/versions.ts'],
        },
        targetDefaults: {
          // Bundles Lambda handlers into assets/, which compile, test and synth need.
          'pre-compile': {
            inputs: ['sources', 'shared'],
            outputs: ['{projectRoot}/assets'],
            cache: true,
          },
          'compile': {
            dependsOn: ['^compile', 'pre-compile'],
            inputs: ['sources', '^sources', 'shared'],
            outputs: ['{projectRoot}/lib', '{projectRoot}/.jsii', '{projectRoot}/tsconfig.json'],
            cache: true,
          },
          'build': {
            dependsOn: ['^build'],
            inputs: ['sources', '^sources', 'shared'],
            outputs: buildOutputs,
            cache: true,
          },
          'test': {
            dependsOn: ['^compile', 'pre-compile'],
            inputs: ['sources', '^sources', 'shared'],
            outputs: ['{projectRoot}/coverage', '{projectRoot}/test-reports'],
            cache: true,
          },
          'synth': {
            dependsOn: ['^compile'],
            cache: false,
          },
        },
        parallel: 2,
      },
      committed: true,
    });

    root.gitignore.exclude('/.nx/');
  }
}
