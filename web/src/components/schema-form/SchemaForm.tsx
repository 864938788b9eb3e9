import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, errorMessage } from '../../api/errors';
import type { JsonSchema } from '../../api/types';
import { humanize } from '../../lib/format';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { Checkbox, SelectField, TextArea, TextField } from '../ui/Field';
import { Icon } from '../ui/Icon';
import {
  activeProperties,
  defaultsFor,
  discriminatorOf,
  joinPath,
  mapValueSchema,
  pruneEmpty,
  requiredKeys,
  schemaAt,
  schemaType,
  validateSchema,
  type FieldErrors,
} from './validate';

type Obj = Record<string, unknown>;

export interface SchemaFormProps {
  schema: JsonSchema;
  initialValue?: unknown;
  submitLabel?: string;
  /** Resolve on success; throw an ApiError (with `field`) to show it in place. */
  onSubmit: (value: unknown) => Promise<unknown>;
  onCancel?: () => void;
  disabled?: boolean;
  /** Shown after a successful submit; null for none. */
  successMessage?: string | null;
  /**
   * The name the server gives the form's value in error fields: the config
   * endpoint reports `config.sources.0.name`, so the config form passes
   * "config" and the error lands on `sources.0.name`.
   */
  fieldPrefix?: string;
  /** Accessible name of the form. */
  label?: string;
}

/**
 * A form generated from a plugin's JSON Schema (config or action input).
 * Renders strings, numbers, booleans, enums, nested objects, lists of strings
 * or of objects (one fieldset per entry, add and remove), maps of strings
 * (name/value rows), and "type switches" (an enum choosing which sibling
 * object applies). Checks required fields and simple constraints before
 * sending, and shows a server validation error next to the field it names.
 */
