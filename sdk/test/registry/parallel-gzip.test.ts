import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { deflateRawSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { defaultBlockBytes, ParallelGzip, type ParallelGzipOptions } from '../../src/registry/parallel-gzip';

const MiB = 1024 * 1024;
const B = defaultBlockBytes;

/** Deterministic pseudo-random bytes (a sha256 counter stream), so failures reproduce. */
function noise(length: number, seed = 'seed'): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0, at = 0; at < length; i++) at += createHash('sha256').update(`${seed}:${i}`).digest().copy(out, at);
  return out;
}

function text(length: number): Buffer {
  const lines: string[] = [];
  for (let i = 0, size = 0; size < length; i++) {
    const line = `${i},customer-${i % 977},${(i * 7919) % 100_000}.${i % 100},2024-01-${String((i % 28) + 1).padStart(2, '0')},ok\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, length);
}

function repeat(pattern: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; at += pattern.length) pattern.copy(out, at);
  return out;
}

/** Splits `input` into chunks of `chunkBytes` (the last one shorter). */
function chunks(input: Buffer, chunkBytes: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < input.length; at += chunkBytes) out.push(input.subarray(at, at + chunkBytes));
  return out;
}

async function gzip(
  input: Buffer,
  options: ParallelGzipOptions = {},
  chunkBytes = 64 * 1024,
): Promise<{ gz: Buffer; stats: ParallelGzip['stats'] }> {
  const compressor = new ParallelGzip(options);
  const parts: Buffer[] = [];
  await pipeline(Readable.from(chunks(input, chunkBytes)), compressor, async (source: AsyncIterable<Buffer>) => {
    for await (const part of source) parts.push(part);
  });
  return { gz: Buffer.concat(parts), stats: compressor.stats };
}

/** Runs the system gzip with `args`, `input` on stdin; resolves with its exit code and stdout. */
function systemGzip(args: string[], input: Buffer): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('gzip', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

async function expectRoundTrip(input: Buffer, gz: Buffer): Promise<void> {
  expect(gunzipSync(gz).equals(input)).toBe(true);
  const test = await systemGzip(['-t'], gz);
  expect(test.stderr).toBe('');
  expect(test.code).toBe(0);
  const decompressed = await systemGzip(['-dc'], gz);
  expect(decompressed.code).toBe(0);
  expect(decompressed.stdout.equals(input)).toBe(true);
}

describe('ParallelGzip', () => {
  const cases: [string, () => Buffer][] = [
    ['empty input', () => Buffer.alloc(0)],
    ['1 byte', () => Buffer.from('x')],
    ['exactly one block of random data', () => noise(B, 'one')],
    ['one block + 1 byte', () => noise(B + 1, 'one-plus')],
    ['one block - 1 byte', () => noise(B - 1, 'one-minus')],
    ['many blocks of random data (6.3 blocks)', () => noise(6 * B + 300 * 1024, 'many')],
    ['zeros (5 blocks exactly)', () => Buffer.alloc(5 * B)],
    ['repeated text (3.5 blocks)', () => text(3.5 * B)],
    ['compressible and random blocks mixed', () => Buffer.concat([text(B + 17), noise(2 * B, 'mixed'), Buffer.alloc(B / 2), text(B)])],
  ];

  it.each(cases)('%s: gunzip and the system gzip (-t, -dc) give the input back', async (_name, make) => {
    const input = make();
    const { gz, stats } = await gzip(input);
    await expectRoundTrip(input, gz);
    expect(stats.blocks).toBe(Math.max(1, Math.ceil(input.length / B)));
  });

  it('writes the gzip -n header (no name, mtime 0, OS 3) and the CRC-32 and length trailer', async () => {
    const input = text(3 * B + 5);
    const { gz } = await gzip(input);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    expect(gz.readUInt32LE(gz.length - 8)).toBe(gunzipCrc(input));
    expect(gz.readUInt32LE(gz.length - 4)).toBe(input.length);
    // XFL as zlib writes it: 2 at level 9, 4 at levels 0–1.
    expect((await gzip(input, { level: 9 })).gz[8]).toBe(2);
    expect((await gzip(input, { level: 1 })).gz[8]).toBe(4);
  });

  it('compresses compressible data well, with the dictionary carrying matches across block boundaries', async () => {
    const zeros = Buffer.alloc(8 * B);
    expect((await gzip(zeros)).gz.length).toBeLessThan(16 * 1024);
    const csv = text(4 * B);
    const { gz: csvGz, stats } = await gzip(csv);
    expect(stats.storedBlocks).toBe(0);
    // Within a few percent of one zlib stream over the whole input.
    expect(csvGz.length).toBeLessThan(deflateRawSync(csv, { level: 6 }).length * 1.05);

    // A random 20 KiB pattern repeated over 8 blocks: deflate can only compress it by referring
    // back up to 32 KiB, so without the previous block's tail every block would start with 20 KiB
    // of literals. With it, only the first occurrence is literal, as in one zlib stream.
    const pattern = noise(20 * 1024, 'pattern');
    const repeated = repeat(pattern, 8 * B);
    const { gz, stats: repeatedStats } = await gzip(repeated);
    await expectRoundTrip(repeated, gz);
    expect(repeatedStats.storedBlocks).toBe(0);
    const oneStream = deflateRawSync(repeated, { level: 6 }).length;
    expect(gz.length).toBeLessThan(oneStream + 1024);
    expect(gz.length).toBeLessThan(B / 8);
    const withoutDictionary = chunks(repeated, B).reduce((sum, block) => sum + deflateRawSync(block, { level: 6 }).length, 0);
    expect(withoutDictionary - gz.length).toBeGreaterThan(7 * pattern.length);
  });

  it('stores blocks that do not compress, and only those', async () => {
    const random = noise(4 * B + 123, 'store');
    const { gz, stats } = await gzip(random);
    expect(stats).toEqual({ blocks: 5, storedBlocks: 5 });
    // 5 bytes per stored block of ≤ 65,535 bytes, plus the 18 bytes of gzip header and trailer.
    expect(gz.length).toBe(random.length + 5 * (4 * Math.ceil(B / 65_535) + 1) + 18);
    await expectRoundTrip(random, gz);

    const mixed = Buffer.concat([noise(B, 'a'), text(B), noise(B, 'b')]);
    const mixedResult = await gzip(mixed);
    expect(mixedResult.stats).toEqual({ blocks: 3, storedBlocks: 2 });
    await expectRoundTrip(mixed, mixedResult.gz);

    const compressedAnyway = await gzip(random, { storeIncompressible: false });
    expect(compressedAnyway.stats.storedBlocks).toBe(0);
    await expectRoundTrip(random, compressedAnyway.gz);
  });

  it('stores everything at level 0, with stored blocks of its own that do not depend on zlib', async () => {
    const input = text(2 * B + 1);
    const { gz, stats } = await gzip(input, { level: 0 });
    expect(stats).toEqual({ blocks: 3, storedBlocks: 3 });
    expect(gz.length).toBe(input.length + 5 * (2 * Math.ceil(B / 65_535) + 1) + 18);
    await expectRoundTrip(input, gz);
    const empty = await gzip(Buffer.alloc(0), { level: 0 });
    expect([...empty.gz.subarray(10, 15)]).toEqual([1, 0, 0, 0xff, 0xff]);
    await expectRoundTrip(Buffer.alloc(0), empty.gz);
  });

  it('is deterministic: the same bytes whatever the blocks in flight, the input chunking or the run', async () => {
    const input = Buffer.concat([text(B + 999), noise(2 * B, 'det'), Buffer.alloc(B), repeat(noise(20 * 1024, 'p'), B + 7)]);
    const reference = (await gzip(input, { inFlight: 1 })).gz;
    await expectRoundTrip(input, reference);
    for (const [inFlight, chunkBytes] of [
      [1, 7_919],
      [4, 64 * 1024],
      [4, 3 * MiB],
      [2, 1],
      [16, B],
    ] as const) {
      if (chunkBytes === 1) {
        // One byte at a time is slow: check it on a shorter input against its own inFlight 1 run.
        const short = input.subarray(0, 100_000);
        const a = await gzip(short, { inFlight, blockBytes: 40_000 }, chunkBytes);
        const b = await gzip(short, { inFlight: 1, blockBytes: 40_000 }, 65_536);
        expect(a.gz.equals(b.gz)).toBe(true);
        continue;
      }
      const { gz } = await gzip(input, { inFlight }, chunkBytes);
      expect(sha(gz), `inFlight ${inFlight}, chunks of ${chunkBytes}`).toBe(sha(reference));
    }
    expect(sha((await gzip(input, { inFlight: 4 })).gz)).toBe(sha(reference));
  });

  it('handles block sizes below the 32 KiB window (the dictionary spans several blocks)', async () => {
    const input = Buffer.concat([text(100_000), noise(50_000, 'small'), text(70_000)]);
    for (const blockBytes of [1, 1000, 10_000, 32 * 1024]) {
      const one = await gzip(input.subarray(0, blockBytes === 1 ? 3000 : input.length), { blockBytes, inFlight: 1 }, 4096);
      const four = await gzip(input.subarray(0, blockBytes === 1 ? 3000 : input.length), { blockBytes, inFlight: 4 }, 777);
      expect(one.gz.equals(four.gz)).toBe(true);
      await expectRoundTrip(input.subarray(0, blockBytes === 1 ? 3000 : input.length), one.gz);
    }
  });

  it('refuses bad options', () => {
    expect(() => new ParallelGzip({ level: 10 })).toThrow(RangeError);
    expect(() => new ParallelGzip({ level: 1.5 })).toThrow(RangeError);
    expect(() => new ParallelGzip({ blockBytes: 0 })).toThrow(RangeError);
    expect(() => new ParallelGzip({ inFlight: 0 })).toThrow(RangeError);
  });

  it('passes an upstream failure on and stops', async () => {
    const failing = new Readable({
      read() {
        this.push(noise(B + 10, 'fail'));
        this.destroy(new Error('disk on fire'));
      },
    });
    const sink = async (source: AsyncIterable<Buffer>) => {
      for await (const _ of source) void _;
    };
    await expect(pipeline(failing, new ParallelGzip(), sink)).rejects.toThrow('disk on fire');
  });
});

function sha(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The CRC-32 gzip stores, computed independently of zlib.crc32 (bitwise, reflected 0xEDB88320). */
function gunzipCrc(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
