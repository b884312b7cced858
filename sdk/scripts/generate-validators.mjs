// Compiles the published JSON Schemas into standalone validator code (ajv), so that dk does not
// pay ~80 ms of schema compilation at every start. `--check` fails when the committed file is stale.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const schemasDir = path.join(here, '../../contracts/schemas');
const target = path.join(here, '../src/validate/generated/schema-validators.js');
const kinds = {
  Transform: 'transform',
  DataSet: 'dataset',
  DataSetGroup: 'datasetgroup',
  Connector: 'connector',
  Store: 'store',
  Pipeline: 'pipeline',
};

async function generate() {
  const load = async (name) => JSON.parse(await readFile(path.join(schemasDir, `${name}.schema.json`), 'utf8'));
  const ajv = new Ajv2020.default({
    allErrors: true,
    verbose: true,
    strict: true,
    keywords: ['x-dk-code'],
    allowUnionTypes: true,
    code: { source: true, esm: true, lines: false },
  });
  ajv.addSchema(await load('common'));
  const exports = {};
  for (const [kind, file] of Object.entries(kinds)) {
    const schema = await load(file);
    ajv.addSchema(schema);
    exports[kind] = schema.$id;
  }
  let code = standaloneCode.default(ajv, exports);
  // The generated code requires one runtime helper; import it so the file is plain ESM.
  code = code.replace(/require\("ajv\/dist\/runtime\/ucs2length"\)\.default/g, '__ucs2length');
  if (code.includes('require(')) throw new Error('unexpected require() in generated validators');
  return `/* eslint-disable */\n// Generated from contracts/schemas by sdk/scripts/generate-validators.mjs. Do not edit.\nimport __ucs2lengthModule from 'ajv/dist/runtime/ucs2length.js';\nconst __ucs2length = __ucs2lengthModule.default ?? __ucs2lengthModule;\n${code}\n`;
}

const fresh = await generate();
if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== fresh) {
    console.error('sdk/src/validate/generated/schema-validators.js is out of date: run npm run generate');
    process.exit(1);
  }
} else {
  await writeFile(target, fresh);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
