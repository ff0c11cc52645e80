"""Create .venv with exactly the packages of requirements.txt, unless it already has them.

Every package is pinned with its hashes (pip --require-hashes), so the scanners and everything
they import are the reviewed versions. A stamp with the SHA-256 of requirements.txt and the
interpreter version marks an up-to-date .venv; anything else rebuilds it from scratch.
pip's download cache (~/.cache/pip) is used, so a rebuild on the same machine needs no network.
"""
import hashlib
import pathlib
import shutil
import subprocess
import sys
import venv

HERE = pathlib.Path(__file__).resolve().parent
VENV = HERE / '.venv'
REQUIREMENTS = HERE / 'requirements.txt'
STAMP = VENV / 'requirements.sha256'


def wanted_stamp() -> str:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    return f'{digest} python{sys.version_info.major}.{sys.version_info.minor}\n'


def main() -> int:
    if sys.version_info < (3, 9):
        print(f'template-scan: Python {sys.version.split()[0]} is too old; cfn-lint and checkov need 3.9 or newer', file=sys.stderr)
        return 1
    stamp = wanted_stamp()
    python = VENV / 'bin' / 'python'
    if python.exists() and STAMP.exists() and STAMP.read_text() == stamp:
        print(f'template-scan: .venv is up to date with requirements.txt ({stamp.split()[0][:12]})')
        return 0
    print('template-scan: creating .venv from requirements.txt (pinned, --require-hashes)')
    shutil.rmtree(VENV, ignore_errors=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    subprocess.run(
        [str(python), '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input',
         '--require-hashes', '--no-deps', '-r', str(REQUIREMENTS)],
        check=True,
    )
    # --no-deps installs exactly the lock; pip check proves the lock is complete and consistent.
    subprocess.run([str(python), '-m', 'pip', 'check', '--disable-pip-version-check'], check=True)
    STAMP.write_text(stamp)
    return 0


if __name__ == '__main__':
    sys.exit(main())
