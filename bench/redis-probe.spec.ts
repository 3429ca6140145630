import { parseMonitorLine } from './redis-probe';

describe('parseMonitorLine', () => {
  it('reads the time, the client and each quoted argument', () => {
    expect(parseMonitorLine('+1339518083.107412 [0 127.0.0.1:60866] "keys" "*"')).toEqual({
      atMs: 1339518083107.412,
      source: '127.0.0.1:60866',
      args: ['keys', '*'],
    });
  });

  it('names commands run by a script as lua', () => {
    expect(parseMonitorLine('+1.5 [3 lua] "ZADD" "q:marker" "0" "0"')).toMatchObject({
      source: 'lua',
      args: ['ZADD', 'q:marker', '0', '0'],
    });
  });

  it('undoes Redis escaping: quotes, backslashes, control characters and bytes', () => {
    const line = String.raw`+2.0 [0 127.0.0.1:1] "SET" "k" "{\"a\":\"b\\c\"}\r\n" "\x00\xff"`;
    expect(parseMonitorLine(line)?.args).toEqual(['SET', 'k', '{"a":"b\\c"}\r\n', '\u0000\u00ff']);
  });

  it('ignores what is not a command line', () => {
    expect(parseMonitorLine('+OK')).toBeNull();
  });
});
