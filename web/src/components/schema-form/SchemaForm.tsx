import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, errorMessage } from '../../api/errors';
import type { JsonSchema } from '../../api/types';
import { humanize } from '../../lib/format';
import { Alert } from '../ui/Alert';
import { Button } from '../ui/Button';
import { Checkbox, SelectField, TextArea, TextField } from '../ui/Field';
import { Icon } from '../ui/Icon';
import { defaultsFor, joinPath, pruneEmpty, schemaType, validateSchema, type FieldErrors } from './validate';

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
}

/**
 * A form generated from a plugin's JSON Schema (config or action input).
 * Renders strings, numbers, booleans, enums, nested objects and arrays of
 * strings; checks required fields and simple constraints before sending;
 * and shows a server validation error next to the field it names.
 */
export function SchemaForm({ schema, initialValue, submitLabel = 'Save', onSubmit, onCancel, disabled, successMessage = 'Saved.' }: SchemaFormProps) {
  const [value, setValue] = useState<unknown>(() => initialValue ?? defaultsFor(schema) ?? {});
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    setFormError(null);
    const found = validateSchema(schema, value);
    setErrors(found);
    if (Object.keys(found).length) {
      // Move focus to the first invalid control, like native validation would.
      requestAnimationFrame(() => (document.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus());
      return;
    }
    setBusy(true);
    try {
      await onSubmit(pruneEmpty(schema, value));
      setSaved(true);
    } catch (err) {
      const field = err instanceof ApiError ? normalizeField(err.field) : undefined;
      if (field && fieldExists(schema, field)) setErrors({ [field]: err instanceof Error ? err.message : 'Invalid' });
      else setFormError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="Plugin settings">
      <SchemaField schema={schema} value={value} path="" errors={errors} onChange={setValue} disabled={disabled || busy} root />
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

/** Servers name fields "a.b", "a/b", "/a/b" or "a[0]"; use dots. */
function normalizeField(field?: string): string | undefined {
  if (!field) return undefined;
  return field
    .replace(/^[/$.]+/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/\//g, '.');
}

function fieldExists(schema: JsonSchema, path: string): boolean {
  let s: JsonSchema | undefined = schema;
  for (const part of path.split('.')) {
    if (!s) return false;
    s = schemaType(s) === 'array' ? s.items : s.properties?.[part];
  }
  return !!s;
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
    const obj = (value && typeof value === 'object' ? value : {}) as Obj;
    const entries = Object.entries(schema.properties ?? {});
    if (!entries.length) return <JsonField {...props} label={label} />;
    const body = entries.map(([key, sub]) => (
      <SchemaField
        key={key}
        schema={sub}
        value={obj[key]}
        path={joinPath(path, key)}
        errors={errors}
        disabled={disabled}
        label={humanize(key)}
        required={(schema.required ?? []).includes(key)}
        onChange={(v) => onChange({ ...obj, [key]: v })}
      />
    ));
    if (props.root) return <div className="space-y-4">{body}</div>;
    return (
      <fieldset className="space-y-4 rounded-md border border-slate-200 p-3">
        <legend className="px-1 text-sm font-medium text-slate-700">{label}</legend>
        {hint && <p className="text-xs text-slate-500">{hint}</p>}
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
        <Checkbox
          label={label}
          hint={hint}
          error={error}
          disabled={disabled}
          checked={value === true}
          onChange={(e) => onChange(e.target.checked)}
        />
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
    case 'string':
      return (
        <TextField
          type={inputType(schema, path)}
          label={label}
          hint={hint}
          error={error}
          required={required}
          disabled={disabled}
          value={typeof value === 'string' ? value : ''}
          maxLength={schema.maxLength}
          autoComplete="off"
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case 'array':
      if (!schema.items || schemaType(schema.items) === 'string') {
        return <StringListField {...props} label={label} />;
      }
      return <JsonField {...props} label={label} />;
    default:
      return <JsonField {...props} label={label} />;
  }
}

function inputType(schema: JsonSchema, path: string): string {
  if (schema.format === 'password' || /(password|secret|token|api_?key)$/i.test(path)) return 'password';
  if (schema.format === 'email') return 'email';
  if (schema.format === 'uri' || schema.format === 'url') return 'url';
  return 'text';
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
      <Button
        variant="secondary"
        size="sm"
        disabled={disabled}
        onClick={() => onChange([...list, itemSchema.enum ? String(itemSchema.enum[0]) : ''])}
      >
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
