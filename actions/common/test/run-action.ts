/**
 * Runs a bundled action the way a GitHub runner does: `node dist/index.js` in a child process,
 * with inputs as INPUT_<NAME> variables (action.yml defaults filled in, dashes kept), and
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY pointing at files.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

export interface ActionRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Values written to GITHUB_OUTPUT. */
  outputs: Record<string, string>;
  /** GITHUB_OUTPUT as written, to check that nothing secret went there. */
  outputFile: string;
  /** What was written to GITHUB_STEP_SUMMARY. */
  summary: string;
}

export interface ActionMetadata {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string };
}

export interface RunActionOptions {
  /** GITHUB_WORKSPACE, and the working directory unless `cwd` says otherwise. */
  workspace: string;
  inputs?: Record<string, string>;
  cwd?: string;
  /** More environment variables (GITHUB_SHA, …); they win over the defaults. */
  env?: Record<string, string>;
  /** What `${{ github.token }}` in an input's default evaluates to (default: empty). */
  githubToken?: string;
}

export async function actionMetadata(actionDir: string): Promise<ActionMetadata> {
  return parse(await readFile(path.join(actionDir, 'action.yml'), 'utf8')) as ActionMetadata;
}

/** The only expression the actions use in defaults; the runner evaluates it before the step starts. */
function evaluateDefault(value: string, githubToken: string): string {
  return value.replace(/\$\{\{\s*github\.token\s*\}\}/g, githubToken);
}

export async function runAction(actionDir: string, options: RunActionOptions): Promise<ActionRun> {
  const metadata = await actionMetadata(actionDir);
  const files = await mkdtemp(path.join(tmpdir(), 'dk-action-runner-'));
  try {
    const outputFile = path.join(files, 'output');
    const summaryFile = path.join(files, 'summary');
    await writeFile(outputFile, '');
    await writeFile(summaryFile, '');
    const given = options.inputs ?? {};
    for (const name of Object.keys(given)) {
      if (!(name in metadata.inputs)) throw new Error(`action.yml declares no input ${name}`);
    }
    const inputEnv: Record<string, string> = {};
    for (const [name, input] of Object.entries(metadata.inputs)) {
      const value = given[name] ?? evaluateDefault(input.default ?? '', options.githubToken ?? '');
      inputEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
    }
    const env = {
      PATH: process.env.PATH ?? '',
      GITHUB_WORKSPACE: options.workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...inputEnv,
      ...options.env,
    };
    const main = path.join(actionDir, metadata.runs.main);
    const { exitCode, stdout, stderr } = await new Promise<{ exitCode: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, [main], { cwd: options.cwd ?? options.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
        child.on('error', reject);
        child.on('close', (code) => resolve({ exitCode: code, stdout: out, stderr: err }));
      },
    );
    const output = await readFile(outputFile, 'utf8');
    return { exitCode, stdout, stderr, outputs: parseOutputFile(output), outputFile: output, summary: await readFile(summaryFile, 'utf8') };
  } finally {
    await rm(files, { recursive: true, force: true });
  }
}

/** GITHUB_OUTPUT holds `name<<DELIMITER\nvalue\nDELIMITER` blocks (and possibly `name=value` lines). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i]!);
      outputs[name!] = value.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
  /** The line as printed. */
  raw: string;
}

/** Workflow commands (`::error file=…,line=…::message`) printed on stdout, unescaped. */
export function workflowCommands(stdout: string, command?: string): WorkflowCommand[] {
  const unescape = (s: string) =>
    s.replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  const found: WorkflowCommand[] = [];
  for (const raw of stdout.split(/\r?\n/)) {
    const match = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(raw);
    if (!match || (command !== undefined && match[1] !== command)) continue;
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      properties[pair.slice(0, eq)] = unescape(pair.slice(eq + 1));
    }
    found.push({ command: match[1]!, properties, message: unescape(match[3]!), raw });
  }
  return found;
}

/** No stack trace anywhere, and nothing on stderr: failures are reported as workflow commands. */
export function stackTraceProblems(run: ActionRun): string[] {
  const problems: string[] = [];
  const all = run.stdout + run.stderr;
  if (/^\s+at .+:\d+:\d+\)?$/m.test(all)) problems.push('a stack trace line');
  if (/%0A\s+at /.test(all)) problems.push('a stack trace in a workflow command');
  if (run.stderr !== '') problems.push(`stderr: ${run.stderr}`);
  return problems;
}
