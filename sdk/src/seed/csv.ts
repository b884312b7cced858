/**
 * CSV as seed files use it (RFC 4180): a header row, comma-separated fields, fields quoted with
 * `"` (a quote inside doubled), CRLF or LF line ends, quoted fields may span lines. A field left
 * empty without quotes is a null; `""` is the empty string. Blank lines are skipped.
 */

export interface CsvCell {
  /** null for an unquoted empty field. */
  value: string | null;
  /** 1-based line and column where the field starts. */
  line: number;
  column: number;
}

export interface CsvRecord {
  cells: CsvCell[];
  /** 1-based line where the record starts. */
  line: number;
}

/** A malformed CSV file: where and what. */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

/** Every record of `text`, the header included. Throws CsvSyntaxError at the first malformed field. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = i;
  const n = text.length;
  while (i < n) {
    // Skip a blank line.
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')) {
      i += text[i] === '\r' ? 2 : 1;
      line++;
      lineStart = i;
      continue;
    }
    const record: CsvRecord = { cells: [], line };
    for (;;) {
      const cellLine = line;
      const cellColumn = i - lineStart + 1;
      let value: string | null;
      if (text[i] === '"') {
        let out = '';
        let j = i + 1;
        for (;;) {
          if (j >= n) throw new CsvSyntaxError('a quoted field is never closed (missing ")', cellLine, cellColumn);
          const c = text[j]!;
          if (c === '"') {
            if (text[j + 1] === '"') {
              out += '"';
              j += 2;
              continue;
            }
            j++;
            break;
          }
          if (c === '\n') {
            line++;
            lineStart = j + 1;
          }
          out += c;
          j++;
        }
        i = j;
        value = out;
        if (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          throw new CsvSyntaxError(
            `unexpected ${JSON.stringify(text[i])} after a closing quote (a quote inside a field must be doubled: "")`,
            line,
            i - lineStart + 1,
          );
        }
      } else {
        let j = i;
        while (j < n && text[j] !== ',' && text[j] !== '\n' && !(text[j] === '\r' && text[j + 1] === '\n')) {
          if (text[j] === '"') {
            throw new CsvSyntaxError(
              'a quote inside an unquoted field (quote the whole field and double the quote: "a ""b""")',
              line,
              j - lineStart + 1,
            );
          }
          j++;
        }
        value = j === i ? null : text.slice(i, j);
        i = j;
      }
      record.cells.push({ value, line: cellLine, column: cellColumn });
      if (i >= n) break;
      if (text[i] === ',') {
        i++;
        continue;
      }
      // End of the record.
      i += text[i] === '\r' ? 2 : 1;
      line++;
      lineStart = i;
      break;
    }
    records.push(record);
  }
  return records;
}

/** One CSV field: quoted when it must be (separator, quote, line break, surrounding space) or is empty. */
export function formatCsvField(value: string | null): string {
  if (value === null) return '';
  if (value === '' || /[",\r\n]/.test(value) || value.trim() !== value) return `"${value.replace(/"/g, '""')}"`;
  return value;
}
