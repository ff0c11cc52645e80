// Prints the tests that failed, read from the JUnit reports that every package's jest writes
// (`<project>/test-reports/junit.xml`). CI calls it when `npm test` fails: a CI log keeps only part
// of a long, interleaved output, and the failing test's name and first lines must survive in it.
// Plain Node.js without dependencies, so that it runs even when the install failed half-way.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folders that hold the workspace's projects (as the root package.json's workspaces). */
const PROJECT_FOLDERS = ['packages', 'apps', 'tools', 'integ', 'polyglot'];
/** Lines of each failure message printed: the assertion and the first stack frames. */
const MESSAGE_LINES = 12;

/** The JUnit reports under `root`, one per project that ran its tests. */
export function junitReports(root) {
  const reports = [];
  for (const folder of PROJECT_FOLDERS) {
    const base = join(root, folder);
    if (existsSync(join(base, 'test-reports', 'junit.xml'))) reports.push(join(base, 'test-reports', 'junit.xml'));
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      const report = join(base, entry.name, 'test-reports', 'junit.xml');
      if (entry.isDirectory() && existsSync(report)) reports.push(report);
    }
  }
  return reports;
}

function unescapeXml(text) {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');
}

/** The failed test cases of one jest-junit report: suite, test name and failure message. */
export function failedTests(xml) {
  const failures = [];
  const testCase = /<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const match of xml.matchAll(testCase)) {
    const body = match[2] ?? '';
    const failure = /<(failure|error)\b[^>]*?(?:\/>|>([\s\S]*?)<\/\1>)/.exec(body);
    if (!failure) continue;
    const attribute = (name) => unescapeXml(new RegExp(`\\b${name}="([^"]*)"`).exec(match[1])?.[1] ?? '');
    failures.push({
      suite: attribute('classname'),
      name: attribute('name'),
      file: attribute('file'),
      message: unescapeXml((failure[2] ?? '').replace(/^<!\[CDATA\[|\]\]>$/g, '')),
    });
  }
  return failures;
}

function main() {
  const root = join(fileURLToPath(import.meta.url), '..', '..');
  let count = 0;
  for (const report of junitReports(root)) {
    for (const failure of failedTests(readFileSync(report, 'utf-8'))) {
      count += 1;
      console.log(`\n✕ ${relative(root, join(report, '..', '..'))}: ${failure.name}`);
      if (failure.file) console.log(`  in ${failure.file}`);
      const lines = failure.message.split('\n').filter((line) => line.trim() !== '').slice(0, MESSAGE_LINES);
      for (const line of lines) console.log(`    ${line}`);
    }
  }
  console.log(count === 0
    ? '\nNo failed test case in the JUnit reports: look above for a test file that failed to run, or a compile, lint or package step.'
    : `\n${count} failed test${count === 1 ? '' : 's'} (from the projects' test-reports/junit.xml).`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
