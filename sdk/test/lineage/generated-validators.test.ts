import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openLineageFacets } from '../../src/lineage/generated/openlineage-validators.js';
import { officialFacetKeys } from '../helpers/lineage';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../../..');
const temp: string[] = [];
afterAll(() => Promise.all(temp.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('precompiled OpenLineage validators', () => {
  it('are what the official schemas in ../shared compile to', async () => {
    await expect(run(process.execPath, ['sdk/scripts/generate-lineage-validators.mjs', '--check'], { cwd: repo })).resolves.toBeDefined();
  });

  it('cover each facet DataKit emits, under the key its official file gives it', () => {
    for (const { key, base } of Object.values(openLineageFacets)) expect(officialFacetKeys(base), `${base} ${key}`).toContain(key);
    expect(Object.values(openLineageFacets).map((f) => f.key)).toEqual([
      'schema',
      'tags',
      'columnLineage',
      'dataSource',
      'ownership',
      'documentation',
      'errorMessage',
      'parent',
      'nominalTime',
      'processing_engine',
      'jobType',
      'documentation',
      'ownership',
      'dataQualityAssertions',
      'test',
    ]);
  });

  it('work bundled by esbuild into one ESM file, run away from node_modules', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dk-lineage-bundle-'));
    temp.push(dir);
    const entry = path.join(dir, 'entry.ts');
    const lineage = path.join(repo, 'sdk/src/lineage/index.ts');
    await writeFile(
      entry,
      `import { createRunEvents, validateRunEvent } from ${JSON.stringify(lineage)};
const job = { name: 'j', namespace: 'ns', mode: 'batch', inputs: [], outputs: [{ name: 'o', table: 's.t', store: { name: 'w', type: 'postgres', connection: { host: 'h', database: 'd' } } }] };
const event = createRunEvents({ job, clock: { now: () => new Date() }, datakitVersion: '0.1.0' }).start();
const broken = { ...event, eventTime: 'yesterday' };
console.log(JSON.stringify({ valid: validateRunEvent(event), broken: validateRunEvent(broken) }));
`,
    );
    const out = path.join(dir, 'bundle.mjs');
    await run(
      path.join(repo, 'node_modules/.bin/esbuild'),
      [
        entry,
        '--bundle',
        '--platform=node',
        '--format=esm',
        `--outfile=${out}`,
        '--log-level=error',
        "--banner:js=import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      ],
      { cwd: repo },
    );
    const { stdout } = await run(process.execPath, [out], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({ valid: [], broken: [{ path: 'eventTime', message: 'must match format "date-time"' }] });
  });
});
