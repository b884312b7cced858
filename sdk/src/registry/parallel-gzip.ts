import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { constants, crc32, deflateRaw } from 'node:zlib';

/**
 * A deterministic parallel gzip compressor, in the manner of pigz: one gzip member whose deflate
 * data is made of independently compressed blocks.
 *
 * - The input is cut into blocks of `blockBytes` (1 MiB). The cut points depend only on the
 *   input's length, never on how it arrives in chunks: a block is sent off once the byte after it
 *   has arrived, so the last block is the rest (1 to blockBytes bytes; none for empty input).
 * - Each block is raw deflate on the libuv pool, primed with the 32 KiB of input before it as the
 *   dictionary (so matches reach across block boundaries as in one stream), ended with
 *   Z_SYNC_FLUSH (byte-aligned, not final); the last block ends with Z_FINISH.
 * - A block that does not compress is written as stored deflate blocks instead (5 bytes of header
 *   per 65,535 bytes), which we encode ourselves. The choice depends only on the block's bytes:
 *   a level-1 trial of a 64 KiB sample (4 slices of 16 KiB, spread over the block) that saves
 *   less than 2% stores the block without compressing it; otherwise the block is compressed and
 *   stored anyway if that came out larger than storing it.
 * - The header is `gzip -n`'s (no name, mtime 0, OS 3 = Unix), the trailer the CRC-32 of the whole
 *   input (zlib.crc32, running over the blocks in order) and its length mod 2^32.
 *
 * Determinism: the output is a function of the input bytes and of (level, blockBytes,
 * storeIncompressible) only. How many blocks are in flight, the machine's core count and the
 * order in which the pool finishes change nothing: outputs are written in block order, and every
 * zlib call gets a fixed output buffer size (larger than any block's output, so zlib never sees a
 * full output buffer, which is where its flush output could otherwise differ). The deflate bytes
 * still depend on the zlib bundled with Node, as they always did.
 *
 * Memory: at most `inFlight` blocks are being compressed while one more fills. Each holds its
 * input (blockBytes), a zlib state (about 270 KiB at the default memLevel), an output buffer of
 * blockBytes + 64 KiB and the 32 KiB dictionary: with the defaults (4 in flight, 1 MiB blocks)
 * about 5 × 2.4 MiB ≈ 12 MiB, plus what the readable side buffers (Transform backpressure: the
 * next chunk is not taken while it is over its high-water mark).
 */

/** Bytes per block: the unit of parallel work, and part of the output's bytes. */
export const defaultBlockBytes = 1024 * 1024;

/** libuv's default thread pool size (UV_THREADPOOL_SIZE, where zlib's async work runs). */
const libuvPoolSize = 4;

const windowBytes = 32 * 1024;
const maxStoredBytes = 65_535;
const probeSlices = 4;
const probeSliceBytes = 16 * 1024;
const probeOutputBytes = 2 * probeSlices * probeSliceBytes;

const deflateRawAsync = promisify(deflateRaw);

export interface ParallelGzipOptions {
  /** zlib level 0–9, default 6. Level 0 stores every block. */
  level?: number;
  /** Block size, default 1 MiB. Part of the output: the same size gives the same bytes. */
  blockBytes?: number;
  /**
   * Blocks compressed at the same time (a memory bound, not part of the output). Default: 4,
   * libuv's default pool size; callers that enlarge the pool may pass more.
   */
  inFlight?: number;
  /** Store blocks that do not compress (see above), default true. Part of the output. */
  storeIncompressible?: boolean;
}

/** A Transform from bytes to one gzip member, compressed a block at a time on the libuv pool. */
export class ParallelGzip extends Transform {
  readonly level: number;
  readonly blockBytes: number;
  readonly inFlight: number;
  readonly storeIncompressible: boolean;
  /** Fixed, whatever the block: see "Determinism" above. */
  readonly #outputChunkBytes: number;

  #block: Buffer | undefined;
  #filled = 0;
  /** The last ≤ 32 KiB of the input sent off so far: the next block's dictionary. */
  #window: Buffer = Buffer.alloc(0);
  #crc = 0;
  #inputBytes = 0;
  #headerSent = false;
  /** Blocks in flight, oldest first; each resolves to its deflate bytes. */
  #queue: Promise<Buffer>[] = [];
  #blocks = 0;
  #storedBlocks = 0;

