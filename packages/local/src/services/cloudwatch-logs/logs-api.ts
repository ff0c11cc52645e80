import { LogGroupSource, LogStreamFile, readLogLines } from './log-groups';
import { JsonProtocolService, page, pageTokens } from '../../serve/aws-json-protocol';
import { serviceError } from '../service-rules';

/** GetLogEvents and FilterLogEvents return at most 10,000 events a call (CloudWatch Logs API reference). */
const MAX_EVENTS = 10_000;

const notFound = (what: string) => serviceError('ResourceNotFoundException', `The specified ${what} does not exist.`);
const invalid = (message: string) => serviceError('InvalidParameterException', message);

function limitOf(value: unknown, max: number, name = 'limit'): number {
  if (value === undefined) return max;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`1 validation error detected: Value '${String(value)}' at '${name}' failed to satisfy constraint: `
      + `Member must have value less than or equal to ${max} and greater than or equal to 1`);
  }
  return value;
}

/** `startTime` (inclusive) and `endTime` (exclusive) of GetLogEvents and FilterLogEvents, in epoch milliseconds. */
function inTimeRange(body: Record<string, any>): (line: { timestamp: number }) => boolean {
  return (line) => (body.startTime === undefined || line.timestamp >= body.startTime)
    && (body.endTime === undefined || line.timestamp < body.endTime);
}

/**
 * A CloudWatch Logs filter pattern over unstructured lines: terms that must all appear, a
 * quoted phrase, `?term` alternatives (any of them), `-term` exclusions (CloudWatch Logs User
 * Guide, "Filter pattern syntax"). JSON (`{ $... }`) and space-delimited (`[...]`) patterns are
 * refused with InvalidParameterException: the local runtime does not evaluate them.
 */