export function SchemaForm({
  schema,
  initialValue,
  submitLabel = 'Save',
  onSubmit,
  onCancel,
  disabled,
  successMessage = 'Saved.',
  fieldPrefix,
  label = 'Plugin settings',
}: SchemaFormProps) {
  const [value, setValue] = useState<unknown>(() => initialValue ?? defaultsFor(schema) ?? {});
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  // After a first attempt, errors follow the input as it is corrected.
  const [attempted, setAttempted] = useState(false);
  const change = (v: unknown) => {
    setValue(v);
    if (attempted) setErrors(validateSchema(schema, v));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setAttempted(true);
    setSaved(false);
    setFormError(null);
    const found = validateSchema(schema, value);
    setErrors(found);
    if (Object.keys(found).length) {
      focusFirstInvalid(e.currentTarget as HTMLFormElement);
      return;
    }
    setBusy(true);
    try {
      await onSubmit(pruneEmpty(schema, value));
      setSaved(true);
    } catch (err) {
      const field = err instanceof ApiError ? normalizeField(err.field, fieldPrefix) : undefined;
      if (field !== undefined && field !== '' && schemaAt(schema, field)) {
        setErrors({ [field]: fieldMessage(err as ApiError) });
        focusFirstInvalid(e.currentTarget as HTMLFormElement);
      } else setFormError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label={label}>
      <SchemaField schema={schema} value={value} path="" errors={errors} onChange={change} disabled={disabled || busy} root />
      {formError && <Alert>{formError}</Alert>}
      {saved && !busy && successMessage && <Alert kind="success">{successMessage}</Alert>}
      <div className="flex justify-end gap-2">
        {onCancel && (
          <Button variant="secondary" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
        )}
        <Button type="submit" loading={busy} disabled={disabled}>
          {submitLabel}
        </Button>
      </div>
    </form>
  );
}

function focusFirstInvalid(form: HTMLFormElement | null) {
  // Like native validation: move focus to the first control in error.
  requestAnimationFrame(() => (form?.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus());
}

/** Servers name fields "a.b", "a/b", "/a/b" or "a[0]", maybe under a prefix; use dots, no prefix. */
export function normalizeField(field?: string, prefix?: string): string | undefined {
  if (!field) return undefined;
  let f = field
    .replace(/^[/$.]+/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/\//g, '.');
  if (prefix) {
    if (f === prefix) return '';
    if (f.startsWith(`${prefix}.`)) f = f.slice(prefix.length + 1);
  }
  return f;
}

/** The server's message without the field path it starts with (the field shows where). */
function fieldMessage(err: ApiError): string {
  const m = err.message;
  const field = err.field ?? '';
  const rest = field && m.toLowerCase().startsWith(field.toLowerCase()) ? m.slice(field.length).trim() : m;
  return rest ? rest.charAt(0).toUpperCase() + rest.slice(1) : m;
}

interface FieldProps {
  schema: JsonSchema;
  value: unknown;
  path: string;
  errors: FieldErrors;
  onChange: (v: unknown) => void;
  disabled?: boolean;
  required?: boolean;
  label?: string;
  root?: boolean;
}

function SchemaField(props: FieldProps) {
  const { schema, value, path, errors, onChange, disabled, required } = props;
  const type = schemaType(schema);
  const label = schema.title ?? props.label ?? humanize(path.split('.').pop() || 'value');
  const error = errors[path] ?? null;
  const hint = schema.description;

  if (type === 'object') {
    if (mapValueSchema(schema)) return <MapField {...props} label={label} />;
    const obj = (value && typeof value === 'object' ? value : {}) as Obj;
    const entries = activeProperties(schema, obj);
    if (!Object.keys(schema.properties ?? {}).length) return <JsonField {...props} label={label} />;
    const req = requiredKeys(schema, obj);
    const d = discriminatorOf(schema);
    const body = entries.map(([key, sub]) => (
      <SchemaField
        key={key}
        schema={sub}
        value={obj[key]}
        path={joinPath(path, key)}
        errors={errors}
        disabled={disabled}
        label={d?.branches.includes(key) ? `${humanize(key)} settings` : humanize(key)}
        required={req.includes(key)}
        onChange={(v) => onChange({ ...obj, [key]: v })}
      />
    ));
    if (props.root) return <div className="space-y-4">{body}</div>;
    return (
      <fieldset className="space-y-4 rounded-md border border-slate-200 p-3">
        <legend className="px-1 text-sm font-medium text-slate-700">{label}</legend>
        {hint && <p className="text-xs text-slate-500">{hint}</p>}
        {error && (
          <p role="alert" className="text-xs text-red-700">
            {error}
          </p>
        )}
        {body}
      </fieldset>
    );
  }

  if (schema.enum) {
    const options = schema.enum.map((v) => ({ value: String(v), label: String(v) }));
    return (
      <SelectField
        label={label}
        hint={hint}
        error={error}
        required={required}
        disabled={disabled}
        value={value === undefined ? '' : String(value)}
        options={required && value !== undefined ? options : [{ value: '', label: required ? 'Choose…' : '(not set)' }, ...options]}
        onChange={(e) => {
          const raw = e.target.value;
          if (raw === '') return onChange(undefined);
          onChange(type === 'number' || type === 'integer' ? Number(raw) : raw);
        }}
      />
    );
  }

  switch (type) {
    case 'boolean':
      return (
        <Checkbox label={label} hint={hint} error={error} disabled={disabled} checked={value === true} onChange={(e) => onChange(e.target.checked)} />
      );
    case 'number':
    case 'integer':
      return (
        <TextField
          type="number"
          inputMode={type === 'integer' ? 'numeric' : 'decimal'}
          step={type === 'integer' ? 1 : 'any'}
          min={schema.minimum}
          max={schema.maximum}
          label={label}
          hint={hint}
          error={error}
          required={required}
          disabled={disabled}
          value={typeof value === 'number' && !Number.isNaN(value) ? value : value === undefined ? '' : String(value)}
          onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
        />
      );
    case 'string': {
      const long = (schema.maxLength ?? 0) > 4096;
      const Control = long ? TextArea : TextField;
      return (
        <Control
          {...(long ? { rows: 3 } : { type: inputType(schema, path) })}
          label={label}
          hint={hint}
          error={error}
          required={required}
          disabled={disabled}
          value={typeof value === 'string' ? value : ''}
          maxLength={schema.maxLength}
          autoComplete="off"
          spellCheck={false}
          onChange={(e: { target: { value: string } }) => onChange(e.target.value)}
        />
      );
    }
    case 'array':
      if (schema.items && schemaType(schema.items) === 'object' && !mapValueSchema(schema.items)) {
        return <ObjectListField {...props} label={label} />;
      }
      if (!schema.items || schemaType(schema.items) === 'string') return <StringListField {...props} label={label} />;
      return <JsonField {...props} label={label} />;
    default:
      return <JsonField {...props} label={label} />;
  }
}

function inputType(schema: JsonSchema, path: string): string {
  if (schema.format === 'password' || /(password|secret|token|api_?key)$/i.test(path)) return 'password';
  if (schema.format === 'email') return 'email';
  if (schema.format === 'uri' || schema.format === 'url' || schema.pattern === '^https?://') return 'url';
  return 'text';
}

/** "Sources" -> "Source": what one entry of a list is called. */
function singular(label: string): string {
  if (/ies$/i.test(label)) return label.replace(/ies$/i, 'y');
  if (/sses$/i.test(label)) return label.replace(/es$/i, '');
  if (/[^s]s$/i.test(label)) return label.slice(0, -1);
  return label;
}

/** A list of objects: a fieldset per entry (titled by its name when it has one), add and remove. */
function ObjectListField({ schema, value, path, errors, onChange, disabled, label = 'Items' }: FieldProps) {
  const list = Array.isArray(value) ? (value as unknown[]) : [];
  const itemSchema = schema.items ?? { type: 'object' };
  const one = singular(label);
  const full = schema.maxItems !== undefined && list.length >= schema.maxItems;
  const error = errors[path];
  return (
    <div className="space-y-3" role="group" aria-label={label}>
      <div className="flex items-center justify-between gap-2">
        <h3 className="text-sm font-medium text-slate-700">{label}</h3>
        <span className="text-xs text-slate-500">
          {list.length} {list.length === 1 ? one.toLowerCase() : label.toLowerCase()}
        </span>
      </div>
      {schema.description && <p className="text-xs text-slate-500">{schema.description}</p>}
      {list.length === 0 && <p className="rounded-md border border-dashed border-slate-300 px-3 py-4 text-center text-sm text-slate-500">No {label.toLowerCase()} yet.</p>}
      {list.map((item, i) => {
        const name = item && typeof item === 'object' ? (item as Obj).name : undefined;
        const title = `${one} ${i + 1}${typeof name === 'string' && name ? `: ${name}` : ''}`;
        return (
          <fieldset key={i} className="space-y-4 rounded-md border border-slate-200 bg-slate-50/50 p-3" data-testid="schema-list-item">
            <legend className="flex items-center gap-2 px-1 text-sm font-medium text-slate-700">{title}</legend>
            <SchemaField
              schema={itemSchema}
              value={item}
              path={joinPath(path, i)}
              errors={errors}
              disabled={disabled}
              onChange={(v) => onChange(list.map((x, j) => (j === i ? v : x)))}
              root
            />
            <div className="flex justify-end">
              <Button variant="dangerGhost" size="sm" disabled={disabled} onClick={() => onChange(list.filter((_, j) => j !== i))}>
                <Icon name="x" className="h-4 w-4" /> Remove {one.toLowerCase()} {i + 1}
              </Button>
            </div>
          </fieldset>
        );
      })}
      <Button variant="secondary" size="sm" disabled={disabled || full} onClick={() => onChange([...list, defaultsFor(itemSchema) ?? {}])}>
        <Icon name="plus" className="h-4 w-4" /> Add {one.toLowerCase()}
      </Button>
      {error && (
        <p role="alert" className="text-xs text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

/** An editable list of strings: one input per entry, add and remove buttons. */
function StringListField({ schema, value, path, errors, onChange, disabled, required, label = 'Item' }: FieldProps) {
  const list = Array.isArray(value) ? (value as string[]) : [];
  const id = useId();
  const itemSchema = schema.items ?? { type: 'string' };
  const error = errors[path];
  return (
    <fieldset className="space-y-2" aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="text-sm font-medium text-slate-700">
        {label}
        {required && <span className="text-red-600"> *</span>}
      </legend>
      {schema.description && <p className="text-xs text-slate-500">{schema.description}</p>}
      {list.length === 0 && <p className="text-xs text-slate-400">No entries.</p>}
      {list.map((item, i) => {
        const itemPath = joinPath(path, i);
        const itemError = errors[itemPath];
        return (
          <div key={i} className="flex items-start gap-2">
            <div className="flex-1">
              {itemSchema.enum ? (
                <SelectField
                  label={`${label} ${i + 1}`}
                  value={item}
                  error={itemError}
                  disabled={disabled}
                  options={itemSchema.enum.map((v) => ({ value: String(v), label: String(v) }))}
                  onChange={(e) => onChange(list.map((x, j) => (j === i ? e.target.value : x)))}
                />
              ) : (
                <TextField
                  label={`${label} ${i + 1}`}
                  value={item}
                  error={itemError}
                  disabled={disabled}
                  onChange={(e) => onChange(list.map((x, j) => (j === i ? e.target.value : x)))}
                />
              )}
            </div>
            <Button
              variant="ghost"
              size="sm"
              className="mt-6"
              disabled={disabled}
              aria-label={`Remove ${label} ${i + 1}`}
              onClick={() => onChange(list.filter((_, j) => j !== i))}
            >
              <Icon name="x" className="h-4 w-4" />
            </Button>
          </div>
        );
      })}
      <Button variant="secondary" size="sm" disabled={disabled} onClick={() => onChange([...list, itemSchema.enum ? String(itemSchema.enum[0]) : ''])}>
        <Icon name="plus" className="h-4 w-4" /> Add {label.toLowerCase()}
      </Button>
      {error && (
        <p id={`${id}-error`} role="alert" className="text-xs text-red-700">
          {error}
        </p>
      )}
    </fieldset>
  );
}

/**
 * A map of names to strings (HTTP headers): name/value rows. Rows live in
 * local state so a half-typed name does not merge or drop entries; the map
 * handed up is rebuilt from them on every change.
 */
function MapField({ schema, value, path, errors, onChange, disabled, label = 'Entries' }: FieldProps) {
  const [rows, setRows] = useState<Array<[string, string]>>(() =>
    value && typeof value === 'object' ? Object.entries(value as Obj).map(([k, v]) => [k, String(v ?? '')]) : [],
  );
  const update = (next: Array<[string, string]>) => {
    setRows(next);
    const out: Obj = {};
    for (const [k, v] of next) if (k.trim() || v) out[k.trim()] = v;
    onChange(Object.keys(out).length ? out : undefined);
  };
  const error = errors[path];
  const full = schema.maxProperties !== undefined && rows.length >= schema.maxProperties;
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-slate-700">{label}</legend>
      {schema.description && <p className="text-xs text-slate-500">{schema.description}</p>}
      {rows.length === 0 && <p className="text-xs text-slate-400">None.</p>}
      {rows.map(([k, v], i) => (
        <div key={i} className="grid grid-cols-[minmax(0,1fr)_minmax(0,1.5fr)_auto] items-start gap-2">
          <TextField label={`${label} ${i + 1} name`} value={k} disabled={disabled} autoComplete="off" spellCheck={false} onChange={(e) => update(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))} />
          <TextField
            label={`${label} ${i + 1} value`}
            value={v}
            disabled={disabled}
            autoComplete="off"
            spellCheck={false}
            error={errors[joinPath(path, k)] ?? null}
            type={/authorization|token|secret|key/i.test(k) ? 'password' : 'text'}
            onChange={(e) => update(rows.map((r, j) => (j === i ? [r[0], e.target.value] : r)))}
          />
          <Button variant="ghost" size="sm" className="mt-6" disabled={disabled} aria-label={`Remove ${label} ${i + 1}`} onClick={() => update(rows.filter((_, j) => j !== i))}>
            <Icon name="x" className="h-4 w-4" />
          </Button>
        </div>
      ))}
      <Button variant="secondary" size="sm" disabled={disabled || full} onClick={() => update([...rows, ['', '']])}>
        <Icon name="plus" className="h-4 w-4" /> Add {singular(label).toLowerCase()}
      </Button>
      {error && (
        <p role="alert" className="text-xs text-red-700">
          {error}
        </p>
      )}
    </fieldset>
  );
}

/** Anything the generator does not model: edit it as JSON. */
function JsonField({ value, path, errors, onChange, disabled, required, label, schema }: FieldProps) {
  const [text, setText] = useState(() => (value === undefined ? '' : JSON.stringify(value, null, 2)));
  const [parseError, setParseError] = useState<string | null>(null);
  return (
    <TextArea
      label={label as ReactNode}
      hint={schema.description ?? 'JSON'}
      rows={4}
      required={required}
      disabled={disabled}
      value={text}
      error={parseError ?? errors[path] ?? null}
      onChange={(e) => {
        setText(e.target.value);
        if (!e.target.value.trim()) {
          setParseError(null);
          onChange(undefined);
          return;
        }
        try {
          onChange(JSON.parse(e.target.value));
          setParseError(null);
        } catch {
          setParseError('Not valid JSON yet');
        }
      }}
    />
  );
}
