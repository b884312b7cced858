import { describe, expect, it } from 'vitest';
import { buildPipelineGraph, orderTransforms, renderGraph, upstreamOf } from '../src/graph';
import { lintPath } from '../src/validate';
import { datasetYaml, storeYaml, transformYaml, writeTree } from './helpers/temp-tree';

const codesOf = async (root: string, scan = false) =>
  (await lintPath(root, { scan })).issues.filter((i) => i.severity !== 'info').map((i) => `${i.code}:${i.line}`);

describe('references', () => {
  it('an unknown DataSet is an error on its line, with a did-you-mean', async () => {
    const root = await writeTree({
      'dk.yaml': transformYaml('demo', ['orderz'], ['out']),
      'dataset/orders.yaml': datasetYaml('orders'),
      'dataset/out.yaml': datasetYaml('out'),
      'store/local.yaml': storeYaml('local'),
    });
    const result = await lintPath(root);
    const error = result.issues.find((i) => i.code === 'DK201')!;
    expect(error.line).toBe(10);
    expect(error.message).toContain('did you mean "orders"');
  });

  it('a tree without DataSets treats references as external notes, not errors', async () => {
    const root = await writeTree({ 'dk.yaml': transformYaml('demo', ['a'], ['b']) });
    const result = await lintPath(root);
    expect(result.counts.errors).toBe(0);
    expect(result.issues.filter((i) => i.code === 'DK205')).toHaveLength(2);
  });

  it('resolves by tags and semver range, and reports ambiguity', async () => {
    const tagged = (name: string, version: string, tags: string) => datasetYaml(name, { version, tags });
    const root = await writeTree({
      'dk.yaml': transformYaml('demo', ['in'], ['out']).replace(
        '    - dataset: in',
        '    - tags: [gold]\n      version: ^1.0.0\n    - tags: [raw]\n    - tags: [missing]',
      ),
      'dataset/a.yaml': tagged('events-a', '1.2.0', '[gold, events]'),
      'dataset/b.yaml': tagged('events-b', '2.0.0', '[gold]'),
      'dataset/c.yaml': tagged('raw-1', '1.0.0', '[raw]'),
      'dataset/d.yaml': tagged('raw-2', '1.0.0', '[raw]'),
      'dataset/out.yaml': datasetYaml('out'),
      'store/local.yaml': storeYaml('local'),
    });
    const result = await lintPath(root);
    expect(result.issues.filter((i) => i.severity === 'error').map((i) => `${i.code}:${i.line}`)).toEqual(['DK202:12', 'DK201:13']);
    expect(result.transforms[0]!.inputs.map((i) => i.dataset)).toEqual(['events-a']);
  });

  it('picks the highest version that satisfies a range, and refuses a range nothing satisfies', async () => {
    const root = await writeTree({
      'dk.yaml': transformYaml('demo', ['in'], ['out']).replace(
        '    - dataset: in',
        '    - dataset: in\n      version: ">=1.0.0 <2.0.0"\n    - dataset: in\n      version: ^3.0.0',
      ),
      'dataset/in-1.yaml': datasetYaml('in', { version: '1.1.0' }),
      'dataset/in-2.yaml': datasetYaml('in', { version: '1.4.0' }),
      'dataset/in-3.yaml': datasetYaml('in', { version: '2.0.0' }),
      'dataset/out.yaml': datasetYaml('out'),
      'store/local.yaml': storeYaml('local'),
    });
    const result = await lintPath(root);
    expect(result.issues.filter((i) => i.severity === 'error').map((i) => `${i.code}:${i.line}`)).toEqual(['DK201:13']);
    const input = result.transforms[0]!.inputs[0]!;
    expect((input.manifest!.value.metadata as { version: string }).version).toBe('1.4.0');
  });

  it('unknown Store and Connector are errors when the tree declares some; built-in connector types are known', async () => {
    const root = await writeTree({
      'dk.yaml': transformYaml('demo', ['in'], ['out']),
      'dataset/in.yaml': datasetYaml('in', { store: 'locl' }),
      'dataset/out.yaml': datasetYaml('out'),
      'store/local.yaml': storeYaml('local'),
      'store/pg.yaml': storeYaml('pg', '  connector: postgress\n  connection:\n    host: db\n'),
      'store/kafka.yaml': storeYaml('kafka', '  connector: kafka\n  connection:\n    brokers: k:9092\n'),
      'connector/custom.yaml': 'apiVersion: datakit.dev/v1alpha1\nkind: Connector\nmetadata:\n  name: custom\nspec:\n  type: custom\n',
    });
    expect(await codesOf(root)).toEqual(['DK203:6', 'DK204:6']);
    const messages = (await lintPath(root)).issues.map((i) => i.message).join('\n');
    expect(messages).toContain('did you mean "local"');
    expect(messages).toContain('did you mean "postgres"');
  });

  it('a DataSet declared twice differently in one package is ambiguous; identical copies are one', async () => {
    const root = await writeTree({
      'dk.yaml': transformYaml('demo', ['in'], ['out']),
      'dataset/in.yaml': datasetYaml('in'),
      'dataset/in-copy.yaml': datasetYaml('in'),
      'dataset/in-other.yaml': datasetYaml('in', { classification: 'public' }),
      'dataset/out.yaml': datasetYaml('out'),
      'store/local.yaml': storeYaml('local'),
    });
    expect(await codesOf(root)).toEqual(['DK202:4']);
  });
});

