import { describe, expect, it } from 'vitest';
import { fixedClock, UsageError } from '../../src/core';
import { createLineageEmitter, offEmitter, parseLineageTarget, resolveLineageTargets } from '../../src/lineage';
import { recordingLogger } from '../helpers/lineage';

const cwd = '/work/pkg';
const parse = (value: string) => parseLineageTarget(value, { cwd });

function usage(run: () => unknown): { code: string; message: string; hint: string | undefined; exitCode: number } {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return { code: error.code, message: error.message, hint: error.hint, exitCode: error.exitCode };
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('--lineage <url|file:path|console|off>', () => {
  it.each([
    ['http://localhost:5000', { kind: 'http', url: 'http://localhost:5000/', api: 'marquez' }],
    ['https://marquez.example.com/base/', { kind: 'http', url: 'https://marquez.example.com/base/', api: 'marquez' }],
    ['http://localhost:5000/api/v1/lineage', { kind: 'http', url: 'http://localhost:5000/api/v1/lineage', api: 'marquez' }],
    ['datahub+https://datahub.example.com:8080', { kind: 'http', url: 'https://datahub.example.com:8080/', api: 'datahub' }],
    [
      'https://gms.example.com/openapi/openlineage/api/v1/lineage',
      { kind: 'http', url: 'https://gms.example.com/openapi/openlineage/api/v1/lineage', api: 'datahub' },
    ],
    ['file:lineage.jsonl', { kind: 'file', path: '/work/pkg/lineage.jsonl' }],
    ['file:../out/events.jsonl', { kind: 'file', path: '/work/out/events.jsonl' }],
    ['file:/var/log/dk/lineage.jsonl', { kind: 'file', path: '/var/log/dk/lineage.jsonl' }],
    ['file:///var/log/dk/lineage%20x.jsonl', { kind: 'file', path: '/var/log/dk/lineage x.jsonl' }],
    ['console', { kind: 'console' }],
    [' Console ', { kind: 'console' }],
    ['off', { kind: 'off' }],
  ])('%s', (value, expected) => {
    expect(parse(value)).toEqual(expected);
  });

  it.each([
    ['', /^--lineage "": empty$/, /Use an http\(s\):\/\/ URL/],
    ['consle', /not a lineage target/, /^Did you mean console\?/],
    ['of', /not a lineage target/, /^Did you mean off\?/],
    ['marquez', /not a lineage target/, /file:<path>, console or off\.$/],
    ['localhost:5000', /no scheme/, /^Did you mean http:\/\/localhost:5000\?$/],
    ['ftp://host/x', /unsupported scheme ftp:\/\//, /Use/],
    ['kafka://broker:9092', /unsupported scheme kafka:\/\//, /Use/],
    ['http://', /not a valid URL/, /Use/],
    ['https://user:secret@marquez.example.com', /credentials do not belong in the URL/, /API token/],
    ['file:', /no file path after file:/, /file:lineage\.jsonl/],
    ['file:logs/', /names a directory/, /Name a file/],
    ['file://remote-host/x.jsonl', /not a local file URL/, /file:\/\/\/absolute\/path/],
    ['datahub+file:x', /unsupported scheme file:/, /Use/],
  ])('refuses %j clearly (DK652, exit code 2)', (value, message, hint) => {
    const error = usage(() => parse(value));
    expect(error.code).toBe('DK652');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(hint);
  });
});

describe('resolveLineageTargets', () => {
  it('uses --lineage values, else OPENLINEAGE_URL (passed in), else nothing', () => {
    expect(resolveLineageTargets(['console', 'file:a.jsonl'], { cwd, openLineageUrl: 'http://ignored' })).toEqual([
      { kind: 'console' },
      { kind: 'file', path: '/work/pkg/a.jsonl' },
    ]);
    expect(resolveLineageTargets([], { cwd, openLineageUrl: 'http://marquez:5000' })).toEqual([
      { kind: 'http', url: 'http://marquez:5000/', api: 'marquez' },
    ]);
    expect(resolveLineageTargets(undefined, { cwd, openLineageUrl: '  ' })).toEqual([]);
    expect(resolveLineageTargets(['off'], { cwd, openLineageUrl: 'http://marquez:5000' })).toEqual([]);
  });

  it('names OPENLINEAGE_URL in its errors', () => {
    expect(usage(() => resolveLineageTargets(undefined, { cwd, openLineageUrl: 'marquez:5000' })).message).toBe(
      'OPENLINEAGE_URL "marquez:5000": no scheme',
    );
  });

  it('refuses off with other targets', () => {
    expect(usage(() => resolveLineageTargets(['off', 'console'], { cwd })).message).toBe(
      '--lineage off cannot be combined with other lineage targets',
    );
  });
});

describe('createLineageEmitter', () => {
  const deps = { cwd, logger: recordingLogger(), clock: fixedClock(new Date(0)) };

  it('is off without targets', () => {
    expect(createLineageEmitter({}, deps)).toBe(offEmitter);
    expect(createLineageEmitter({ targets: ['off'] }, deps)).toBe(offEmitter);
  });

  it('describes its targets, never the token', () => {
    const emitter = createLineageEmitter({ targets: ['http://marquez:5000?api_key=k', 'console'], token: 'tok-123' }, deps);
    expect(emitter.target).toBe('http://marquez:5000/api/v1/lineage, console');
  });

  it('throws the parse error before anything runs', () => {
    expect(() => createLineageEmitter({ targets: ['consol'] }, deps)).toThrow(UsageError);
  });
});