export function filterPatternMatcher(pattern: string | undefined): (message: string) => boolean {
  const text = (pattern ?? '').trim();
  if (text === '') return () => true;
  if (text.startsWith('{') || text.startsWith('[')) {
    throw invalid(`the local runtime does not evaluate JSON or space-delimited filter patterns ('${text}'); use terms, quoted phrases, `
      + '?alternatives and -exclusions');
  }
  const terms = [...text.matchAll(/([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)]
    .map(([, sign, quoted, bare]) => ({ sign, value: quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare }));
  const required = terms.filter((term) => term.sign === '');
  const anyOf = terms.filter((term) => term.sign === '?');
  const excluded = terms.filter((term) => term.sign === '-');
  return (message) => required.every((term) => message.includes(term.value))
    && (anyOf.length === 0 || anyOf.some((term) => message.includes(term.value)))
    && !excluded.some((term) => message.includes(term.value));
}

/**
 * CloudWatch Logs over the AWS JSON 1.1 protocol for the served runtime: DescribeLogGroups,
 * DescribeLogStreams, GetLogEvents (forward and backward tokens) and FilterLogEvents (filter
 * pattern terms, stream names or prefix, time range, pages), over the files functions and jobs
 * wrote, under the groups and streams of `pipelineLogGroups`.
 */
export function logsApi(groups: () => readonly LogGroupSource[], region: string, account: string): JsonProtocolService {
  const groupArn = (name: string) => `arn:aws:logs:${region}:${account}:log-group:${name}`;
  const group = (body: Record<string, any>): LogGroupSource => {
    const name = body.logGroupName ?? (typeof body.logGroupIdentifier === 'string'
      ? body.logGroupIdentifier.replace(/^arn:[^:]+:logs:[^:]*:\d*:log-group:/, '').replace(/:\*$/, '')
      : undefined);
    if (typeof name !== 'string' || name === '') throw invalid('Either logGroupName or logGroupIdentifier must be specified');
    const found = groups().find((candidate) => candidate.name === name);
    if (!found) throw notFound('log group');
    return found;
  };
  const describeStream = (stream: LogStreamFile, groupName: string) => {
    const lines = readLogLines(stream.file);
    return {
      logStreamName: stream.name,
      creationTime: lines[0]?.timestamp ?? Date.now(),
      ...(lines.length > 0 ? {
        firstEventTimestamp: lines[0].timestamp,
        lastEventTimestamp: lines[lines.length - 1].timestamp,
        lastIngestionTime: lines[lines.length - 1].timestamp,
      } : {}),
      uploadSequenceToken: '1',
      arn: `${groupArn(groupName)}:log-stream:${stream.name}`,
      storedBytes: 0,
    };
  };
  const paging = { tokenError: 'InvalidParameterException', validationError: 'InvalidParameterException', maxName: 'limit' };
  return {
    version: '1.1',
    targetPrefix: 'Logs_20140328',
    title: 'CloudWatch Logs',
    clientErrors: new Set(['ResourceNotFoundException', 'InvalidParameterException']),
    operations: {
      DescribeLogGroups: (body) => {
        const prefix = body.logGroupNamePrefix ?? '';
        const all = groups().filter((candidate) => candidate.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
        const result = page(
          all,
          { maxResults: body.limit, nextToken: body.nextToken },
          { ...paging, scope: `groups/${prefix}`, defaultMax: 50, limit: 50 },
        );
        return {
          logGroups: result.items.map((candidate) => ({
            logGroupName: candidate.name,
            creationTime: 0,
            metricFilterCount: 0,
            arn: `${groupArn(candidate.name)}:*`,
            logGroupArn: groupArn(candidate.name),
            storedBytes: 0,
            logGroupClass: 'STANDARD',
          })),
          ...(result.nextToken ? { nextToken: result.nextToken } : {}),
        };
      },
      DescribeLogStreams: (body) => {
        const found = group(body);
        if (body.orderBy !== undefined && body.orderBy !== 'LogStreamName'
          && body.orderBy !== 'LastEventTime') throw invalid(`orderBy ${String(body.orderBy)} is not LogStreamName or LastEventTime`);
        if (body.orderBy === 'LastEventTime' && body.logStreamNamePrefix !== undefined) {
          throw invalid('Cannot order by LastEventTime with a '
          + 'logStreamNamePrefix.');
        }
        const prefix = body.logStreamNamePrefix ?? '';
        let streams = found.streams().filter((stream) => stream.name.startsWith(prefix)).map((stream) => describeStream(stream, found.name));
        streams = body.orderBy === 'LastEventTime'
          ? streams.sort((a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0))
          : streams.sort((a, b) => a.logStreamName.localeCompare(b.logStreamName));
        if (body.descending === true) streams.reverse();
        const result = page(streams, { maxResults: body.limit, nextToken: body.nextToken },
          { ...paging, scope: `streams/${found.name}/${prefix}/${body.orderBy ?? ''}/${body.descending === true}`, defaultMax: 50, limit: 50 });
        return { logStreams: result.items, ...(result.nextToken ? { nextToken: result.nextToken } : {}) };
      },
      GetLogEvents: (body) => {
        const found = group(body);
        const stream = found.streams().find((candidate) => candidate.name === body.logStreamName);
        if (!stream) throw notFound('log stream');
        const limit = limitOf(body.limit, MAX_EVENTS);
        const events = readLogLines(stream.file).filter(inTimeRange(body));
        // Tokens `f/<index>` and `b/<index>`: where the next page forward or backward starts.
        let start: number;
        let end: number;
        const token = typeof body.nextToken === 'string' ? /^([fb])\/(\d+)$/.exec(body.nextToken) : undefined;
        if (body.nextToken !== undefined && !token) throw invalid(`The specified nextToken is invalid: ${String(body.nextToken)}`);
        if (token?.[1] === 'f' || (!token && body.startFromHead === true)) {
          start = Math.min(token ? Number(token[2]) : 0, events.length);
          end = Math.min(start + limit, events.length);
        } else {
          end = Math.min(token ? Number(token[2]) : events.length, events.length);
          start = Math.max(0, end - limit);
        }
        return {
          events: events.slice(start, end).map((line) => ({ timestamp: line.timestamp, message: line.message, ingestionTime: line.timestamp })),
          nextForwardToken: `f/${end}`,
          nextBackwardToken: `b/${start}`,
        };
      },
      FilterLogEvents: (body) => {
        const found = group(body);
        if (body.logStreamNames !== undefined && body.logStreamNamePrefix !== undefined) {
          throw invalid('You cannot specify both logStreamNames and logStreamNamePrefix');
        }
        const matches = filterPatternMatcher(body.filterPattern);
        const limit = limitOf(body.limit, MAX_EVENTS);
        const named = body.logStreamNames as string[] | undefined;
        const streams = found.streams().filter((stream) => (named === undefined || named.includes(stream.name))
          && stream.name.startsWith(body.logStreamNamePrefix ?? ''));
        const inRange = inTimeRange(body);
        const events = streams
          .flatMap((stream) => readLogLines(stream.file)
            .map((line, index) => ({ ...line, logStreamName: stream.name, eventId: `${stream.name}/${index}` })))
          .filter((line) => inRange(line) && matches(line.message))
          .sort((a, b) => a.timestamp - b.timestamp);
        const offset = pageTokens.decode(body.nextToken, `filter/${found.name}`, 'InvalidParameterException');
        const shown = events.slice(offset, offset + limit);
        return {
          events: shown.map(({ logStreamName, timestamp, message, eventId }) => ({
            logStreamName, timestamp, message, ingestionTime: timestamp, eventId,
          })),
          searchedLogStreams: streams.map((stream) => ({ logStreamName: stream.name, searchedCompletely: true })),
          ...(offset + limit < events.length ? { nextToken: pageTokens.encode(`filter/${found.name}`, offset + limit) } : {}),
        };
      },
    },
  };
}
