import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import { systemErrorCode } from '../core/errors';
import { createIssue, type Issue } from '../core/issue';

/** Manifests are small; anything larger is refused before it is read. */
export const maxManifestBytes = 4 * 1024 * 1024;

export type TextFileResult = { ok: true; text: string } | { ok: false; issue: Issue; io: boolean };

/**
 * Reads a manifest as UTF-8 text, refusing (with a located issue, never a throw) files that are
 * too large, binary, not UTF-8 or unreadable.
 */
export async function readTextFile(file: string, limit = maxManifestBytes): Promise<TextFileResult> {
  let buffer: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > limit) {
        return {
          ok: false,
          io: false,
          issue: createIssue(
            'DK115',
            `file is ${formatBytes(size)}, over the ${formatBytes(limit)} limit for a manifest; it was not read`,
            { file, line: 1, column: 1 },
          ),
        };
      }
      buffer = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = systemErrorCode(error);
    const reason =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'ENOENT'
            ? 'it does not exist (a dangling link?)'
            : code === 'ELOOP'
              ? 'too many levels of symbolic links'
              : (code ?? String(error));
    return { ok: false, io: true, issue: createIssue('DK503', `cannot read file: ${reason}`, { file }) };
  }
  if (buffer.length > limit) {
    return {
      ok: false,
      io: false,
      issue: createIssue('DK115', `file is over the ${formatBytes(limit)} limit for a manifest`, { file }),
    };
  }
  const nul = buffer.indexOf(0);
  if (nul !== -1) {
    return {
      ok: false,
      io: false,
      issue: createIssue('DK116', 'binary file (it contains NUL bytes)', { file, ...positionOfByte(buffer, nul) }),
    };
  }
  const bad = isUtf8(buffer) ? -1 : firstInvalidUtf8Byte(buffer);
  if (bad !== -1) {
    const pos = positionOfByte(buffer, bad);
    return {
      ok: false,
      io: false,
      issue: createIssue(
        'DK116',
        `not valid UTF-8: byte 0x${buffer[bad]!.toString(16).padStart(2, '0')} at line ${pos.line}, column ${pos.column}`,
        { file, ...pos },
      ),
    };
  }
  let text = buffer.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ok: true, text };
}

function positionOfByte(buffer: Buffer, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (buffer[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Index of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let needed: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      needed = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      needed = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      needed = 3;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + needed >= n) return i;
    let cp = b & (0x3f >> needed);
    for (let k = 1; k <= needed; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += needed + 1;
  }
  return -1;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
