"""Re-resolve requirements.in into requirements.txt with hashes (needs PyPI).

pip-tools runs in a throwaway virtualenv, so it never enters .venv or the lock. Run it after
changing a version in requirements.in, then `npx projen test` rebuilds .venv from the new lock.
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile
import venv

PIP_TOOLS = 'pip-tools==7.6.2'
HERE = pathlib.Path(__file__).resolve().parent
HEADER = (
    '# Generated from requirements.in by `npx projen lock` (pip-compile --generate-hashes, '
    f'Python {sys.version_info.major}.{sys.version_info.minor}, Linux).\n'
    '# Every package is pinned with its hashes; ensure_venv.py installs it with --require-hashes --no-deps.\n'
)


def main() -> int:
    parser = argparse.ArgumentParser(description='Resolve a requirements.in into a lock with hashes')
    parser.add_argument('--requirements-in', type=pathlib.Path, default=HERE / 'requirements.in')
    args = parser.parse_args()
    source = args.requirements_in.resolve()
    lock = source.with_suffix('.txt')
    with tempfile.TemporaryDirectory() as tmp:
        env = pathlib.Path(tmp) / 'venv'
        venv.EnvBuilder(with_pip=True).create(env)
        python = str(env / 'bin' / 'python')
        subprocess.run([python, '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', PIP_TOOLS], check=True)
        out = pathlib.Path(tmp) / 'requirements.txt'
        subprocess.run([python, '-m', 'piptools', 'compile', '--quiet', '--generate-hashes', '--allow-unsafe', '--strip-extras',
                        '--no-header', '--no-emit-find-links', '--annotation-style=line', '--output-file', str(out), str(source)], check=True)
        lock.write_text(HEADER.replace('requirements.in', source.name) + out.read_text())
    print(f'{lock} re-resolved from {source.name}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
