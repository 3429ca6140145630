import { InvalidRequestError } from '@gridllm/contracts';

/** The JSON kind Go's decoder names in its errors ("string", "number 1.5", "bool", "array", "object"). */
export function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  if (value === null) return 'null';
  return typeof value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Typed reads of an OpenAI request body. A value of the wrong JSON kind is a 400 with the message Go's
 * decoder gives Ollama's middleware; `null` reads as absent, as it does for Go pointers.
 */
export class RequestFields {
  constructor(
    readonly body: Record<string, unknown>,
    private readonly struct: string,
  ) {}

  string(name: string): string | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw this.typeError(name, jsonKind(value), 'string');
    return value;
  }

  bool(name: string): boolean | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw this.typeError(name, jsonKind(value), 'bool');
    return value;
  }

  number(name: string, goType = 'float64'): number | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number') throw this.typeError(name, jsonKind(value), goType);
    return value;
  }

  int(name: string): number | undefined {
    const value = this.number(name, 'int');
    if (value !== undefined && !Number.isInteger(value)) throw this.typeError(name, `number ${value}`, 'int');
    return value;
  }

  array(name: string, goType: string): unknown[] | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw this.typeError(name, jsonKind(value), goType);
    return value as unknown[];
  }

  object(name: string, goType: string): Record<string, unknown> | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) throw this.typeError(name, jsonKind(value), goType);
    return value;
  }

  private typeError(name: string, kind: string, goType: string): InvalidRequestError {
    return new InvalidRequestError(
      `json: cannot unmarshal ${kind} into Go struct field ${this.struct}.${name} of type ${goType}`,
    );
  }
}
