/**
 * No import cycle between folders (README "Code layout"): if lambdas/domain/forwarding imports
 * lambdas/domain/incidents, nothing under incidents imports forwarding back, however indirectly.
 * Type-only imports are erased by the compiler and do not count. biome's `noImportCycles` checks the
 * same between files; this test checks it between folders, which is what keeps the map readable.
 */
import { folderOf, importsOf, sourceFiles } from './source-graph';

/** The strongly connected components of a directed graph with more than one node (Tarjan). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (node: string) => {
    indexOf.set(node, index);
    lowLink.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexOf.has(next)) {
        connect(next);
        lowLink.set(node, Math.min(lowLink.get(node)!, lowLink.get(next)!));
      } else if (onStack.has(next)) {
        lowLink.set(node, Math.min(lowLink.get(node)!, indexOf.get(next)!));
      }
    }
    if (lowLink.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) connect(node);
  return components;
}

function folderGraph(includeTypeOnly: boolean): {
  graph: Map<string, Set<string>>;
  witnesses: Map<string, string>;
} {
  const graph = new Map<string, Set<string>>();
  const witnesses = new Map<string, string>();
  for (const file of sourceFiles()) {
    graph.set(folderOf(file), graph.get(folderOf(file)) ?? new Set());
    for (const edge of importsOf(file)) {
      if (edge.typeOnly && !includeTypeOnly) continue;
      const [from, to] = [folderOf(edge.from), folderOf(edge.to)];
      if (from === to) continue;
      graph.get(from)!.add(to);
      witnesses.set(`${from} -> ${to}`, `${edge.from} imports ${edge.to}`);
    }
  }
  return { graph, witnesses };
}

describe('the folders of the code map', () => {
  it('import one another in one direction only (value imports)', () => {
    const { graph, witnesses } = folderGraph(false);
    const found = cycles(graph).map((component) => ({
      folders: component,
      because: [...witnesses]
        .filter(([edge]) => component.some((a) => component.some((b) => edge === `${a} -> ${b}`)))
        .map(([, why]) => why),
    }));
    expect(found).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself can fail)', () => {
    const graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ]);
    expect(cycles(graph)).toEqual([['a', 'b', 'c']]);
  });

  it('reads type-only imports as erased and value imports as kept', () => {
    const edges = importsOf('test/architecture/source-graph.ts');
    // the graph reader's own imports are packages only
    expect(edges).toEqual([]);
    const probe = importsOf('lambdas/domain/detection/probe-cycle.ts');
    expect(probe.some((edge) => edge.typeOnly)).toBe(true);
    expect(probe.some((edge) => !edge.typeOnly)).toBe(true);
  });
});
