/**
 * JUnit XML (the Ant/Surefire dialect that CI systems read): one <testsuite> per output DataSet,
 * one <testcase> per check; failed checks carry <failure>, unreadable outputs <error>, checks that
 * could not run <skipped>. A transform that failed adds a suite of its own with one failing case.
 */
import { checkLabel, type CheckResult, type DataSetTestResult, type TestReport } from './results';

/** Removes what XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF). */
function xmlText(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const allowed =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      (code >= 0x10000 && code <= 0x10ffff);
    out += allowed ? char : '\uFFFD';
  }
  return out;
}

/** Escapes text for an element's content. */
export function escapeXmlText(text: string): string {
  return xmlText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes text for a double-quoted attribute value (line breaks kept as character references). */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function attributes(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXmlAttribute(String(value))}"`)
    .join('');
}

function details(check: CheckResult): string {
  return [
    check.message,
    check.expected !== undefined ? `expected: ${check.expected}` : undefined,
    check.observed !== null ? `observed: ${check.observed}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
}

function testcase(check: CheckResult, classname: string): string {
  const open = `    <testcase${attributes({ name: checkLabel(check), classname, time: seconds(0) })}`;
  switch (check.status) {
    case 'passed':
      return `${open}/>`;
    case 'skipped':
      return `${open}>\n      <skipped${attributes({ message: check.message })}/>\n    </testcase>`;
    case 'failed':
      return `${open}>\n      <failure${attributes({ message: check.message, type: check.name })}>${escapeXmlText(details(check))}</failure>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error${attributes({ message: check.message, type: check.name })}>${escapeXmlText(details(check))}</error>\n    </testcase>`;
  }
}

function suite(report: TestReport, result: DataSetTestResult): string {
  const count = (status: CheckResult['status']) => result.checks.filter((c) => c.status === status).length;
  const classname = `${report.packageName}.${result.dataset}`;
  return [
    `  <testsuite${attributes({
      name: result.dataset,
      tests: result.checks.length,
      failures: count('failed'),
      errors: count('error'),
      skipped: count('skipped'),
      time: seconds(result.durationMs),
      timestamp: report.startedAt,
    })}>`,
    `    <properties>`,
    `      <property${attributes({ name: 'location', value: result.location })}/>`,
    ...(result.rows !== undefined ? [`      <property${attributes({ name: 'rows', value: result.rows })}/>`] : []),
    `      <property${attributes({ name: 'runId', value: report.runId })}/>`,
    `    </properties>`,
    ...result.checks.map((check) => testcase(check, classname)),
    `  </testsuite>`,
  ].join('\n');
}

function transformSuite(report: TestReport): string {
  const { transform } = report;
  const tag = transform.status === 'aborted' ? 'error' : 'failure';
  const message = transform.message ?? `the transform ${transform.status === 'aborted' ? 'was interrupted' : 'failed'}`;
  return [
    `  <testsuite${attributes({
      name: report.packageName,
      tests: 1,
      failures: tag === 'failure' ? 1 : 0,
      errors: tag === 'error' ? 1 : 0,
      skipped: 0,
      time: seconds(transform.durationMs ?? 0),
      timestamp: report.startedAt,
    })}>`,
    `    <testcase${attributes({ name: 'run', classname: report.packageName, time: seconds(transform.durationMs ?? 0) })}>`,
    `      <${tag}${attributes({ message, type: 'transform' })}>${escapeXmlText(message)}</${tag}>`,
    `    </testcase>`,
    `  </testsuite>`,
  ].join('\n');
}

/** The report as a JUnit XML document. */
export function junitXml(report: TestReport): string {
  const failedRun = report.transform.status !== 'completed';
  const { counts } = report;
  const root = attributes({
    name: `dk test ${report.packageName}`,
    tests: counts.total + (failedRun ? 1 : 0),
    failures: counts.failed + (report.transform.status === 'failed' ? 1 : 0),
    errors: counts.errors + (report.transform.status === 'aborted' ? 1 : 0),
    skipped: counts.skipped,
    time: seconds(report.durationMs),
    timestamp: report.startedAt,
  });
  const suites = [...(failedRun ? [transformSuite(report)] : []), ...report.datasets.map((d) => suite(report, d))];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${root}>\n${suites.map((s) => `${s}\n`).join('')}</testsuites>\n`;
}
