// Generates src/generated/manifests.ts from schemas/*.schema.json: the schemas are the single
// source of truth. `--check` fails when the committed file differs from a fresh generation.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { compile } from 'json-schema-to-typescript';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const target = path.join(root, 'src/generated/manifests.ts');
const kinds = ['transform', 'dataset', 'datasetgroup', 'connector', 'store', 'pipeline'];

export async function generateTypes() {
  const parts = ['/* eslint-disable */', '// Generated from contracts/schemas by contracts/scripts/generate-types.mjs. Do not edit.'];
  const seen = new Set();
  for (const kind of kinds) {
    const file = path.join(root, 'schemas', `${kind}.schema.json`);
    const schema = JSON.parse(await readFile(file, 'utf8'));
    const ts = await compile(schema, schema.title, {
      bannerComment: '',
      cwd: path.join(root, 'schemas'),
      additionalProperties: false,
      unknownAny: true,
      format: false,
      style: { singleQuote: true },
      declareExternallyReferenced: true,
    });
    // Shared definitions appear in every kind's output: keep the first declaration of each.
    const blocks = ts.split(/\n(?=export )/);
    for (const block of blocks) {
      const m = /^export (?:interface|type) (\w+)/.exec(block.trim());
      if (m && seen.has(m[1])) continue;
      if (m) seen.add(m[1]);
      parts.push(block.trim());
    }
  }
  return parts.join('\n\n') + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const fresh = await generateTypes();
  if (process.argv.includes('--check')) {
    const committed = await readFile(target, 'utf8').catch(() => '');
    if (committed !== fresh) {
      console.error(`${path.relative(process.cwd(), target)} is out of date: run npm run generate`);
      process.exit(1);
    }
  } else {
    await writeFile(target, fresh);
    console.log(`wrote ${path.relative(process.cwd(), target)}`);
  }
}
