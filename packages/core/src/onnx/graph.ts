// The ONNX graph builder: values are names, nodes are added in order, weights keep their checkpoint keys.
import { ArgumentError } from '../errors.js';
import type { DType } from '../dtype.js';
import { float32ToFloat16 } from '../fp16.js';
import { tensor } from '../cpu-tensor.js';
import type { Tensor } from '../tensor.js';

/** A dimension: a number, or a symbol such as 'batch', 'height', 'text_len'. */
export type Dim = number | string;
/** A value in the graph, by name. */
export type Value = string;
export type FloatType = 'float32' | 'float16';

export type AttrValue = number | string | readonly number[] | readonly string[] | Tensor | { float: number } | { floats: readonly number[] };

export interface NodeSpec {
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

export interface ValueSpec {
  readonly name: string;
  readonly dtype: DType;
  /** Omitted: rank unknown (left to ONNX Runtime's shape inference). */
  readonly dims?: readonly Dim[];
}

export interface GraphOptions {
  /** Element type of float weights and activations. fp16 graphs keep sensitive parts in fp32 by Cast. */
  readonly floatType?: FloatType;
  /** ONNX opset of the default domain (17 by default: LayerNormalization, axes-as-attribute Reduce*). */
  readonly opset?: number;
}

/**
 * Builds one ONNX graph. Every helper in ops.ts takes it as its first argument.
 * @example
 * const g = new Graph('tiny');
 * const x = g.input('x', 'float32', ['batch', 4]);
 * g.output(relu(g, x), 'y');
 * const bytes = serializeModel(g);
 */
export class Graph {
  readonly floatType: FloatType;
  readonly opset: number;
  readonly inputs: ValueSpec[] = [];
  readonly outputs: ValueSpec[] = [];
  readonly nodes: NodeSpec[] = [];
  readonly initializers = new Map<string, Tensor>();
  private readonly usedNames = new Set<string>();
  private readonly constCache = new Map<string, Value>();
  private scopes: string[] = [];
  readonly domains = new Map<string, number>();

  constructor(readonly name: string, options: GraphOptions = {}) {
    this.floatType = options.floatType ?? 'float32';
    this.opset = options.opset ?? 17;
  }

  /** Runs `fn` with node names prefixed by `prefix` (e.g. `transformer_blocks.3.attn1`). */
  scope<T>(prefix: string, fn: () => T): T {
    this.scopes.push(prefix);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** A fresh name under the current scope. */
  uniqueName(base: string): string {
    const prefix = this.scopes.length ? `${this.scopes.join('.')}/` : '';
    let name = `${prefix}${base}`;
    for (let i = 1; this.usedNames.has(name); i++) name = `${prefix}${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }

  input(name: string, dtype: DType, dims: readonly Dim[]): Value {
    this.claim(name);
    this.inputs.push({ name, dtype, dims });
    return name;
  }

  /** Marks `value` as a graph output called `name` (adds an Identity when the names differ). */
  output(value: Value, name: string, dtype?: DType, dims?: readonly Dim[]): Value {
    const out = value === name ? value : this.node('Identity', [value], {}, { outputName: name });
    this.outputs.push({ name: out as string, dtype: dtype ?? this.floatType, dims });
    return out as string;
  }

  /** A float weight stored in the graph's float type, named by its checkpoint key. */
  weight(key: string, data: Float32Array, dims: readonly number[]): Value {
    const t = this.floatType === 'float16' ? tensor('float16', float32ToFloat16(data), dims) : tensor('float32', data, dims);
    return this.initializer(key, t);
  }

  /** A float32 weight whatever the graph's float type (for the parts kept in fp32). */
  weight32(key: string, data: Float32Array, dims: readonly number[]): Value {
    return this.initializer(key, tensor('float32', data, dims));
  }

  initializer(name: string, t: Tensor): Value {
    this.claim(name);
    this.initializers.set(name, t);
    return name;
  }

  /** An int64 constant (shapes, axes, indices); identical constants are shared. */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): Value {
    return this.cached(`i64:${dims}:${values}`, () => tensor('int64', BigInt64Array.from(values.map((v) => BigInt(v))), dims));
  }

  /** A float constant in the graph's float type (or `dtype`); identical constants are shared. */
  float(values: number | readonly number[], dims?: readonly number[], dtype: FloatType = this.floatType): Value {
    const arr = typeof values === 'number' ? [values] : values;
    const d = dims ?? (typeof values === 'number' ? [] : [arr.length]);
    return this.cached(`${dtype}:${d}:${arr}`, () => {
      const f = Float32Array.from(arr);
      return dtype === 'float16' ? tensor('float16', float32ToFloat16(f), d) : tensor('float32', f, d);
    });
  }

  private cached(key: string, make: () => Tensor): Value {
    let name = this.constCache.get(key);
    if (!name) {
      name = this.uniqueName('const');
      this.initializers.set(name, make());
      this.constCache.set(key, name);
    }
    return name;
  }

  /**
   * Adds a node. Returns its single output, or all outputs when `outputs` > 1.
   * The node is named after the current scope and `opts.name` (default: the op type).
   */
  node(opType: string, inputs: readonly Value[], attrs: Record<string, AttrValue> = {}, opts: NodeOptions = {}): Value {
    return this.nodeMulti(opType, inputs, attrs, { ...opts, outputs: 1 })[0];
  }

  nodeMulti(opType: string, inputs: readonly Value[], attrs: Record<string, AttrValue> = {}, opts: NodeOptions = {}): Value[] {
    const name = this.uniqueName(opts.name ?? opType);
    const n = opts.outputs ?? 1;
    const outputs = Array.from({ length: n }, (_, i) => (i === 0 && opts.outputName ? this.claim(opts.outputName) : this.uniqueName(`${opts.name ?? opType}:${i}`)));
    const domain = opts.domain ?? '';
    if (domain && !this.domains.has(domain)) this.domains.set(domain, 1);
    for (const v of inputs) if (typeof v !== 'string') throw new ArgumentError(`${name}.inputs`, 'every input must be a value name');
    this.nodes.push({ opType, domain, name, inputs: [...inputs], outputs, attrs });
    return [...outputs]; // a copy: callers may reorder it without rewiring the node
  }

  private claim(name: string): string {
    if (this.usedNames.has(name)) throw new ArgumentError('name', `"${name}" is already used in graph "${this.name}"`);
    this.usedNames.add(name);
    return name;
  }
}

export interface NodeOptions {
  readonly name?: string;
  readonly outputs?: number;
  readonly domain?: string;
  /** The exact name of the (first) output, for graph outputs. */
  readonly outputName?: string;
}
