import { isMap, isScalar, LineCounter, parse, parseDocument, type Document, type Scalar } from 'yaml';
import { DataKitError } from '../core/errors';

/** What a packagedeployment.yaml pins: the three change together, by pull request. */
export interface ArtifactPin {
  version: string;
  digest: string;
  /** host/repository@sha256:… (what the controller pulls). */
  ref: string;
}

export interface ParsedDeployment extends ArtifactPin {
  name: string;
  cell: string | undefined;
}

const digestPattern = /^sha256:[0-9a-f]{64}$/;

/** A gitops file promotion cannot use, located (DK706). */
export class GitopsFileError extends DataKitError {
  constructor(file: string, message: string, line?: number, column?: number) {
    super('DK706', `${file}${line === undefined ? '' : `:${line}:${column ?? 1}`}: ${message}`, {
      hint: 'Correct the file on the default branch of the gitops repository (git history shows who changed it last).',
    });
  }
}

function parseYaml(text: string, file: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: false, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    const at = problem.linePos?.[0];
    throw new GitopsFileError(file, `not valid YAML: ${problem.message.split('\n')[0]}`, at?.line, at?.col);
  }
  return { doc, lines };
}

function locate(doc: Document, lines: LineCounter, path: readonly string[]): { line?: number; column?: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) {
      const pos = lines.linePos(range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return {};
}

function requireString(doc: Document, lines: LineCounter, file: string, path: readonly string[]): string {
  const value = doc.getIn(path);
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number') return String(value);
  const at = locate(doc, lines, path);
  throw new GitopsFileError(
    file,
    `${path.join('.')} ${value === undefined ? 'is missing' : 'must be a non-empty string'}`,
    at.line,
    at.column,
  );
}

/** Reads the pins of a packagedeployment.yaml, refusing anything promotion could not safely edit. */
export function parseDeployment(text: string, file: string): ParsedDeployment {
  const { doc, lines } = parseYaml(text, file);
  if (!isMap(doc.contents)) throw new GitopsFileError(file, 'expected a PackageDeployment mapping', 1, 1);
  const kind = doc.get('kind');
  if (kind !== 'PackageDeployment') {
    const at = locate(doc, lines, ['kind']);
    throw new GitopsFileError(file, `kind must be PackageDeployment (found ${JSON.stringify(kind ?? null)})`, at.line, at.column);
  }
  const name = requireString(doc, lines, file, ['spec', 'package', 'name']);
  const version = requireString(doc, lines, file, ['spec', 'package', 'version']);
  const digest = requireString(doc, lines, file, ['spec', 'package', 'digest']);
  const ref = requireString(doc, lines, file, ['spec', 'package', 'ref']);
  if (!digestPattern.test(digest)) {
    const at = locate(doc, lines, ['spec', 'package', 'digest']);
    throw new GitopsFileError(file, `spec.package.digest must be sha256:<64 hex> (found ${digest})`, at.line, at.column);
  }
  if (!ref.endsWith(`@${digest}`)) {
    const at = locate(doc, lines, ['spec', 'package', 'ref']);
    throw new GitopsFileError(file, `spec.package.ref must end with @${digest}, the pinned digest (found ${ref})`, at.line, at.column);
  }
  const cell = doc.getIn(['spec', 'cell']);
  return { name, version, digest, ref, cell: typeof cell === 'string' ? cell : undefined };
}

/** How a new value is written where an old scalar stood, in the old scalar's quoting style. */
function renderScalar(node: Scalar, value: string): string {
  if (node.type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  if (node.type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  // A plain scalar that YAML would read as something else (a number, a bool) gets quotes.
  return typeof parse(value) === 'string' && !/[:#]\s|^[-?:,[\]{}#&*!|>'"%@`]/.test(value) ? value : JSON.stringify(value);
}

/**
 * The same file pinning another artifact. Each pinned scalar is replaced in the source text at its
 * own range, so comments, spacing, quoting and key order stay exactly as the user wrote them; only
 * a missing key falls back to a structural edit.
 */
export function pinDeployment(text: string, file: string, pin: ArtifactPin, cell?: string): string {
  parseDeployment(text, file);
  const { doc } = parseYaml(text, file);
  const wanted: [readonly string[], string][] = [
    [['spec', 'package', 'version'], pin.version],
    [['spec', 'package', 'ref'], pin.ref],
    [['spec', 'package', 'digest'], pin.digest],
  ];
  if (cell !== undefined && doc.hasIn(['spec', 'cell'])) wanted.push([['spec', 'cell'], cell]);
  const inline = new Set(['PLAIN', 'QUOTE_SINGLE', 'QUOTE_DOUBLE']);
  const replacements: { start: number; end: number; text: string }[] = [];
  let structural = false;
  for (const [path, value] of wanted) {
    const node = doc.getIn(path, true);
    // Block scalars, empty values and non-scalars are rewritten through the document instead.
    if (!isScalar(node) || !node.range || node.range[1] <= node.range[0] || !inline.has(node.type ?? '')) {
      structural = true;
      break;
    }
    if (node.value === value) continue;
    replacements.push({ start: node.range[0], end: node.range[1], text: renderScalar(node, value) });
  }
  let out: string;
  if (structural) {
    for (const [path, value] of wanted) doc.setIn(path, value);
    out = doc.toString({ lineWidth: 0 });
  } else {
    out = text;
    for (const r of replacements.sort((a, b) => b.start - a.start)) out = out.slice(0, r.start) + r.text + out.slice(r.end);
  }
  // Never hand on an edit that does not say exactly what was asked.
  const check = parseDeployment(out, file);
  if (
    check.version !== pin.version ||
    check.digest !== pin.digest ||
    check.ref !== pin.ref ||
    (cell !== undefined && check.cell !== undefined && check.cell !== cell)
  ) {
    throw new GitopsFileError(
      file,
      `could not pin ${pin.version} (${pin.digest}) in this file without changing its meaning; edit it by hand`,
    );
  }
  return out;
}

export function namespaceFor(env: string, cell: string): string {
  return `datakit-${env}-${cell}`;
}

/** kustomization.yaml of envs/<env>/cells/<cell>/apps/<package>/ for a package entering a new env/cell. */
export function renderAppKustomization(env: string, cell: string, packageName: string): string {
  return `# envs/<env>/cells/<cell>/apps/<package>: one Argo CD Application (${env}-${cell}-${packageName}).
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${namespaceFor(env, cell)}
labels:
  - pairs:
      datakit.dev/package: ${packageName}
      datakit.dev/environment: ${env}
      datakit.dev/cell: ${cell}
      app.kubernetes.io/managed-by: datakit
    includeSelectors: false
resources:
  - packagedeployment.yaml
`;
}

/** packagedeployment.yaml for a package's first deployment anywhere: batch, run on change. */
export function renderDeployment(packageName: string, cell: string, pin: ArtifactPin): string {
  return `# Pinned by \`dk promote\`: version, ref and digest change together, by pull request.
apiVersion: datakit.dev/v1alpha1
kind: PackageDeployment
metadata:
  name: ${packageName}
spec:
  package:
    name: ${packageName}
    version: ${JSON.stringify(pin.version)}
    ref: ${pin.ref}
    digest: ${pin.digest}
  cell: ${cell}
  mode: batch
  timeout: 30m
`;
}

export function renderCellKustomization(env: string, cell: string): string {
  return `# The ${env}/${cell} namespace. Argo CD creates it on sync too (CreateNamespace=true); this file
# lets a cluster admin pre-create it with its labels: kubectl kustomize envs/${env}/cells/${cell}
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - namespace.yaml
`;
}

export function renderCellNamespace(env: string, cell: string): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${namespaceFor(env, cell)}
  labels:
    datakit.dev/environment: ${env}
    datakit.dev/cell: ${cell}
    app.kubernetes.io/managed-by: datakit
`;
}