describe('graph', () => {
  const project = (transforms: Record<string, [string[], string[]]>, datasets: string[]) =>
    writeTree({
      ...Object.fromEntries(Object.entries(transforms).map(([name, [i, o]]) => [`transforms/${name}/dk.yaml`, transformYaml(name, i, o)])),
      ...Object.fromEntries(datasets.map((d) => [`datasets/${d}/dk.yaml`, datasetYaml(d)])),
      'stores/local.yaml': storeYaml('local'),
    });

  it('finds cycles between Transforms', async () => {
    const root = await project({ a: [['x'], ['y']], b: [['y'], ['x']], c: [['y'], ['z']] }, ['x', 'y', 'z']);
    const result = await lintPath(root);
    const cycle = result.issues.find((i) => i.code === 'DK401')!;
    expect(cycle.message).toContain('a → b → a');
    expect(orderTransforms(result.graph)).toEqual({ order: [], cycles: [['a', 'b']] });
  });

  it("finds a DataSet written by two Transforms, on the second producer's output line", async () => {
    const root = await project({ a: [['x'], ['y']], b: [['x'], ['y']] }, ['x', 'y']);
    const result = await lintPath(root);
    const duplicate = result.issues.find((i) => i.code === 'DK402')!;
    expect(duplicate.file).toMatch(/transforms\/b\/dk\.yaml$/);
    expect(duplicate.line).toBe(12);
  });

  it('orders a diamond deterministically and renders every format', () => {
    const graph = buildPipelineGraph(
      [
        { name: 'sink', inputs: ['l', 'r'], outputs: ['out'] },
        { name: 'right', inputs: ['src'], outputs: ['r'] },
        { name: 'left', inputs: ['src'], outputs: ['l'] },
        { name: 'source', inputs: ['raw'], outputs: ['src'] },
      ],
      [{ name: 'raw' }],
    );
    expect(orderTransforms(graph).order).toEqual(['source', 'left', 'right', 'sink']);
    expect(graph.datasets.find((d) => d.name === 'raw')!.external).toBe(false);
    expect(graph.datasets.find((d) => d.name === 'out')!.external).toBe(true);
    expect(renderGraph(graph, 'mermaid')).toContain('transform_source --> dataset_src');
    expect(renderGraph(graph, 'dot')).toContain('"transform:left" -> "dataset:l";');
    expect(JSON.parse(renderGraph(graph, 'json')).order).toEqual(['source', 'left', 'right', 'sink']);
    expect(renderGraph(graph, 'text')).toMatch(/1\. source\s+raw → src/);
    expect(upstreamOf(graph, 'l').transforms.map((t) => t.name)).toEqual(['left', 'source']);
  });
});
