import { javascript } from 'projen';
import { COMMON_OPTIONS, PROJECT, WORKSPACE_VERSION, pinToolchain, skipOwnInstall } from './construct-package';

export interface TemplateScanOptions {
  /** The app whose templates are scanned (`apps/example`); its build runs first. */
  readonly app: javascript.NodeProject;
}

/**
 * `tools/template-scan`: scans every template the example app synthesizes with two independent
 * scanners from PyPI, cfn-lint and checkov, pinned with hashes in `requirements.txt`.
 *
 * `test` (and so `build`, which `npm test` runs for every project) links `.venv` to the virtualenv
 * of `requirements.txt` (installed once per lock in the user's cache), synthesizes the example into `cdk.out/<variant>`
 * (default, every egress mode, every staging strategy, the desktop) and fails on any cfn-lint
 * match or checkov failure that `.cfnlintrc.yaml` / `.checkov.yaml` do not skip with a reason.
 * Needs Python 3 (3.11 on these machines) and PyPI, or pip's cache, when a lock is installed the first time.
 */
export class TemplateScan extends javascript.NodeProject {
  constructor(root: javascript.NodeProject, options: TemplateScanOptions) {
    super({
      parent: root,
      outdir: 'tools/template-scan',
      name: `${PROJECT.npmScope}/template-scan`,
      description: 'cfn-lint and checkov on every template of the example app, with the skipped checks and their reasons',
      ...COMMON_OPTIONS,
      // The synthesized app runs from the example's own directory with its ts-node.
      devDeps: [`${options.app.package.packageName}@${WORKSPACE_VERSION}`],
      jest: false,
      package: false,
    });
    this.package.addField('private', true);
    pinToolchain(this);
    skipOwnInstall(this);

    const venv = this.addTask('venv', {
      description: 'Link .venv to the pinned cfn-lint and checkov of requirements.txt (--require-hashes), installed once per lock in ~/.cache/batch-pipeline',
      exec: 'python3 ensure_venv.py',
    });
    const synth = this.addTask('synth', {
      description: 'Synthesize every variant of the example app (egress modes, staging strategies, desktop) into cdk.out/<variant>',
      exec: 'node synth-variants.mjs',
    });
    const scan = this.addTask('scan', {
      description: 'Run cfn-lint and checkov on cdk.out/*/ and print passed/failed/skipped per tool and template',
      exec: '.venv/bin/python scan.py',
    });
    this.testTask.reset();
    this.testTask.spawn(venv);
    this.testTask.spawn(synth);
    this.testTask.spawn(scan);
    this.addTask('lock', {
      description: 'Re-resolve requirements.in into requirements.txt with hashes (pip-tools in a throwaway venv; needs PyPI)',
      exec: 'python3 lock_requirements.py',
    });

    // .venv is a link to the installed virtualenv (a file for git, so no trailing slash).
    this.gitignore.exclude('/.venv', '/cdk.out/', '/test-reports/', '__pycache__/');
  }
}
