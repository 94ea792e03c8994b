// Typed errors of sana-ts: every failure a user can cause names the file, key or option at fault.

/** Base class for every error sana-ts throws on purpose. `code` is stable; the message is for people. */
export class SanaError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SanaError';
    this.code = code;
  }
}

/** A file (checkpoint, config, manifest) that is missing, malformed or inconsistent. */
export class FormatError extends SanaError {
  readonly file: string | undefined;
  constructor(message: string, file?: string, options?: { cause?: unknown }) {
    super('E_FORMAT', file ? `${file}: ${message}` : message, options);
    this.name = 'FormatError';
    this.file = file;
  }
}

/** A config field with the wrong type or value. */
export class ConfigError extends SanaError {
  readonly field: string;
  constructor(field: string, message: string, file?: string) {
    super('E_CONFIG', `${file ? `${file}: ` : ''}field "${field}" ${message}`);
    this.name = 'ConfigError';
    this.field = field;
  }
}

/** A weight tensor that is missing, extra or of the wrong shape. */
export class WeightError extends SanaError {
  readonly key: string;
  constructor(key: string, message: string, file?: string) {
    super('E_WEIGHT', `${file ? `${file}: ` : ''}tensor "${key}" ${message}`);
    this.name = 'WeightError';
    this.key = key;
  }
}

/** A call argument (option, input tensor, size) that cannot be used. */
export class ArgumentError extends SanaError {
  readonly option: string;
  constructor(option: string, message: string) {
    super('E_ARGUMENT', `${option}: ${message}`);
    this.name = 'ArgumentError';
    this.option = option;
  }
}

/** A failure inside the ONNX runtime, wrapped with what we were doing. */
export class BackendError extends SanaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_BACKEND', message, options);
    this.name = 'BackendError';
  }
}

/**
 * Checks an options object whose fields each take one of a few strings (`choices`: field -> allowed values). Returns the
 * first problem as `{ field: '<name>.<key>', message }` (a key not in `choices`: "is not <kind>; options are ...";
 * a value outside its list: "is ...; expected one of ..."), or undefined; undefined values are allowed. Both the WebGPU
 * EP options (`webgpu`) and the transformer graph layout (`transformerGraph`) are checked through it.
 * @example choiceFieldProblem('webgpu', { validationMode: 'off' }, { validationMode: ['basic'] }, 'a WebGPU EP option')
 */
export function choiceFieldProblem(
  name: string, value: object, choices: Readonly<Record<string, readonly string[]>>, kind: string,
): { field: string; message: string } | undefined {
  for (const [k, v] of Object.entries(value)) {
    const allowed = Object.hasOwn(choices, k) ? choices[k] : undefined;
    if (!allowed) return { field: `${name}.${k}`, message: `is not ${kind}; options are ${Object.keys(choices).join(', ')}` };
    if (v !== undefined && !allowed.includes(v as string)) return { field: `${name}.${k}`, message: `is ${JSON.stringify(v)}; expected one of ${allowed.map((a) => `'${a}'`).join(', ')}` };
  }
  return undefined;
}
