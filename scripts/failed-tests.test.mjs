// The failed-test summary that CI prints when `npm test` fails (node --test, part of `npm test`).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { failedTests, junitReports } from './failed-tests.mjs';

/** A report in jest-junit's shape: one passed test, one failed, one with a self-closing failure. */
const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="3" failures="2" errors="0" time="1.2">
  <testsuite name="DataSync emulator: cancel" errors="0" failures="2" skipped="0" time="1.1" tests="3">
    <testcase classname="DataSync emulator: cancel frees the task" name="DataSync emulator: cancel frees the task" time="0.2">
    </testcase>
    <testcase classname="DataSync emulator: cancel a run&apos;s &quot;ERROR&quot;" name="DataSync emulator: cancel a run&apos;s &quot;ERROR&quot;" time="5.1">
      <failure>Error: execution still TRANSFERRING, expected ERROR &amp; more
    at until (/repo/packages/local/test/services/datasync/datasync-emulator.test.ts:114:37)</failure>
    </testcase>
    <testcase classname="x" name="crashed suite" time="0"><failure/></testcase>
  </testsuite>
</testsuites>`;

test('given a jest-junit report, then only the failed tests are listed, with their names and messages unescaped', () => {
  const failures = failedTests(REPORT);
  assert.equal(failures.length, 2);
  assert.equal(failures[0].name, 'DataSync emulator: cancel a run\'s "ERROR"');
  assert.match(failures[0].message, /^Error: execution still TRANSFERRING, expected ERROR & more\n {4}at until/);
  assert.deepEqual({ name: failures[1].name, message: failures[1].message }, { name: 'crashed suite', message: '' });
});

test('given a report with no failure, then nothing is listed', () => {
  assert.deepEqual(failedTests(REPORT.replace(/<failure[\s\S]*?<\/failure>|<failure\/>/g, '')), []);
});

test('given a workspace, then the reports of the projects in its workspace folders are found, and nothing else', () => {
  const root = mkdtempSync(join(tmpdir(), 'failed-tests-'));
  try {
    for (const project of ['packages/local', 'apps/example', 'integ', 'node_modules/some-package']) {
      mkdirSync(join(root, project, 'test-reports'), { recursive: true });
      writeFileSync(join(root, project, 'test-reports', 'junit.xml'), REPORT);
    }
    assert.deepEqual(junitReports(root).map((report) => report.slice(root.length + 1)).sort(), [
      'apps/example/test-reports/junit.xml',
      'integ/test-reports/junit.xml',
      'packages/local/test-reports/junit.xml',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