  constructor(options: ParallelGzipOptions = {}) {
    super();
    const level = options.level ?? 6;
    const blockBytes = options.blockBytes ?? defaultBlockBytes;
    const inFlight = options.inFlight ?? defaultInFlight();
    if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`level must be 0–9, got ${level}`);
    if (!Number.isInteger(blockBytes) || blockBytes < 1 || blockBytes > 64 * 1024 * 1024) {
      throw new RangeError(`blockBytes must be 1 B–64 MiB, got ${blockBytes}`);
    }
    if (!Number.isInteger(inFlight) || inFlight < 1) throw new RangeError(`inFlight must be a positive integer, got ${inFlight}`);
    this.level = level;
    this.blockBytes = blockBytes;
    this.inFlight = inFlight;
    this.storeIncompressible = options.storeIncompressible ?? true;
    this.#outputChunkBytes = blockBytes + 64 * 1024;
  }

  /** Blocks written so far, and how many of them were stored; complete once the stream has ended. */
  get stats(): { blocks: number; storedBlocks: number } {
    return { blocks: this.#blocks, storedBlocks: this.#storedBlocks };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    settle(async () => {
      this.#sendHeader();
      let offset = 0;
      while (offset < chunk.length) {
        if (this.#filled === this.blockBytes) await this.#dispatch(false);
        this.#block ??= Buffer.allocUnsafe(this.blockBytes);
        const end = Math.min(chunk.length, offset + this.blockBytes - this.#filled);
        this.#filled += chunk.copy(this.#block, this.#filled, offset, end);
        offset = end;
      }
    }, callback);
  }

  override _flush(callback: TransformCallback): void {
    settle(async () => {
      this.#sendHeader();
      await this.#dispatch(true);
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(this.#crc >>> 0, 0);
      trailer.writeUInt32LE(this.#inputBytes % 2 ** 32, 4);
      this.push(trailer);
    }, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Blocks still on the pool finish there; their results (and failures) are dropped.
    this.#queue = [];
    this.#block = undefined;
    callback(error);
  }

  #sendHeader(): void {
    if (this.#headerSent) return;
    this.#headerSent = true;
    // XFL as zlib writes it (2: level 9, 4: level 0–1, else 0); mtime 0 and OS 3 (Unix) as `gzip -n`
    // on Linux, on every platform (zlib would write the build machine's: 19 on macOS, 10 on Windows).
    const xfl = this.level === 9 ? 2 : this.level < 2 ? 4 : 0;
    this.push(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]));
  }

  /** Sends the filled block off; waits until fewer than `inFlight` blocks are in flight (none if last). */
  async #dispatch(last: boolean): Promise<void> {
    const block = this.#block ? this.#block.subarray(0, this.#filled) : Buffer.alloc(0);
    this.#block = undefined;
    this.#filled = 0;
    this.#crc = crc32(block, this.#crc);
    this.#inputBytes += block.length;
    const dictionary = this.#window;
    this.#window = slideWindow(dictionary, block);
    const job = this.#encode(block, dictionary, last);
    // A failure is reported when its turn comes; this only keeps a dropped one from being unhandled.
    job.catch(() => undefined);
    this.#queue.push(job);
    const keep = last ? 0 : this.inFlight - 1;
    while (this.#queue.length > keep) {
      const output = await this.#queue.shift()!;
      if (this.destroyed) return;
      this.push(output);
    }
  }

  async #encode(block: Buffer, dictionary: Buffer, last: boolean): Promise<Buffer> {
    this.#blocks++;
    if (this.level === 0 || (this.storeIncompressible && (await incompressible(block)))) {
      this.#storedBlocks++;
      return storedBlocks(block, last);
    }
    const deflated = await deflateRawAsync(block, {
      level: this.level,
      chunkSize: this.#outputChunkBytes,
      finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
      ...(dictionary.length > 0 ? { dictionary } : {}),
    });
    if (this.storeIncompressible && deflated.length > storedLength(block.length)) {
      this.#storedBlocks++;
      return storedBlocks(block, last);
    }
    return deflated;
  }
}

/** A ParallelGzip with these options. */
export function createParallelGzip(options: ParallelGzipOptions = {}): ParallelGzip {
  return new ParallelGzip(options);
}

function defaultInFlight(): number {
  return libuvPoolSize;
}

function settle(work: () => Promise<void>, callback: TransformCallback): void {
  work().then(
    () => callback(),
    (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
  );
}

/** The last ≤ 32 KiB of `window` followed by `block`, in a buffer of its own. */
function slideWindow(window: Buffer, block: Buffer): Buffer {
  if (block.length >= windowBytes) return Buffer.from(block.subarray(block.length - windowBytes));
  const joined = Buffer.concat([window, block]);
  return joined.length > windowBytes ? Buffer.from(joined.subarray(joined.length - windowBytes)) : joined;
}

/** True when a level-1 trial of a sample of the block saves less than 2%. */
async function incompressible(block: Buffer): Promise<boolean> {
  let sample = block;
  if (block.length > probeSlices * probeSliceBytes) {
    const step = Math.floor((block.length - probeSliceBytes) / (probeSlices - 1));
    sample = Buffer.concat(Array.from({ length: probeSlices }, (_, i) => block.subarray(i * step, i * step + probeSliceBytes)));
  }
  if (sample.length === 0) return false;
  const trial = await deflateRawAsync(sample, { level: 1, chunkSize: probeOutputBytes });
  return trial.length * 50 >= sample.length * 49;
}

function storedLength(bytes: number): number {
  return bytes + 5 * Math.max(1, Math.ceil(bytes / maxStoredBytes));
}

/** The block as stored deflate blocks (byte-aligned, since every block before ends aligned); BFINAL on the last if `last`. */
function storedBlocks(block: Buffer, last: boolean): Buffer {
  const out = Buffer.allocUnsafe(storedLength(block.length));
  let at = 0;
  let start = 0;
  do {
    const length = Math.min(maxStoredBytes, block.length - start);
    const final = last && start + length === block.length;
    out[at] = final ? 1 : 0;
    out.writeUInt16LE(length, at + 1);
    out.writeUInt16LE(length ^ 0xffff, at + 3);
    block.copy(out, at + 5, start, start + length);
    at += 5 + length;
    start += length;
  } while (start < block.length);
  return out;
}
