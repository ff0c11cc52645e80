import { PipelineModel } from '@batch-pipeline/local';
import { CliError } from '../../src/cli-error';
import { consoleMain } from '../../src/console/console-command';
import { stagingOf } from '../../src/console/staging-mode';

const quiet = { print: () => undefined, note: () => undefined };
const modelWith = (definition: unknown) => ({ stateMachine: { definition } }) as unknown as PipelineModel;

describe('batch-pipeline console', () => {
  test('given --help, then the usage names the port, --open, the targets and the local runtime options', async () => {
    const printed: string[] = [];

    expect(await consoleMain(['--help'], { print: (line) => printed.push(line), note: () => undefined })).toBe(0);
    expect(printed.join('\n')).toMatch(/--port <n>[\s\S]*--open[\s\S]*--stack <name>[\s\S]*--endpoint-url <url>[\s\S]*--fast/);
  });

  test('given a --port that is not a port, then a CliError names it and what is allowed', async () => {
    await expect(consoleMain(['--port', 'eighty', '--endpoint-url', 'http://127.0.0.1:1'], quiet)).rejects.toThrow(new CliError('--port eighty is not valid', ''));
    await expect(consoleMain(['--port', '70000', '--endpoint-url', 'http://127.0.0.1:1'], quiet)).rejects.toThrow(/--port 70000 is not valid/);
  });
});

describe('stagingOf', () => {
  test('given DataSync tasks and a Choice on the input\'s size, then AUTO with the direct-copy threshold', () => {
    const definition = {
      States: {
        'Stage in how?': { Type: 'Choice', Choices: [{ Variable: '$.size', NumericLessThanEquals: 4294967296, Next: 'Direct' }] },
        'Stage in: start': { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:datasync:startTaskExecution' },
      },
    };

    expect(stagingOf(modelWith(definition))).toEqual({ mode: 'AUTO', directUpToBytes: 4294967296 });
  });

  test('given DataSync tasks and no size Choice, then DATASYNC; given no DataSync task, then DIRECT', () => {
    expect(stagingOf(modelWith({ States: { Start: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:datasync:startTaskExecution' } } }))).toEqual({ mode: 'DATASYNC' });
    expect(stagingOf(modelWith({ States: { Prepare: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke' } } }))).toEqual({ mode: 'DIRECT' });
  });
});
