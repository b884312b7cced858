import { describe, expect, it } from 'vitest';
import { canonicalText, CsvParser, declaredKind, jsonValueMatches, kindSatisfies, textValueMatches } from '../../src/testing';

function parse(chunks: string[]): Array<{ fields: Array<string | null>; line: number }> {
  const parser = new CsvParser();
  return [...chunks.flatMap((c) => parser.push(c)), ...parser.end()];
}

describe('CsvParser (RFC 4180)', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks; CRLF; a BOM; blank lines', () => {
    const text = '\uFEFFid,name,note\r\n1,"Ada, Countess","said ""hi"""\r\n\r\n2,Grace,"two\nlines"\n3,,""\n';
    expect(parse([text])).toEqual([
      { fields: ['id', 'name', 'note'], line: 1 },
      { fields: ['1', 'Ada, Countess', 'said "hi"'], line: 2 },
      { fields: ['2', 'Grace', 'two\nlines'], line: 4 },
      // Unquoted empty: null (missing); quoted empty: the empty string.
      { fields: ['3', null, ''], line: 6 },
    ]);
  });

  it('gives the same records whatever the chunk boundaries (one character at a time)', () => {
    const text = 'a,b\n"x""y",z\n"q",\n';
    expect(parse(text.split(''))).toEqual(parse([text]));
    expect(parse(text.split(''))).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['x"y', 'z'], line: 2 },
      { fields: ['q', null], line: 3 },
    ]);
  });

  it('keeps a last record without a line break, and refuses an unclosed quote', () => {
    expect(parse(['a,b\n1,2'])).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['1', '2'], line: 2 },
    ]);
    expect(() => parse(['a\n"open'])).toThrow(/line 2: a quoted field is not closed/);
  });
});

describe('declared types', () => {
  it('normalises the usual spellings, ignoring case and parameters', () => {
    expect(declaredKind('integer')).toBe('integer');
    expect(declaredKind('BIGINT')).toBe('integer');
    expect(declaredKind('varchar(255)')).toBe('string');
    expect(declaredKind('decimal(10,2)')).toBe('float');
    expect(declaredKind('timestamp with time zone')).toBe('timestamp');
    expect(declaredKind('jsonb')).toBe('object');
    expect(declaredKind('geometry')).toBeUndefined();
    expect(declaredKind(undefined)).toBeUndefined();
  });

  it('JSON values: integers are integral numbers, timestamps and dates are ISO 8601 strings', () => {
    expect(jsonValueMatches(3, 'integer')).toBe(true);
    expect(jsonValueMatches(3.5, 'integer')).toBe(false);
    expect(jsonValueMatches('3', 'integer')).toBe(false);
    expect(jsonValueMatches(3, 'float')).toBe(true);
    expect(jsonValueMatches('2024-02-29T10:00:00Z', 'timestamp')).toBe(true);
    expect(jsonValueMatches('2024-02-29 10:00:00.123+01:00', 'timestamp')).toBe(true);
    expect(jsonValueMatches('2023-02-29T10:00:00Z', 'timestamp')).toBe(false);
    expect(jsonValueMatches('2024-02-29', 'timestamp')).toBe(false);
    expect(jsonValueMatches('2024-02-29', 'date')).toBe(true);
    expect(jsonValueMatches('2024-13-01', 'date')).toBe(false);
    expect(jsonValueMatches({ a: 1 }, 'object')).toBe(true);
    expect(jsonValueMatches([1], 'object')).toBe(false);
    expect(jsonValueMatches([1], 'array')).toBe(true);
    expect(jsonValueMatches(true, 'boolean')).toBe(true);
    expect(jsonValueMatches('true', 'boolean')).toBe(false);
  });

  it('CSV text values: parsed as the declared kind', () => {
    expect(textValueMatches('-42', 'integer')).toBe(true);
    expect(textValueMatches('4.2', 'integer')).toBe(false);
    expect(textValueMatches('4.2e3', 'float')).toBe(true);
    expect(textValueMatches('abc', 'float')).toBe(false);
    expect(textValueMatches('t', 'boolean')).toBe(true);
    expect(textValueMatches('maybe', 'boolean')).toBe(false);
    expect(textValueMatches('anything', 'string')).toBe(true);
    expect(textValueMatches('12:30:00', 'time')).toBe(true);
    expect(textValueMatches('{"a":1}', 'object')).toBe(true);
    expect(textValueMatches('[1,2]', 'array')).toBe(true);
    expect(textValueMatches('[1,2', 'array')).toBe(false);
  });

  it('column types: integers satisfy float, not the other way round', () => {
    expect(kindSatisfies('integer', 'float')).toBe(true);
    expect(kindSatisfies('float', 'integer')).toBe(false);
    expect(kindSatisfies('timestamp', 'date')).toBe(false);
  });

  it('canonical text compares values across representations', () => {
    expect(canonicalText(3)).toBe('3');
    expect(canonicalText('3')).toBe('3');
    expect(canonicalText(true)).toBe('true');
    expect(canonicalText(new Date('2024-01-02T03:04:05Z'))).toBe('2024-01-02T03:04:05.000Z');
    expect(canonicalText(Buffer.from([1, 255]))).toBe('\\x01ff');
    expect(canonicalText({ a: [1] })).toBe('{"a":[1]}');
  });
});
