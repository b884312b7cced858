import { orderTransforms, type PipelineGraph } from './pipeline-graph';

export type GraphFormat = 'text' | 'mermaid' | 'dot' | 'json';

export function renderGraph(graph: PipelineGraph, format: GraphFormat): string {
  switch (format) {
    case 'json':
      return renderJson(graph);
    case 'mermaid':
      return renderMermaid(graph);
    case 'dot':
      return renderDot(graph);
    default:
      return renderText(graph);
  }
}

function summary(graph: PipelineGraph): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(graph.transforms.length, 'transform')}, ${plural(graph.datasets.length, 'dataset')}, ${plural(graph.edges.length, 'edge')}`;
}

function renderText(graph: PipelineGraph): string {
  const { order, cycles } = orderTransforms(graph);
  const byName = new Map(graph.transforms.map((t) => [t.name, t]));
  const width = Math.max(0, ...graph.transforms.map((t) => t.name.length));
  const lines = [`Pipeline: ${summary(graph)}`, '', 'Run order:'];
  order.forEach((name, i) => {
    const t = byName.get(name)!;
    lines.push(
      `  ${String(i + 1).padStart(2)}. ${name.padEnd(width)}  ${t.inputs.join(', ') || '(none)'} → ${t.outputs.join(', ') || '(none)'}`,
    );
  });
  for (const cycle of cycles) lines.push(`  cycle: ${cycle.join(' → ')} (no order possible)`);
  const external = graph.datasets.filter((d) => d.external).map((d) => d.name);
  if (external.length > 0) lines.push('', `External datasets (not declared here): ${external.join(', ')}`);
  return lines.join('\n') + '\n';
}

function renderJson(graph: PipelineGraph): string {
  const { order, cycles } = orderTransforms(graph);
  const producers = (d: string) => graph.transforms.filter((t) => t.outputs.includes(d)).map((t) => t.name);
  const consumers = (d: string) => graph.transforms.filter((t) => t.inputs.includes(d)).map((t) => t.name);
  return (
    JSON.stringify(
      {
        transforms: graph.transforms,
        datasets: graph.datasets.map((d) => ({ ...d, producers: producers(d.name), consumers: consumers(d.name) })),
        edges: graph.edges,
        order,
        cycles,
      },
      null,
      2,
    ) + '\n'
  );
}

const mermaidId = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');

function renderMermaid(graph: PipelineGraph): string {
  const lines = ['flowchart LR'];
  for (const d of graph.datasets) lines.push(`  ${mermaidId(`dataset:${d.name}`)}[("${d.name}")]`);
  for (const t of graph.transforms) lines.push(`  ${mermaidId(`transform:${t.name}`)}[["${t.name}"]]`);
  for (const e of graph.edges) lines.push(`  ${mermaidId(e.from)} --> ${mermaidId(e.to)}`);
  const external = graph.datasets.filter((d) => d.external);
  if (external.length > 0) {
    lines.push('  classDef external stroke-dasharray: 5 5');
    lines.push(`  class ${external.map((d) => mermaidId(`dataset:${d.name}`)).join(',')} external`);
  }
  return lines.join('\n') + '\n';
}

const dotString = (s: string) => JSON.stringify(s);

function renderDot(graph: PipelineGraph): string {
  const lines = ['digraph pipeline {', '  rankdir=LR;'];
  for (const d of graph.datasets) {
    lines.push(`  ${dotString(`dataset:${d.name}`)} [label=${dotString(d.name)}, shape=cylinder${d.external ? ', style=dashed' : ''}];`);
  }
  for (const t of graph.transforms) lines.push(`  ${dotString(`transform:${t.name}`)} [label=${dotString(t.name)}, shape=box];`);
  for (const e of graph.edges) lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
