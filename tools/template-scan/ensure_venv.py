"""Make .venv a virtualenv with exactly the packages of requirements.txt.

Every package is pinned with its hashes (pip --require-hashes), so the scanners and everything
they import are the reviewed versions. The virtualenv is installed once per lock and interpreter,
in the user's cache (~/.cache/batch-pipeline/template-scan/<SHA-256 of requirements.txt and the
Python version>/), and .venv links to it: a fresh clone, CI's included, reuses the installation
instead of spending minutes on pip. That is an installation of exactly the locked packages, like
pip's own download cache, not a cached result: the scan itself runs every time. A changed lock
or interpreter is a different folder, built from scratch.

Other pinned Python tools reuse it with their own lock and link (packages/local pins the AWS CLI
for its served-endpoint tests): `python3 ensure_venv.py --requirements <lock> --link <dir> --label <name>`.
"""
import argparse
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


def wanted_stamp(requirements: pathlib.Path) -> str:
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    return f'{digest} python{sys.version_info.major}.{sys.version_info.minor}\n'


def main() -> int:
    parser = argparse.ArgumentParser(description='Link a directory to the virtualenv of a hash-pinned lock, installed once per lock')
    parser.add_argument('--requirements', type=pathlib.Path, default=REQUIREMENTS, help='the lock (pip-compile --generate-hashes)')
    parser.add_argument('--link', type=pathlib.Path, default=LINK, help='the link to create (default: .venv here)')
    parser.add_argument('--label', default='template-scan', help='the name in messages')
    args = parser.parse_args()
    label, requirements, link = args.label, args.requirements.resolve(), args.link
    if sys.version_info < (3, 9):
        print(f'{label}: Python {sys.version.split()[0]} is too old; the pinned tools need 3.9 or newer', file=sys.stderr)
        return 1
    stamp = wanted_stamp(requirements)
    venv_dir = CACHE / hashlib.sha256(stamp.encode()).hexdigest()[:16]
    stamp_file = venv_dir / 'requirements.sha256'
    if not (stamp_file.exists() and stamp_file.read_text() == stamp):
        print(f'{label}: installing the pinned packages of {requirements.name} into {venv_dir} (--require-hashes)')
        # Built in place (a virtualenv's scripts name its folder); the stamp, written last, marks it complete.
        shutil.rmtree(venv_dir, ignore_errors=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
        python = venv_dir / 'bin' / 'python'
        subprocess.run(
            [str(python), '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input',
             '--require-hashes', '--no-deps', '-r', str(requirements)],
            check=True,
        )
        # --no-deps installs exactly the lock; pip check proves the lock is complete and consistent.
        subprocess.run([str(python), '-m', 'pip', 'check', '--disable-pip-version-check'], check=True)
        stamp_file.write_text(stamp)
    else:
        print(f'{label}: the pinned packages are installed in {venv_dir} ({stamp.split()[0][:12]})')
    if link.is_symlink() or link.exists():
        if link.is_symlink() or link.is_file():
            link.unlink()
        else:
            shutil.rmtree(link)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(venv_dir, target_is_directory=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
