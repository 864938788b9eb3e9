import type { JsonSchema } from '../../api/types';

export type FieldErrors = Record<string, string>;
type Obj = Record<string, unknown>;

/** Paths are dotted property names: "source.url", "tags.2". */
export const joinPath = (parent: string, key: string | number) => (parent ? `${parent}.${key}` : String(key));

/** Unset: nothing, empty text, an empty list, or an object of unset values. */
export const isEmpty = (v: unknown): boolean => {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v as Obj).every(isEmpty);
  return false;
};

export function schemaType(schema: JsonSchema): JsonSchema['type'] {
  if (schema.type) return schema.type;
  if (schema.properties) return 'object';
  if (schema.enum) return typeof schema.enum[0] === 'number' ? 'number' : 'string';
  return undefined;
}

/** An object of free keys with values of one schema (`headers: {name: value}`). */
export function mapValueSchema(schema: JsonSchema): JsonSchema | null {
  if (schemaType(schema) !== 'object' || Object.keys(schema.properties ?? {}).length) return null;
  const ap = schema.additionalProperties;
  return ap && typeof ap === 'object' ? ap : null;
}

/**
 * A "type" switch: an enum property whose values name sibling object
 * properties, as in `{type: "file", file: {...}}` next to `http` and
 * `postgres`. Only the branch the switch selects applies: the form shows it
 * alone, validates it as required and leaves the others out.
 */
export interface Discriminator {
  key: string;
  branches: string[];
}

export function discriminatorOf(schema: JsonSchema): Discriminator | null {
  const props = schema.properties ?? {};
  for (const [key, sub] of Object.entries(props)) {
    if (!sub.enum) continue;
    const branches = sub.enum.map(String).filter((v) => v !== key && props[v] && schemaType(props[v]) === 'object');
    if (branches.length >= 2) return { key, branches };
  }
  return null;
}

/** Properties of an object schema that apply to `value` (inactive branches dropped). */
export function activeProperties(schema: JsonSchema, value: unknown): Array<[string, JsonSchema]> {
  const entries = Object.entries(schema.properties ?? {});
  const d = discriminatorOf(schema);
  if (!d) return entries;
  const chosen = value && typeof value === 'object' ? String((value as Obj)[d.key] ?? '') : '';
  return entries.filter(([k]) => !d.branches.includes(k) || k === chosen);
}

/** Required keys of an object schema for `value`: the selected branch counts as required. */
export function requiredKeys(schema: JsonSchema, value: unknown): string[] {
  const req = [...(schema.required ?? [])];
  const d = discriminatorOf(schema);
  if (d && value && typeof value === 'object') {
    const chosen = String((value as Obj)[d.key] ?? '');
    if (d.branches.includes(chosen) && !req.includes(chosen)) req.push(chosen);
  }
  return req;
}

/**
 * Checks `value` against the subset of JSON Schema the form renders: types,
 * required, enum, minimum/maximum, minLength/maxLength, pattern, min/maxItems,
 * nested objects, lists of strings or objects and maps of strings. The
 * server validates again; this only saves a round trip and puts messages
 * next to the fields.
 */
export function validateSchema(schema: JsonSchema, value: unknown, path = ''): FieldErrors {
  const errors: FieldErrors = {};
  const type = schemaType(schema);

  if (type === 'object' && !mapValueSchema(schema)) {
    const obj = (value && typeof value === 'object' ? value : {}) as Obj;
    const required = requiredKeys(schema, obj);
    for (const [key, sub] of activeProperties(schema, obj)) {
      const p = joinPath(path, key);
      // A required nested object is checked field by field (it has no input of its own).
      const nested = schemaType(sub) === 'object' && !mapValueSchema(sub);
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
      if (schema.pattern && !safeRegExp(schema.pattern)?.test(value)) return here(patternMessage(schema.pattern));
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
      if (schema.maxItems !== undefined && value.length > schema.maxItems) return here(`At most ${schema.maxItems} entries`);
      if (schema.minItems !== undefined && value.length < schema.minItems) return here(`At least ${schema.minItems} entries`);
      value.forEach((item, i) => {
        if (isEmpty(item) && schemaType(schema.items ?? {}) !== 'object') errors[joinPath(path, i)] = 'Remove empty entries';
        else if (schema.items) Object.assign(errors, validateSchema(schema.items, item, joinPath(path, i)));
      });
      return errors;
    }
    case 'object': {
      // A map: every key named, every value valid.
      const valueSchema = mapValueSchema(schema)!;
      const obj = value as Obj;
      if (schema.maxProperties !== undefined && Object.keys(obj).length > schema.maxProperties) {
        return here(`At most ${schema.maxProperties} entries`);
      }
      for (const [k, v] of Object.entries(obj)) {
        if (!k.trim()) errors[path] = 'Every entry needs a name';
        else Object.assign(errors, validateSchema(valueSchema, v, joinPath(path, k)));
      }
      return errors;
    }
  }
  return errors;
}

/** Drops empty optional values and inactive branches so the server sees only what applies. */
export function pruneEmpty(schema: JsonSchema, value: unknown): unknown {
  const type = schemaType(schema);
  if (type === 'array' && Array.isArray(value) && schema.items) {
    return value.map((item) => pruneEmpty(schema.items!, item));
  }
  if (type !== 'object' || !value || typeof value !== 'object' || mapValueSchema(schema)) return value;
  const active = new Map(activeProperties(schema, value));
  const required = requiredKeys(schema, value);
  const out: Obj = {};
  for (const [k, v] of Object.entries(value as Obj)) {
    if (schema.properties?.[k] && !active.has(k)) continue; // the other branches of a switch
    const sub = active.get(k);
    if (isEmpty(v) && !required.includes(k)) continue;
    out[k] = sub ? pruneEmpty(sub, v) : v;
  }
  return out;
}

/** Defaults from the schema, for a new config. */
export function defaultsFor(schema: JsonSchema): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schemaType(schema) === 'object' && !mapValueSchema(schema)) {
    const out: Obj = {};
    for (const [k, sub] of Object.entries(schema.properties ?? {})) {
      const d = defaultsFor(sub);
      if (d !== undefined) out[k] = d;
    }
    return out;
  }
  return undefined;
}

/** The schema at a dotted path ("sources.0.file.path"), or undefined. */
export function schemaAt(schema: JsonSchema, path: string): JsonSchema | undefined {
  let s: JsonSchema | undefined = schema;
  for (const part of path.split('.')) {
    if (!s) return undefined;
    const t = schemaType(s);
    if (t === 'array') s = /^\d+$/.test(part) ? s.items : undefined;
    else s = s.properties?.[part] ?? mapValueSchema(s) ?? undefined;
  }
  return s;
}

function patternMessage(pattern: string): string {
  // The identifier pattern plugins use for names: say it in words.
  if (pattern === '^[a-z][a-z0-9_-]{0,62}$') return 'Lowercase letters, digits, - and _; start with a letter';
  if (pattern === '^https?://') return 'Enter a full URL (https://…)';
  if (pattern === '^postgres(ql)?://') return 'Enter a postgres:// URL';
  if (pattern === '^([0-9]+(s|m|h))+$') return 'A duration such as 30s, 15m or 1h30m';
  return `Does not match the expected format ${pattern}`;
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
