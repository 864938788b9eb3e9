import type { JsonSchema } from '../../api/types';

export type FieldErrors = Record<string, string>;
type Obj = Record<string, unknown>;

/** Paths are dotted property names: "source.url", "tags.2". */
export const joinPath = (parent: string, key: string | number) => (parent ? `${parent}.${key}` : String(key));

/** Unset: nothing, empty text, an empty list, or an object of unset values. */
const isEmpty = (v: unknown): boolean => {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v as Obj).every(isEmpty);
  return false;
};

/**
 * Checks `value` against the subset of JSON Schema the form renders: types,
 * required, enum, minimum/maximum, minLength/maxLength, pattern, nested
 * objects and arrays of strings. The server validates again; this only saves
 * a round trip and puts messages next to the fields.
 */
export function validateSchema(schema: JsonSchema, value: unknown, path = ''): FieldErrors {
  const errors: FieldErrors = {};
  const type = schemaType(schema);

  if (type === 'object') {
    const obj = (value && typeof value === 'object' ? value : {}) as Obj;
    const required = schema.required ?? [];
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      const p = joinPath(path, key);
      // A required nested object is checked field by field (it has no input of its own).
      const nested = schemaType(sub) === 'object';
      if (isEmpty(obj[key]) && !(nested && required.includes(key))) {
        if (required.includes(key)) errors[p] = 'Required';
        continue;
      }
      Object.assign(errors, validateSchema(sub, obj[key], p));
    }
    return errors;
  }

  if (isEmpty(value)) return errors;
  const here = (msg: string) => ({ [path]: msg });

  if (schema.enum && !schema.enum.includes(value as string | number)) return here('Choose one of the listed values');
  switch (type) {
    case 'string': {
      if (typeof value !== 'string') return here('Must be text');
      if (schema.minLength !== undefined && value.length < schema.minLength) return here(`At least ${schema.minLength} characters`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength) return here(`At most ${schema.maxLength} characters`);
      if (schema.pattern && !safeRegExp(schema.pattern)?.test(value)) return here('Does not have the expected format');
      if (schema.format === 'email' && !/^[^\s@]+@[^\s@]+$/.test(value)) return here('Enter an email address');
      if ((schema.format === 'uri' || schema.format === 'url') && !isUrl(value)) return here('Enter a full URL (https://…)');
      return errors;
    }
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || Number.isNaN(value)) return here('Must be a number');
      if (type === 'integer' && !Number.isInteger(value)) return here('Must be a whole number');
      if (schema.minimum !== undefined && value < schema.minimum) return here(`Must be at least ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum) return here(`Must be at most ${schema.maximum}`);
      return errors;
    }
    case 'boolean':
      return typeof value === 'boolean' ? errors : here('Must be on or off');
    case 'array': {
      if (!Array.isArray(value)) return here('Must be a list');
      value.forEach((item, i) => {
        if (isEmpty(item)) errors[joinPath(path, i)] = 'Remove empty entries';
        else if (schema.items) Object.assign(errors, validateSchema(schema.items, item, joinPath(path, i)));
      });
      return errors;
    }
  }
  return errors;
}

export function schemaType(schema: JsonSchema): JsonSchema['type'] {
  if (schema.type) return schema.type;
  if (schema.properties) return 'object';
  if (schema.enum) return typeof schema.enum[0] === 'number' ? 'number' : 'string';
  return undefined;
}

/** Drops empty optional values so the server sees only what the user set. */
export function pruneEmpty(schema: JsonSchema, value: unknown): unknown {
  if (schemaType(schema) !== 'object' || !value || typeof value !== 'object') return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value as Obj)) {
    const sub = schema.properties?.[k];
    if (isEmpty(v) && !(schema.required ?? []).includes(k)) continue;
    out[k] = sub ? pruneEmpty(sub, v) : v;
  }
  return out;
}

/** Defaults from the schema, for a new config. */
export function defaultsFor(schema: JsonSchema): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schemaType(schema) === 'object') {
    const out: Obj = {};
    for (const [k, sub] of Object.entries(schema.properties ?? {})) {
      const d = defaultsFor(sub);
      if (d !== undefined) out[k] = d;
    }
    return out;
  }
  return undefined;
}

function safeRegExp(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return null;
  }
}

function isUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
