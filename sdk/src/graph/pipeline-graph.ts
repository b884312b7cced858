/** The data flow across a tree of packages: Transforms read and write DataSets. */
export interface TransformNode {
  name: string;
  file?: string;
  inputs: string[];
  outputs: string[];
}

export interface DataSetNode {
  name: string;
  file?: string;
  /** Referenced but not declared in the linted tree. */
  external: boolean;
}

export interface Edge {
  /** Node ids: transform:<name> or dataset:<name>. */
  from: string;
  to: string;
}

export interface PipelineGraph {
  transforms: TransformNode[];
  datasets: DataSetNode[];
  edges: Edge[];
}

export const transformId = (name: string): string => `transform:${name}`;
export const datasetId = (name: string): string => `dataset:${name}`;

export function buildPipelineGraph(
  transforms: readonly TransformNode[],
  declaredDataSets: readonly { name: string; file?: string }[],
): PipelineGraph {
  const datasets = new Map<string, DataSetNode>();
  for (const d of declaredDataSets)
    if (!datasets.has(d.name)) datasets.set(d.name, { name: d.name, ...(d.file ? { file: d.file } : {}), external: false });
  const edges: Edge[] = [];
  const edgeKeys = new Set<string>();
  const addEdge = (from: string, to: string) => {
    const key = `${from}->${to}`;
    if (edgeKeys.has(key)) return;
    edgeKeys.add(key);
    edges.push({ from, to });
  };
  const sorted = [...transforms].sort((a, b) => a.name.localeCompare(b.name));
  for (const t of sorted) {
    for (const input of t.inputs) {
      if (!datasets.has(input)) datasets.set(input, { name: input, external: true });
      addEdge(datasetId(input), transformId(t.name));
    }
    for (const output of t.outputs) {
      if (!datasets.has(output)) datasets.set(output, { name: output, external: true });
      addEdge(transformId(t.name), datasetId(output));
    }
  }
  return {
    transforms: sorted.map((t) => ({ ...t, inputs: [...t.inputs], outputs: [...t.outputs] })),
    datasets: [...datasets.values()].sort((a, b) => a.name.localeCompare(b.name)),
    edges,
  };
}

/** DataSets written by more than one Transform, with their producers. */
export function findDuplicateProducers(graph: PipelineGraph): Map<string, string[]> {
  const producers = new Map<string, string[]>();
  for (const t of graph.transforms) for (const o of new Set(t.outputs)) producers.set(o, [...(producers.get(o) ?? []), t.name]);
  return new Map([...producers].filter(([, names]) => names.length > 1));
}

/** Transform → the Transforms it depends on (those writing a DataSet it reads). */
function dependencies(graph: PipelineGraph): Map<string, Set<string>> {
  const producers = new Map<string, string[]>();
  for (const t of graph.transforms) for (const o of t.outputs) producers.set(o, [...(producers.get(o) ?? []), t.name]);
  const deps = new Map<string, Set<string>>();
  for (const t of graph.transforms) {
    const set = new Set<string>();
    for (const i of t.inputs) for (const p of producers.get(i) ?? []) set.add(p);
    deps.set(t.name, set);
  }
  return deps;
}

/**
 * Run order of the Transforms (Kahn's algorithm, ties broken by name so the order is stable) and
 * the cycles that prevent one.
 */
export function orderTransforms(graph: PipelineGraph): { order: string[]; cycles: string[][] } {
  const deps = dependencies(graph);
  const remaining = new Map([...deps].map(([name, set]) => [name, new Set(set)]));
  const order: string[] = [];
  for (;;) {
    const ready = [...remaining]
      .filter(([, set]) => set.size === 0)
      .map(([name]) => name)
      .sort();
    if (ready.length === 0) break;
    const next = ready[0]!;
    order.push(next);
    remaining.delete(next);
    for (const set of remaining.values()) set.delete(next);
  }
  return { order, cycles: remaining.size > 0 ? findCycles(deps, new Set(remaining.keys())) : [] };
}

/** Strongly connected components of more than one node (or a self-loop), among `within`. */
function findCycles(deps: Map<string, Set<string>>, within: Set<string>): string[][] {
  let counter = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const strongConnect = (v: string) => {
    indexOf.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of deps.get(v) ?? []) {
      if (!within.has(w)) continue;
      if (!indexOf.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || deps.get(v)?.has(v)) cycles.push(component.sort());
    }
  };
  for (const v of [...within].sort()) if (!indexOf.has(v)) strongConnect(v);
  return cycles;
}

/** The part of the graph a DataSet is built from: its producers and everything upstream of them. */
export function upstreamOf(graph: PipelineGraph, dataset: string): PipelineGraph {
  const keep = new Set<string>([datasetId(dataset)]);
  const incoming = new Map<string, string[]>();
  for (const e of graph.edges) incoming.set(e.to, [...(incoming.get(e.to) ?? []), e.from]);
  const queue = [datasetId(dataset)];
  while (queue.length > 0) {
    const node = queue.pop()!;
    for (const from of incoming.get(node) ?? []) {
      if (keep.has(from)) continue;
      keep.add(from);
      queue.push(from);
    }
  }
  return {
    transforms: graph.transforms.filter((t) => keep.has(transformId(t.name))),
    datasets: graph.datasets.filter((d) => keep.has(datasetId(d.name))),
    edges: graph.edges.filter((e) => keep.has(e.from) && keep.has(e.to)),
  };
}
