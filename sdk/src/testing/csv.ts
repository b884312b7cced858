/**
 * A streaming CSV parser (RFC 4180): comma-separated fields, double-quoted fields holding commas,
 * line breaks and doubled quotes (""), CRLF or LF line ends, a leading byte-order mark ignored.
 * An empty unquoted field is null (missing); a quoted empty field ("") is the empty string, as in
 * PostgreSQL's CSV format. Only the record being read is held in memory.
 */

/** One record: its fields and the line it starts on (1-based). */
export interface CsvRecord {
  fields: Array<string | null>;
  line: number;
}

export class CsvParser {
  private field = '';
  private fieldQuoted = false;
  private fieldStarted = false;
  private inQuotes = false;
  /** A quote inside a quoted field, not yet known to be a closing quote or the first half of "". */
  private quotePending = false;
  private fields: Array<string | null> = [];
  private line = 1;
  private recordLine = 1;
  private started = false;

  /** Feeds text; returns the records completed by it. */
  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let text = chunk;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (c === '"') {
            this.field += '"';
            continue;
          }
          this.inQuotes = false;
          // fall through: c is the character after the closing quote
        } else if (c === '"') {
          this.quotePending = true;
          continue;
        } else {
          if (c === '\n') this.line++;
          this.field += c;
          continue;
        }
      }
      if (c === ',') this.endField();
      else if (c === '\n') {
        this.endField();
        this.endRecord(out);
        this.line++;
        this.recordLine = this.line;
      } else if (c === '\r') {
        // CRLF (and a stray CR) ends nothing by itself: the LF does.
      } else if (c === '"' && !this.fieldStarted) {
        this.inQuotes = true;
        this.fieldQuoted = true;
        this.fieldStarted = true;
      } else {
        // Lenient: a quote inside an unquoted field, or text after a closing quote, is kept as text.
        this.field += c;
        this.fieldStarted = true;
      }
    }
    return out;
  }

  /** Ends the input: the last record, if it has no line break after it. */
  end(): CsvRecord[] {
    const out: CsvRecord[] = [];
    if (this.quotePending) {
      this.quotePending = false;
      this.inQuotes = false;
    }
    if (this.inQuotes) throw new Error(`line ${this.recordLine}: a quoted field is not closed before the end of the file`);
    if (this.fieldStarted || this.fields.length > 0) {
      this.endField();
      this.endRecord(out);
    }
    return out;
  }

  private endField(): void {
    this.fields.push(this.fieldQuoted ? this.field : this.field === '' ? null : this.field);
    this.field = '';
    this.fieldQuoted = false;
    this.fieldStarted = false;
  }

  private endRecord(out: CsvRecord[]): void {
    const fields = this.fields;
    this.fields = [];
    // A blank line is no record.
    if (fields.length === 1 && fields[0] === null) return;
    out.push({ fields, line: this.recordLine });
  }
}
