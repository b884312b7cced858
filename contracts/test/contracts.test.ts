import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { codes, kinds, schemasByKind } from '../src/index';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');

describe('one source of truth', () => {
  it('the committed TypeScript types are what the schemas generate', async () => {
    await expect(run(process.execPath, ['contracts/scripts/generate-types.mjs', '--check'], { cwd: repo })).resolves.toBeDefined();
  });

  it('the committed precompiled validators are what the schemas compile to', async () => {
    await expect(run(process.execPath, ['sdk/scripts/generate-validators.mjs', '--check'], { cwd: repo })).resolves.toBeDefined();
  });

  it('the gitops template dk gitops init scaffolds is the reference gitops/ folder', async () => {
    await expect(run(process.execPath, ['sdk/scripts/generate-gitops-template.mjs', '--check'], { cwd: repo })).resolves.toBeDefined();
  });
});

describe('OpenLineage validators', () => {
  it('the committed OpenLineage validators are what the official schemas compile to', async () => {
    await expect(run(process.execPath, ['sdk/scripts/generate-lineage-validators.mjs', '--check'], { cwd: repo })).resolves.toBeDefined();
  });
});

describe('schemas', () => {
  it('publishes one draft 2020-12 schema per kind, with a stable $id', () => {
    for (const kind of kinds) {
      const schema = schemasByKind[kind] as { $schema: string; $id: string; properties: { kind: { const: string } } };
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$id).toMatch(/^https:\/\/datakit\.dev\/schemas\/v1alpha1\/[a-z]+\.schema\.json$/);
      expect(schema.properties.kind.const).toBe(kind);
    }
  });

  it('accepts both the new and the existing apiVersion group', async () => {
    const common = JSON.parse(await readFile(path.join(repo, 'contracts/schemas/common.schema.json'), 'utf8'));
    expect(common.$defs.apiVersion.enum).toEqual(['datakit.dev/v1alpha1', 'datakit.infoblox.dev/v1alpha1']);
  });
});

describe('error-code catalogue', () => {
  const entries = Object.entries(codes);

  it('documents every code with a title, an explanation and a fix', () => {
    for (const [code, info] of entries) {
      expect(code).toMatch(/^DK[1-8]\d\d$/);
      expect(info.title.length, code).toBeGreaterThan(3);
      expect(info.explanation.length, code).toBeGreaterThan(20);
      expect(info.fix.length, code).toBeGreaterThan(5);
      expect(['error', 'warning', 'info']).toContain(info.severity);
    }
  });

  it('keeps each family in its range', () => {
    const family = (code: string) => Number(code[2]);
    expect(entries.filter(([c]) => family(c) === 1).every(([, i]) => !/reference|PII/i.test(i.title))).toBe(true);
    expect(entries.some(([c]) => family(c) === 2)).toBe(true);
    expect(
      entries
        .filter(([c]) => family(c) === 3)
        .every(([, i]) => /PII|secret|credential|classification/i.test(`${i.title} ${i.explanation}`)),
    ).toBe(true);
    expect(entries.some(([c]) => family(c) === 4)).toBe(true);
    expect(entries.some(([c]) => family(c) === 5)).toBe(true);
  });

  it('is used by the code: every code is raised somewhere in sdk, cli or app', async () => {
    const files = ['sdk/src', 'cli/src', 'app/src'].flatMap((dir) =>
      (readdirSync(path.join(repo, dir), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f)),
    );
    const sources = (await Promise.all(files.map((f) => readFile(path.join(repo, f), 'utf8')))).join('\n');
    const unused = entries.map(([c]) => c).filter((c) => !sources.includes(`'${c}'`));
    expect(unused).toEqual([]);
  });
});
