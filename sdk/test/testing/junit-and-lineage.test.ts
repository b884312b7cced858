import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock';
import { createRunEvents, validateRunEvent, type LineageEmitter, type LineageJob, type RunEvent } from '../../src/lineage';
import {
  countChecks,
  dataQualityAssertionsFacet,
  dataQualityAssertionsSchemaURL,
  deferComplete,
  escapeXmlAttribute,
  escapeXmlText,
  junitXml,
  testRunSchemaURL,
  withTestFacets,
  type CheckResult,
  type DataSetTestResult,
  type TestReport,
} from '../../src/testing';
import { expectValidRunEvent } from '../helpers/lineage';
import { expectValidAssertionsFacet, officialAssertionsSchemaURL, officialTestRunSchemaURL } from './helpers';

const check = (partial: Partial<CheckResult> & Pick<CheckResult, 'name' | 'status'>): CheckResult => ({
  passed: partial.status === 'passed',
  message: `${partial.name} ${partial.status}`,
  observed: null,
  ...partial,
});

const orders: DataSetTestResult = {
  dataset: 'orders',
  location: 'data/orders/',
  rows: 3,
  durationMs: 12,
  checks: [
    check({ name: 'output_exists', status: 'passed', observed: 3, expected: 'written' }),
    check({ name: 'column_present', column: 'id', status: 'passed', observed: 'present', expected: 'present' }),
    check({
      name: 'accepted_values',
      column: 'state',
      status: 'failed',
      message: 'value <b> & "c" \u0001 not accepted',
      observed: 1,
      expected: '["a"]',
    }),
    check({ name: 'unique', column: 'id', status: 'skipped', message: 'needs a library' }),
  ],
};
const refunds: DataSetTestResult = {
  dataset: 'refunds',
  location: 'table public.refunds on Store pg',
  durationMs: 1,
  checks: [check({ name: 'row_count', status: 'error', message: 'cannot connect: ECONNREFUSED' })],
};

function report(datasets: DataSetTestResult[], transform: TestReport['transform'] = { status: 'completed', durationMs: 40 }): TestReport {
  return {
    packageName: 'shop',
    runId: '01890f6e-0000-7000-8000-000000000000',
    startedAt: '2024-05-01T10:00:00.000Z',
    durationMs: 1234,
    transform,
    datasets,
    counts: countChecks(datasets),
  };
}

/** Well-formed enough for CI parsers: balanced tags, no raw < or & in text, no raw < & " in attribute values. */
function expectWellFormed(xml: string): void {
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\n/, '');
  let rest = body;
  while (rest.length > 0) {
    const open = rest.indexOf('<');
    const text = open === -1 ? rest : rest.slice(0, open);
    expect(text).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos|#\d+);)/);
    if (open === -1) break;
    const close = rest.indexOf('>', open);
    const tag = rest.slice(open + 1, close);
    rest = rest.slice(close + 1);
    const m = /^(\/?)([A-Za-z]+)((?:\s+[A-Za-z]+="[^"<]*")*)\s*(\/?)$/.exec(tag);
    expect(m, `tag <${tag}>`).not.toBeNull();
    for (const value of tag.matchAll(/="([^"]*)"/g)) expect(value[1]).not.toMatch(/&(?!(amp|lt|gt|quot|apos|#\d+);)/);
    if (m![1]) expect(stack.pop()).toBe(m![2]);
    else if (!m![4]) stack.push(m![2]!);
  }
  expect(stack).toEqual([]);
}

