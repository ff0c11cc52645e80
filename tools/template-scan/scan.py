"""Run cfn-lint and checkov on every template under cdk.out/<variant>/ and gate on the result.

Both tools run once over all templates, without their skip lists, so that every finding is
counted; this script then splits the findings into skipped (the check is listed, with its reason,
in .cfnlintrc.yaml `ignore_checks` / .checkov.yaml `skip-check`) and failed. It fails when
  - cfn-lint reports anything (error, warning or informational) that is not skipped,
  - checkov reports a failed check that is not skipped, or a template it could not parse,
  - a skip has no reason comment, or matches nothing in any template (a stale skip hides nothing
    today and would hide a new finding tomorrow).
It prints passed/failed/skipped per tool and template and writes test-reports/template-scan.json.
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import yaml

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / 'cdk.out'
BIN = pathlib.Path(sys.executable).parent
REPORT = HERE / 'test-reports' / 'template-scan.json'


def read_skips(path: pathlib.Path, key: str) -> list:
    """The check ids of `key`, each of which must have a comment right above it (its reason)."""
    ids = yaml.safe_load(path.read_text()).get(key) or []
    lines = path.read_text().splitlines()
    problems = []
    for check_id in ids:
        index = next((i for i, line in enumerate(lines) if re.fullmatch(rf'\s*-\s*{re.escape(check_id)}\s*', line)), None)
        if index is None or index == 0 or not lines[index - 1].strip().startswith('#'):
            problems.append(f'{path.name}: {key} {check_id} has no reason (a comment right above it)')
    return ids, problems


def templates() -> list:
    # The default variant first, then the others by name.
    found = sorted(OUT.glob('*/*.template.json'), key=lambda path: (path.parent.name != 'default', str(path)))
    if not found:
        sys.exit(f'template-scan: no templates under {OUT}; run `npx projen synth` first')
    return found


def variant_of(path: pathlib.Path) -> str:
    path = pathlib.Path(path).resolve()
    relative = path.relative_to(OUT)
    return f'{relative.parts[0]}/{relative.parts[1].removesuffix(".template.json")}'


def start_cfn_lint(files: list, empty_config: pathlib.Path) -> subprocess.Popen:
    # An explicit empty config: neither this directory's .cfnlintrc.yaml nor one in $HOME applies.
    return subprocess.Popen(
        [str(BIN / 'cfn-lint'), '--config-file', str(empty_config), '--format', 'json', '--', *map(str, files)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=empty_config.parent,
    )


def cfn_lint_result(process: subprocess.Popen) -> list:
    stdout, stderr = process.communicate()
    # Exit codes: 0 nothing, bit 2 error, 4 warning, 8 informational; 1 or 32 a failure of the tool itself.
    if process.returncode & 1 or process.returncode >= 16:
        sys.exit(f'template-scan: cfn-lint failed (exit {process.returncode}):\n{stderr}{stdout}')
    return json.loads(stdout or '[]')


def run_checkov(files: list, workdir: pathlib.Path) -> dict:
    # Run outside this directory so that checkov does not load .checkov.yaml (and so skip) itself.
    args = [str(BIN / 'checkov'), '--framework', 'cloudformation', '--output', 'json', '--skip-download']
    for file in files:
        args += ['--file', str(file)]
    env = {**os.environ, 'BC_SKIP_MAPPING': 'TRUE'}
    result = subprocess.run(args, capture_output=True, text=True, cwd=workdir, env=env)
    # 0: no failures, 1: failed checks; anything else is checkov itself failing.
    if result.returncode not in (0, 1):
        sys.exit(f'template-scan: checkov failed (exit {result.returncode}):\n{result.stderr}{result.stdout[-4000:]}')
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    return next((r for r in reports if r.get('check_type') == 'cloudformation'), {'results': {}, 'summary': {}})


def main() -> int:
    started = time.time()
    problems = []
    lint_skips, lint_problems = read_skips(HERE / '.cfnlintrc.yaml', 'ignore_checks')
    checkov_skips, checkov_problems = read_skips(HERE / '.checkov.yaml', 'skip-check')
    problems += lint_problems + checkov_problems

    files = templates()
    names = [variant_of(f) for f in files]
    per_template = {name: {'cfn-lint': {'errors': 0, 'warnings': 0, 'informational': 0, 'skipped': 0},
                           'checkov': {'passed': 0, 'failed': 0, 'skipped': 0}} for name in names}
    used_lint, used_checkov = set(), set()

    with tempfile.TemporaryDirectory() as tmp:
        empty_config = pathlib.Path(tmp) / 'cfnlintrc.yaml'
        empty_config.write_text('{}\n')
        # The two tools run side by side (each is one process, mostly start-up and rule loading).
        tools_started = time.time()
        lint_process = start_cfn_lint(files, empty_config)
        checkov = run_checkov(files, pathlib.Path(tmp))
        checkov_seconds = time.time() - tools_started
        matches = cfn_lint_result(lint_process)
        lint_seconds = time.time() - tools_started

    levels = {'Error': 'errors', 'Warning': 'warnings', 'Informational': 'informational'}
    for match in matches:
        name = variant_of(match['Filename'])
        rule = match['Rule']['Id']
        skip = next((s for s in lint_skips if rule.startswith(s)), None)
        counts = per_template[name]['cfn-lint']
        if skip:
            counts['skipped'] += 1
            used_lint.add(skip)
        else:
            counts[levels.get(match['Level'], 'errors')] += 1
            location = match['Location']['Start']
            problems.append(f'cfn-lint {name}: {rule} {match["Message"]} (line {location["LineNumber"]})')

    results = checkov.get('results', {})
    for check in results.get('passed_checks', []):
        per_template[variant_of(check['file_abs_path'])]['checkov']['passed'] += 1
    for check in results.get('failed_checks', []):
        name = variant_of(check['file_abs_path'])
        counts = per_template[name]['checkov']
        if check['check_id'] in checkov_skips:
            counts['skipped'] += 1
            used_checkov.add(check['check_id'])
        else:
            counts['failed'] += 1
            problems.append(f'checkov {name}: {check["check_id"]} {check["check_name"]} ({check["resource"]})')
    # Suppressions in template metadata, if a resource ever carries one, are counted as skipped too.
    for check in results.get('skipped_checks', []):
        per_template[variant_of(check['file_abs_path'])]['checkov']['skipped'] += 1
    for error in results.get('parsing_errors', []) or checkov.get('summary', {}).get('parsing_errors_list', []) or []:
        problems.append(f'checkov could not parse {error}')
    if checkov.get('summary', {}).get('parsing_errors'):
        problems.append(f'checkov: {checkov["summary"]["parsing_errors"]} template(s) could not be parsed')

    problems += [f'.cfnlintrc.yaml: ignore_checks {s} matches nothing in any template; remove it' for s in lint_skips if s not in used_lint]
    problems += [f'.checkov.yaml: skip-check {s} fails nowhere in any template; remove it' for s in checkov_skips if s not in used_checkov]

    versions = {
        'cfn-lint': subprocess.run([str(BIN / 'cfn-lint'), '--version'], capture_output=True, text=True).stdout.split()[-1],
        'checkov': checkov.get('summary', {}).get('checkov_version', '?'),
    }
    print(f'template-scan: cfn-lint {versions["cfn-lint"]} and checkov {versions["checkov"]} side by side on {len(files)} templates: '
          f'checkov done after {checkov_seconds:.0f}s, cfn-lint after {lint_seconds:.0f}s')
    print(f'{"template":42} | {"cfn-lint  err  warn  info  skipped":34} | {"checkov  passed  failed  skipped":32}')
    for name in names:
        lint, ck = per_template[name]['cfn-lint'], per_template[name]['checkov']
        print(f'{name:42} | {"":8}{lint["errors"]:4}{lint["warnings"]:6}{lint["informational"]:6}{lint["skipped"]:9} | '
              f'{"":7}{ck["passed"]:7}{ck["failed"]:8}{ck["skipped"]:9}')
    print(f'skipped: cfn-lint {", ".join(lint_skips) or "none"}; checkov {", ".join(checkov_skips) or "none"} '
          '(reasons in .cfnlintrc.yaml, .checkov.yaml and README.md)')

    problems.sort()
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({'versions': versions, 'templates': per_template, 'problems': problems,
                                  'skips': {'cfn-lint': lint_skips, 'checkov': checkov_skips},
                                  'seconds': round(time.time() - started, 1)}, indent=2) + '\n')
    if problems:
        print(f'\ntemplate-scan: FAILED, {len(problems)} finding(s) neither fixed nor skipped with a reason:', file=sys.stderr)
        for problem in problems:
            print(f'  {problem}', file=sys.stderr)
        return 1
    print('template-scan: no cfn-lint findings and no checkov failures beyond the documented skips')
    return 0


if __name__ == '__main__':
    sys.exit(main())
