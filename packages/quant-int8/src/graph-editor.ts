// In-place editing of a built Graph: nodes replaced where they stand (the graph stays topologically sorted).
import type { AttrValue, Graph, NodeSpec, Tensor, Value } from '@sana/core';

export interface EmitOptions {
  /** Node name (made unique); outputs are named after it. */
  readonly name: string;
  readonly domain?: string;
  /** Number of outputs (default 1). */
  readonly outputs?: number;
  /** The exact name of the single output (a value that already exists downstream). */
  readonly outputName?: Value;
}

/**
 * Collects replacements, then rewrites `g.nodes` once in `commit()`. New nodes go where the node they replace
 * stood, so every value is still produced before it is read.
 * @example
 * const ed = new GraphEditor(g);
 * const nodes: NodeSpec[] = [];
 * ed.emit(nodes, 'Relu', [x], {}, { name: 'act', outputName: oldNode.outputs[0] });
 * ed.replace(oldNode, nodes);
 * ed.commit();
 */
export class GraphEditor {
  private readonly replacements = new Map<NodeSpec, NodeSpec[]>();
  private readonly removed = new Set<NodeSpec>();
  private readonly head: NodeSpec[] = [];

  constructor(readonly g: Graph) {}

  /** Appends a new node to `into` and returns its outputs. */
  emit(into: NodeSpec[], opType: string, inputs: readonly Value[], attrs: Record<string, AttrValue> = {}, o: EmitOptions): Value[] {
    const { g } = this;
    const name = g.uniqueName(o.name);
    const outputs = o.outputName !== undefined ? [o.outputName] : Array.from({ length: o.outputs ?? 1 }, (_, i) => g.uniqueName(`${o.name}:${i}`));
    const domain = o.domain ?? '';
    if (domain && !g.domains.has(domain)) g.domains.set(domain, 1);
    into.push({ opType, domain, name, inputs: [...inputs], outputs, attrs });
    return outputs;
  }

  /** `node` is replaced by `nodes`, in its place. */
  replace(node: NodeSpec, nodes: readonly NodeSpec[]): void {
    this.replacements.set(node, [...nodes]);
  }

  /** `node` goes (its output must be produced by a replacement). */
  remove(node: NodeSpec): void {
    this.removed.add(node);
  }

  /** `nodes` go first in the graph (they read only initializers). */
  prepend(nodes: readonly NodeSpec[]): void {
    this.head.push(...nodes);
  }

  commit(): void {
    const out: NodeSpec[] = [...this.head];
    for (const n of this.g.nodes) {
      if (this.removed.has(n)) continue;
      const r = this.replacements.get(n);
      if (r) out.push(...r);
      else out.push(n);
    }
    this.g.nodes.length = 0;
    this.g.nodes.push(...out);
  }

  /** Deletes the initializers in `names` that no node or graph output reads any more. */
  dropUnused(names: Iterable<Value>): void {
    const read = new Set<Value>();
    for (const n of this.g.nodes) for (const v of n.inputs) read.add(v);
    for (const o of this.g.outputs) read.add(o.name);
    for (const name of names) if (!read.has(name)) this.g.initializers.delete(name);
  }
}

/** Adds an initializer under `base`, suffixed `_1`, `_2`, ... if the name was ever used in `g`; returns its name. */
export function addInitializer(g: Graph, base: string, t: Tensor): Value {
  const name = g.uniqueName(base);
  g.initializers.set(name, t);
  return name;
}