describe('JUnit XML', () => {
  it('escapes text and attributes, and drops what XML cannot hold', () => {
    expect(escapeXmlText('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
    expect(escapeXmlAttribute(`"q" 'a'\nline\ttab`)).toBe('&quot;q&quot; &apos;a&apos;&#10;line&#9;tab');
    expect(escapeXmlText('bell\u0007 and \uD800 lone, keeps é and 😀')).toBe('bell\uFFFD and \uFFFD lone, keeps é and 😀');
  });

  it('one testsuite per output, one testcase per check: failures, errors and skips with their messages', () => {
    const xml = junitXml(report([orders, refunds]));
    expectWellFormed(xml);
    expect(xml).toContain(
      '<testsuites name="dk test shop" tests="5" failures="1" errors="1" skipped="1" time="1.234" timestamp="2024-05-01T10:00:00.000Z">',
    );
    expect(xml).toContain('<testsuite name="orders" tests="4" failures="1" errors="0" skipped="1" time="0.012"');
    expect(xml).toContain('<testsuite name="refunds" tests="1" failures="0" errors="1" skipped="0"');
    expect(xml).toContain('<testcase name="output_exists" classname="shop.orders" time="0.000"/>');
    expect(xml).toContain(
      '<failure message="value &lt;b&gt; &amp; &quot;c&quot; \uFFFD not accepted" type="accepted_values">value &lt;b&gt; &amp; "c" \uFFFD not accepted\nexpected: ["a"]\nobserved: 1</failure>',
    );
    expect(xml).toContain('<skipped message="needs a library"/>');
    expect(xml).toContain('<error message="cannot connect: ECONNREFUSED" type="row_count">');
    expect(xml).toContain('<property name="location" value="table public.refunds on Store pg"/>');
  });

  it('a failed transform is a suite of its own with one failing case', () => {
    const xml = junitXml(report([], { status: 'failed', message: 'exited with code 3\nTraceback: <boom>' }));
    expectWellFormed(xml);
    expect(xml).toContain('<testsuites name="dk test shop" tests="1" failures="1" errors="0" skipped="0"');
    expect(xml).toContain('<testcase name="run" classname="shop" time="0.000">');
    expect(xml).toContain(
      '<failure message="exited with code 3&#10;Traceback: &lt;boom&gt;" type="transform">exited with code 3\nTraceback: &lt;boom&gt;</failure>',
    );
  });
});

const job: LineageJob = {
  name: 'shop',
  namespace: 'default',
  mode: 'batch',
  runtime: 'generic-node',
  inputs: [{ name: 'raw', store: { name: 'local', type: 'file', connection: { path: './data' } }, prefix: 'raw/', format: 'jsonl' }],
  outputs: [
    {
      name: 'orders',
      store: { name: 'local', type: 'file', connection: { path: './data' } },
      prefix: 'orders/',
      format: 'jsonl',
      schema: [
        { name: 'id', type: 'integer' },
        { name: 'state', type: 'string' },
      ],
    },
    { name: 'refunds', store: { name: 'pg', type: 'postgres', connection: { host: 'db', database: 'shop' } }, table: 'public.refunds' },
  ],
};

function events() {
  return createRunEvents({
    job,
    clock: fixedClock(new Date('2024-05-01T10:00:00Z')),
    datakitVersion: '1.2.3',
    naming: { baseDir: '/work/shop' },
  });
}

describe('lineage facets', () => {
  it('use the official schema URLs', () => {
    expect(dataQualityAssertionsSchemaURL).toBe(officialAssertionsSchemaURL);
    expect(testRunSchemaURL).toBe(officialTestRunSchemaURL);
  });

  it('COMPLETE with the results: assertions per output (checks that ran), the test run facet (every check); valid against the official schemas', () => {
    const complete = events().complete();
    const event = withTestFacets(complete, report([orders, refunds]));
    expectValidRunEvent(event);
    expect(validateRunEvent(event)).toEqual([]);
    const facet = event.outputs[0]!.facets!.dataQualityAssertions!;
    expectValidAssertionsFacet(facet);
    expect(facet._producer).toBe(event.producer);
    expect(facet.assertions).toEqual([
      {
        assertion: 'output_exists',
        success: true,
        severity: 'error',
        name: 'output_exists',
        description: 'output_exists passed',
        expected: 'written',
        actual: '3',
      },
      {
        assertion: 'column_present',
        success: true,
        column: 'id',
        severity: 'error',
        name: 'column_present(id)',
        description: 'column_present passed',
        expected: 'present',
        actual: 'present',
      },
      {
        assertion: 'accepted_values',
        success: false,
        column: 'state',
        severity: 'error',
        name: 'accepted_values(state)',
        description: 'value <b> & "c" \u0001 not accepted',
        expected: '["a"]',
        actual: '1',
      },
    ]);
    // Nothing ran on refunds (unreadable): no assertions facet.
    expect(event.outputs[1]!.facets).not.toHaveProperty('dataQualityAssertions');
    const tests = (event.run.facets!.test as unknown as { tests: Array<{ name: string; status: string }> }).tests;
    expect(tests.map((t) => `${t.name} ${t.status}`)).toEqual([
      'orders: output_exists pass',
      'orders: column_present(id) pass',
      'orders: accepted_values(state) fail',
      'orders: unique(id) skip',
      'refunds: row_count fail',
    ]);
    // The original event is left as it was.
    expect(complete.run.facets).not.toHaveProperty('test');
  });

  it('no assertions facet for an output whose checks were all skipped', () => {
    expect(dataQualityAssertionsFacet([check({ name: 'unique', status: 'skipped' })], 'p')).toBeUndefined();
  });

  it('deferComplete holds COMPLETE back until release, passes every other event at once, and never drops it', async () => {
    const sent: RunEvent[] = [];
    const inner: LineageEmitter = {
      target: 'memory',
      emit: (e) => {
        sent.push(e);
        return Promise.resolve();
      },
      flush: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const run = events();
    const deferred = deferComplete(inner);
    await deferred.emit(run.start());
    await deferred.emit(run.complete());
    expect(sent.map((e) => e.eventType)).toEqual(['START']);
    expect(deferred.held?.eventType).toBe('COMPLETE');
    await deferred.release((e) => ({ ...e, eventTime: 'changed' }));
    expect(sent.map((e) => e.eventTime)).toEqual(['2024-05-01T10:00:00.000Z', 'changed']);
    await deferred.release();
    expect(sent).toHaveLength(2);

    const other = deferComplete(inner);
    await other.emit(run.complete());
    await other.close();
    expect(sent.map((e) => e.eventType)).toEqual(['START', 'COMPLETE', 'COMPLETE']);
    await other.emit(run.fail({ message: 'x' }));
    expect(sent.at(-1)!.eventType).toBe('FAIL');
  });
});
