import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { createIssue, type Issue, type Location } from '../core/issue';
import { formatPath } from '../core/issue';

export type DocumentPath = readonly (string | number)[];

/** One YAML document of a file, its plain value and a way back from a field path to its position. */
export interface ParsedDocument {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  value: unknown;
  /** Position of the field at `path`, or of its nearest existing parent. */
  locate(path: DocumentPath): Location;
}

export interface ParseResult {
  documents: ParsedDocument[];
  issues: Issue[];
}

/** Aliases are legitimate in small numbers; an expanded size above this is an alias bomb. */
const maxAliasCount = 100;

/**
 * Parses every document of a YAML file. Syntax errors and duplicate keys become located issues;
 * alias bombs are refused without being expanded.
 */
export function parseYamlDocuments(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const issues: Issue[] = [];
  const documents: ParsedDocument[] = [];
  let yamlDocs: Document.Parsed[];
  try {
    yamlDocs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, merge: false }) as Document.Parsed[];
  } catch (error) {
    issues.push(createIssue('DK100', `cannot parse YAML: ${(error as Error).message}`, { file, line: 1, column: 1 }));
    return { documents, issues };
  }
  if (!Array.isArray(yamlDocs)) yamlDocs = [yamlDocs];
  const position = (offset: number): { line: number; column: number } => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };

  yamlDocs.forEach((doc, index) => {
    const docIssues: Issue[] = [];
    for (const error of doc.errors) {
      const pos = position(Math.min(openingOffset(text, error.message, error.pos[0]), Math.max(0, text.trimEnd().length - 1)));
      const duplicate = error.code === 'DUPLICATE_KEY';
      docIssues.push(createIssue(duplicate ? 'DK101' : 'DK100', cleanYamlMessage(error.message), { file, ...pos }));
    }
    if (docIssues.length > 0) {
      issues.push(...docIssues);
      return;
    }
    if (doc.contents === null && yamlDocs.length > 1) return; // an empty document between separators
    const aliasOffset = firstAliasOffset(doc);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (error) {
      const pos = position(aliasOffset ?? 0);
      const message =
        error instanceof ReferenceError && /alias/i.test(error.message)
          ? `refusing to expand YAML aliases: more than ${maxAliasCount} aliased nodes (an alias bomb?)`
          : `cannot read YAML: ${(error as Error).message}`;
      issues.push(createIssue(error instanceof ReferenceError ? 'DK117' : 'DK100', message, { file, ...pos }));
      return;
    }
    documents.push({
      file,
      index,
      value,
      locate: (path) => locateInDocument(doc, path, position, file),
    });
  });
  return { documents, issues };
}

/**
 * The parser reports an unclosed bracket or quote where it noticed it (often the next line); the
 * user's mistake is the opening character, so point there.
 */
function openingOffset(text: string, message: string, offset: number): number {
  const bracket = /end with a ([\]}])/.exec(message)?.[1];
  if (bracket) {
    const open = bracket === ']' ? '[' : '{';
    let depth = 0;
    for (let i = Math.min(offset, text.length) - 1; i >= 0; i--) {
      const c = text[i];
      if (c === bracket) depth++;
      else if (c === open && depth-- === 0) return i;
    }
  }
  const quote = /Missing closing (["'])quote/.exec(message)?.[1];
  if (quote) {
    const i = text.lastIndexOf(quote, offset - 1);
    if (i !== -1) return i;
  }
  return offset;
}

function cleanYamlMessage(message: string): string {
  // The yaml library appends " at line X, column Y" and a code excerpt; our location says it.
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function firstAliasOffset(doc: Document.Parsed): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

function locateInDocument(
  doc: Document.Parsed,
  path: DocumentPath,
  position: (offset: number) => { line: number; column: number },
  file: string,
): Location {
  let node: unknown = doc.contents;
  let found: YamlNode | undefined = doc.contents ?? undefined;
  let keyNode: YamlNode | undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      keyNode = pair.key as YamlNode;
      node = pair.value;
      found = (pair.value as YamlNode | null) ?? keyNode;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      keyNode = undefined;
      node = item;
      found = item as YamlNode;
    } else {
      break;
    }
  }
  const anchor = keyNode ?? found;
  const range = anchor?.range;
  if (!range) return { file, line: 1, column: 1, path: formatPath(path) };
  const start = position(range[0]);
  const endNode = isCollection(found) ? anchor : found;
  const end = position(endNode?.range?.[1] ?? range[1]);
  return { file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column, path: formatPath(path) };
}
