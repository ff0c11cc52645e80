import { testStack } from '@batch-pipeline/test-support';
import { Lazy, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { TransferFilter } from '../src';

describe('TransferFilter.objectPattern', () => {
  test.each([
    ['data.csv', {}, '/data.csv'],
    ['uploads/2026/a b+c.csv', {}, '/uploads/2026/a b+c.csv'],
    ['uploads/2026/a.csv', { locationSubdirectory: 'uploads/' }, '/2026/a.csv'],
    ['uploads/2026/a.csv', { locationSubdirectory: '/uploads' }, '/2026/a.csv'],
    ['uploads/a.csv', { locationSubdirectory: '/' }, '/uploads/a.csv'],
  ])('key %j with %j gives %j', (key, options, expected) => {
    expect(TransferFilter.objectPattern(key, options)).toBe(expected);
  });

  test('a JSONPath key becomes a States.Format expression', () => {
    const stack = testStack();
    const pattern = TransferFilter.objectPattern(sfn.JsonPath.stringAt('$.input.key'));
    expect(stack.resolve(new sfn.Pass(stack, 'P', { parameters: { v: pattern } }).toStateJson())).toEqual(expect.objectContaining({
      Parameters: { 'v.$': "States.Format('/{}', $.input.key)" },
    }));
  });

  test('an unresolved CloudFormation key is not checked', () => {
    const key = Lazy.string({ produce: () => 'x' });
    expect(new Stack().resolve(TransferFilter.objectPattern(key))).toBe('/x');
  });

  test.each([
    ['', {}, "TransferFilter.objectPattern: 'key' is empty; allowed: the key of one object"],
    ['uploads/', {}, "TransferFilter.objectPattern: 'key' 'uploads/' ends with '/', a folder marker; allowed: the key of one object"],
    ['/abs.csv', {}, "TransferFilter.objectPattern: 'key' '/abs.csv' starts with '/'; allowed: an S3 key as S3 has it, such as 'uploads/data.csv'"],
    ['a*.csv', {}, "TransferFilter.objectPattern: 'key' 'a*.csv' contains '*', which DataSync reads as a wildcard matching other objects too; allowed: a key without '*'"],
    ['a|b.csv', {}, "TransferFilter.objectPattern: key \"a|b.csv\" contains '|', which separates patterns in a DataSync filter; allowed: a path without '|'"],
    ['a\u0000b', {}, 'TransferFilter.objectPattern: key "a\\u0000b" contains a NUL character; allowed: a path without NUL characters'],
    ['other/a.csv', { locationSubdirectory: 'uploads' }, "TransferFilter.objectPattern: 'key' 'other/a.csv' is not under the location subdirectory 'uploads/'; allowed: a key starting with 'uploads/'"],
    ['a.csv', { locationSubdirectory: 'a//b' }, "TransferFilter.objectPattern: 'locationSubdirectory' 'a//b' is not valid; allowed: a path of at most 4094 letters, digits, spaces and _ - + . ( ) separated by single '/', without '.' or '..' segments, such as 'uploads/' or '/runs'"],
  ])('fails for key %j with %j', (key, options, message) => {
    expect(() => TransferFilter.objectPattern(key, options)).toThrow(message);
  });

  test('fails for a key longer than a filter value may be', () => {
    const key = 'k'.repeat(102400);
    expect(() => TransferFilter.objectPattern(key)).toThrow(
      `TransferFilter.objectPattern: key "${'k'.repeat(39)}... is 102401 characters long; allowed: at most 102400 characters`,
    );
  });

  test('fails for a JSONPath key with a location subdirectory', () => {
    expect(() => TransferFilter.objectPattern(sfn.JsonPath.stringAt('$.key'), { locationSubdirectory: 'uploads/' })).toThrow(
      "TransferFilter.objectPattern: 'key' is a JSONPath reference and 'locationSubdirectory' 'uploads/' was given, but a reference cannot be made relative to 'uploads/' at synth time; allowed: a reference to the key already relative to 'uploads/', with no 'locationSubdirectory'",
    );
  });

  test('fails for an unresolved location subdirectory', () => {
    expect(() => TransferFilter.objectPattern('a.csv', { locationSubdirectory: Lazy.string({ produce: () => 'x' }) })).toThrow(
      "TransferFilter.objectPattern: 'locationSubdirectory' is an unresolved token; allowed: the subdirectory as a plain string, such as 'uploads/'",
    );
  });
});

describe('TransferFilter.runOutputPattern and directoryPattern', () => {
  test('a run output directory is /runs/<runId>/out/* by default', () => {
    expect(TransferFilter.runOutputPattern('upload-2026_abc')).toBe('/runs/upload-2026_abc/out/*');
  });

  test('the runs and output directories can be changed', () => {
    expect(TransferFilter.runOutputPattern('r1', { runsDirectory: 'work/runs/', outputDirectory: '' })).toBe('/work/runs/r1/*');
    expect(TransferFilter.runOutputPattern('r1', { outputDirectory: 'out/reports' })).toBe('/runs/r1/out/reports/*');
  });

  test('a JSONPath run id becomes a States.Format expression', () => {
    const stack = testStack();
    const pattern = TransferFilter.runOutputPattern(sfn.JsonPath.stringAt('$.runId'));
    expect(stack.resolve(new sfn.Pass(stack, 'P', { parameters: { v: pattern } }).toStateJson())).toEqual(expect.objectContaining({
      Parameters: { 'v.$': "States.Format('/runs/{}/out/*', $.runId)" },
    }));
  });

  test.each([
    ['a b', "TransferFilter.runOutputPattern: 'runId' 'a b' is not valid; allowed: 1-80 characters of A-Z a-z 0-9 _ -"],
    ['', "TransferFilter.runOutputPattern: 'runId' '' is not valid; allowed: 1-80 characters of A-Z a-z 0-9 _ -"],
    ['r'.repeat(81), `TransferFilter.runOutputPattern: 'runId' '${'r'.repeat(81)}' is not valid; allowed: 1-80 characters of A-Z a-z 0-9 _ -`],
    ['x*', "TransferFilter.runOutputPattern: 'runId' 'x*' is not valid; allowed: 1-80 characters of A-Z a-z 0-9 _ -"],
  ])('fails for run id %j', (runId, message) => {
    expect(() => TransferFilter.runOutputPattern(runId)).toThrow(message);
  });

  test('fails for bad runs and output directories', () => {
    expect(() => TransferFilter.runOutputPattern('r', { runsDirectory: '/' })).toThrow(
      "TransferFilter.runOutputPattern: 'runsDirectory' '/' is not valid; allowed: a path of at most 4094 letters, digits, spaces and _ - + . ( ) separated by single '/', without '.' or '..' segments, such as 'uploads/' or '/runs', other than the root",
    );
    expect(() => TransferFilter.runOutputPattern('r', { outputDirectory: '../x' })).toThrow(
      "TransferFilter.runOutputPattern: 'outputDirectory' '../x' is not valid; allowed: '' or a path of at most 4094 letters, digits, spaces and _ - + . ( ) separated by single '/', without '.' or '..' segments, such as 'uploads/' or '/runs'",
    );
  });

  test('a directory pattern matches everything in it', () => {
    expect(TransferFilter.directoryPattern('runs/abc/out/')).toBe('/runs/abc/out/*');
    expect(() => TransferFilter.directoryPattern('/')).toThrow(
      "TransferFilter.directoryPattern: 'directory' '/' is not valid; allowed: a path of at most 4094 letters, digits, spaces and _ - + . ( ) separated by single '/', without '.' or '..' segments, such as 'uploads/' or '/runs', other than the root",
    );
  });
});

describe('TransferFilter values and rules', () => {
  test('join separates patterns with |', () => {
    expect(TransferFilter.join(['/a.csv', '/runs/r/out/*'])).toBe('/a.csv|/runs/r/out/*');
  });

  test('rule has the shape StartTaskExecution takes', () => {
    expect(TransferFilter.rule('/a.csv')).toEqual({ FilterType: 'SIMPLE_PATTERN', Value: '/a.csv' });
    expect(TransferFilter.includeObject('uploads/a.csv', { locationSubdirectory: 'uploads' })).toEqual({ FilterType: 'SIMPLE_PATTERN', Value: '/a.csv' });
    expect(TransferFilter.includeRunOutput('r1')).toEqual({ FilterType: 'SIMPLE_PATTERN', Value: '/runs/r1/out/*' });
    expect(TransferFilter.includeDirectory('/inputs')).toEqual({ FilterType: 'SIMPLE_PATTERN', Value: '/inputs/*' });
  });

  test('a JSONPath rule renders as Value.$ in a state', () => {
    const stack = testStack();
    const rule = TransferFilter.includeObject(sfn.JsonPath.stringAt('$.key'));
    const state = stack.resolve(new sfn.Pass(stack, 'P', { parameters: { Includes: [rule] } }).toStateJson());
    expect(state.Parameters).toEqual({ Includes: [{ 'FilterType': 'SIMPLE_PATTERN', 'Value.$': "States.Format('/{}', $.key)" }] });
  });

  test.each([
    [[], "TransferFilter.join: 'patterns' is empty; allowed: at least one pattern"],
    [['/a', ''], "TransferFilter.validate: a pattern is empty; allowed: a path starting with '/', with patterns separated by a single '|'"],
    [['a.csv'], "TransferFilter.validate: pattern \"a.csv\" does not start with '/'; allowed: a path from the location's root, such as '/runs/abc/out/*'"],
    [['/a*/b'], "TransferFilter.validate: pattern \"/a*/b\" has '*' before its end; allowed: '*' only as the last character of a pattern"],
    [['/a\u0000'], 'TransferFilter.validate: pattern "/a\\u0000" contains a NUL character; allowed: a path without NUL characters'],
  ])('join fails for %j', (patterns, message) => {
    expect(() => TransferFilter.join(patterns)).toThrow(message);
  });

  test('fails when all patterns together are longer than 102,400 characters', () => {
    const pattern = `/${'p'.repeat(999)}`;
    const patterns = Array.from({ length: 103 }, () => pattern);
    expect(() => TransferFilter.join(patterns)).toThrow(
      'TransferFilter.validate: the filter value is 103102 characters long; allowed: at most 102400 characters in all patterns together',
    );
    expect(() => TransferFilter.join(patterns.slice(0, 102))).not.toThrow();
  });

  test('an unresolved value is not checked', () => {
    expect(() => TransferFilter.validate(Lazy.string({ produce: () => 'bad' }))).not.toThrow();
  });

  test('exposes the DataSync filter constants', () => {
    expect(TransferFilter.FILTER_TYPE).toBe('SIMPLE_PATTERN');
    expect(TransferFilter.MAX_VALUE_LENGTH).toBe(102400);
    expect(TransferFilter.SEPARATOR).toBe('|');
  });
});
