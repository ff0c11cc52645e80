import { IncomingMessage } from 'node:http';
import { checkOrigin, CONSOLE_HEADER, reportType } from '../../src/console/console-server';

const PORT = 4748;
const requestOf = (method: string, headers: Record<string, string>) => ({ method, headers } as unknown as IncomingMessage);

describe('checkOrigin', () => {
  test('given the console\'s own page (Host 127.0.0.1 or localhost with its port), then a read is let through', () => {
    expect(checkOrigin(requestOf('GET', { host: `127.0.0.1:${PORT}` }), PORT)).toBeUndefined();
    expect(checkOrigin(requestOf('GET', { host: `localhost:${PORT}`, origin: `http://localhost:${PORT}` }), PORT)).toBeUndefined();
  });

  test('given a DNS-rebound name (another Host) or no Host, then it is refused, naming the Host', () => {
    expect(checkOrigin(requestOf('GET', { host: `attacker.example:${PORT}` }), PORT)).toContain('Host attacker.example');
    expect(checkOrigin(requestOf('GET', { host: '127.0.0.1:9999' }), PORT)).toContain('is not this console\'s');
    expect(checkOrigin(requestOf('GET', {}), PORT)).toContain('Host (none)');
  });

  test('given another Origin, then it is refused even with the console header', () => {
    expect(checkOrigin(requestOf('POST', { host: `127.0.0.1:${PORT}`, origin: 'https://attacker.example', [CONSOLE_HEADER]: '1' }), PORT)).toContain('Origin https://attacker.example');
  });

  test('given a change (POST) without the console header (a cross-site form), then it is refused; with it, let through', () => {
    expect(checkOrigin(requestOf('POST', { host: `127.0.0.1:${PORT}` }), PORT)).toContain(CONSOLE_HEADER);
    expect(checkOrigin(requestOf('POST', { host: `127.0.0.1:${PORT}`, origin: `http://127.0.0.1:${PORT}`, [CONSOLE_HEADER]: '1' }), PORT)).toBeUndefined();
  });
});

describe('reportType', () => {
  test('given report names, then text, JSON, CSV and images get their media types and anything else is a download', () => {
    expect(['a.txt', 'b.JSON', 'c.csv', 'd.png', 'e.bin'].map(reportType)).toEqual(['text/plain', 'application/json', 'text/csv', 'image/png', 'application/octet-stream']);
  });
});
