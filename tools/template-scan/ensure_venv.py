"""Make .venv a virtualenv with exactly the packages of requirements.txt.

Every package is pinned with its hashes (pip --require-hashes), so the scanners and everything
they import are the reviewed versions. The virtualenv is installed once per lock and interpreter,
in the user's cache (~/.cache/batch-pipeline/template-scan/<SHA-256 of requirements.txt and the
Python version>/), and .venv links to it: a fresh clone, CI's included, reuses the installation
instead of spending minutes on pip. That is an installation of exactly the locked packages, like
pip's own download cache, not a cached result: the scan itself runs every time. A changed lock
or interpreter is a different folder, built from scratch.
"""
import os
import hashlib
import pathlib
import shutil
import subprocess
import sys
import venv

HERE = pathlib.Path(__file__).resolve().parent
LINK = HERE / '.venv'
REQUIREMENTS = HERE / 'requirements.txt'
CACHE = pathlib.Path(os.environ.get('XDG_CACHE_HOME') or pathlib.Path.home() / '.cache') / 'batch-pipeline' / 'template-scan'


def wanted_stamp() -> str:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    return f'{digest} python{sys.version_info.major}.{sys.version_info.minor}\n'


def main() -> int:
    if sys.version_info < (3, 9):
        print(f'template-scan: Python {sys.version.split()[0]} is too old; cfn-lint and checkov need 3.9 or newer', file=sys.stderr)
        return 1
    stamp = wanted_stamp()
    venv_dir = CACHE / hashlib.sha256(stamp.encode()).hexdigest()[:16]
    stamp_file = venv_dir / 'requirements.sha256'
    if not (stamp_file.exists() and stamp_file.read_text() == stamp):
        print(f'template-scan: installing the pinned scanners of requirements.txt into {venv_dir} (--require-hashes)')
        # Built in place (a virtualenv's scripts name its folder); the stamp, written last, marks it complete.
        shutil.rmtree(venv_dir, ignore_errors=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
        python = venv_dir / 'bin' / 'python'
        subprocess.run(
            [str(python), '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input',
             '--require-hashes', '--no-deps', '-r', str(REQUIREMENTS)],
            check=True,
        )
        # --no-deps installs exactly the lock; pip check proves the lock is complete and consistent.
        subprocess.run([str(python), '-m', 'pip', 'check', '--disable-pip-version-check'], check=True)
        stamp_file.write_text(stamp)
    else:
        print(f'template-scan: the pinned scanners are installed in {venv_dir} ({stamp.split()[0][:12]})')
    if LINK.is_symlink() or LINK.exists():
        if LINK.is_symlink() or LINK.is_file():
            LINK.unlink()
        else:
            shutil.rmtree(LINK)
    LINK.symlink_to(venv_dir, target_is_directory=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
