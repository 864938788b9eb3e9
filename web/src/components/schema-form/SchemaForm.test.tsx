import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { JsonSchema } from '../../api/types';
import { SchemaForm } from './SchemaForm';
import { discriminatorOf, pruneEmpty, validateSchema } from './validate';

const schema: JsonSchema = {
  type: 'object',
  required: ['endpoint', 'interval'],
  properties: {
    endpoint: { type: 'string', title: 'Endpoint', format: 'uri', description: 'Where to pull from' },
    interval: { type: 'integer', title: 'Interval (s)', minimum: 10 },
    verbose: { type: 'boolean', title: 'Verbose logging' },
    mode: { type: 'string', title: 'Mode', enum: ['full', 'incremental'] },
    auth: {
      type: 'object',
      title: 'Authentication',
      required: ['username'],
      properties: {
        username: { type: 'string', title: 'Username' },
        password: { type: 'string', title: 'Password' },
      },
    },
    tags: { type: 'array', title: 'Tags', items: { type: 'string' } },
  },
};

describe('validateSchema', () => {
  it('reports required, type and range problems by dotted path', () => {
    expect(validateSchema(schema, {})).toEqual({ endpoint: 'Required', interval: 'Required' });
    expect(
      validateSchema(schema, { endpoint: 'nope', interval: 5, auth: { password: 'x' }, tags: ['a', ''] }),
    ).toEqual({
      endpoint: 'Enter a full URL (https://…)',
      interval: 'Must be at least 10',
      'auth.username': 'Required',
      'tags.1': 'Remove empty entries',
    });
    expect(validateSchema(schema, { endpoint: 'https://x.io', interval: 10.5 })).toEqual({ interval: 'Must be a whole number' });
  });
});

describe('SchemaForm', () => {
  it('renders a control for every kind of field', () => {
    render(<SchemaForm schema={schema} onSubmit={vi.fn()} />);
    expect(screen.getByLabelText(/Endpoint/)).toHaveAttribute('type', 'url');
    expect(screen.getByText('Where to pull from')).toBeInTheDocument();
    expect(screen.getByLabelText(/Interval/)).toHaveAttribute('type', 'number');
    expect(screen.getByLabelText('Verbose logging')).toHaveAttribute('type', 'checkbox');
    expect(screen.getByLabelText('Mode').tagName).toBe('SELECT');
    expect(screen.getByRole('group', { name: 'Authentication' })).toBeInTheDocument();
    expect(screen.getByLabelText('Password')).toHaveAttribute('type', 'password');
    expect(screen.getByRole('button', { name: /Add tags/ })).toBeInTheDocument();
  });

  it('blocks submit and shows errors in place when required fields are missing', async () => {
    const onSubmit = vi.fn();
    render(<SchemaForm schema={schema} onSubmit={onSubmit} />);
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByLabelText(/Endpoint/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getAllByText('Required')).toHaveLength(2);
  });

  it('submits typed values and leaves unset optional fields out', async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(<SchemaForm schema={schema} onSubmit={onSubmit} />);
    await userEvent.type(screen.getByLabelText(/Endpoint/), 'https://api.example.com');
    await userEvent.type(screen.getByLabelText(/Interval/), '30');
    await userEvent.click(screen.getByLabelText('Verbose logging'));
    await userEvent.selectOptions(screen.getByLabelText('Mode'), 'incremental');
    await userEvent.type(screen.getByLabelText(/Username/), 'bot');
    await userEvent.click(screen.getByRole('button', { name: /Add tags/ }));
    await userEvent.type(screen.getByLabelText('Tags 1'), 'prod');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    expect(onSubmit).toHaveBeenCalledWith({
      endpoint: 'https://api.example.com',
      interval: 30,
      verbose: true,
      mode: 'incremental',
      auth: { username: 'bot' },
      tags: ['prod'],
    });
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
  });

  it('puts a server validation error next to the field it names', async () => {
    const onSubmit = vi.fn().mockRejectedValue(new ApiError(422, 'invalid_config', 'Host is not reachable', 'auth/username'));
    render(<SchemaForm schema={schema} initialValue={{ endpoint: 'https://a.io', interval: 60, auth: { username: 'x' } }} onSubmit={onSubmit} />);
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    const username = screen.getByLabelText(/Username/);
    await waitFor(() => expect(username).toHaveAttribute('aria-invalid', 'true'));
    expect(screen.getByText('Host is not reachable')).toBeInTheDocument();
  });

  it('shows a server error without a known field above the buttons', async () => {
    const onSubmit = vi.fn().mockRejectedValue(new ApiError(500, 'internal', 'Plugin crashed'));
    render(<SchemaForm schema={schema} initialValue={{ endpoint: 'https://a.io', interval: 60 }} onSubmit={onSubmit} />);
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Plugin crashed');
  });
});

/** The sync plugin's config schema, trimmed: a list of sources with a type switch. */
const syncSchema: JsonSchema = {
  type: 'object',
  properties: {
    sources: {
      type: 'array',
      maxItems: 2,
      items: {
        type: 'object',
        required: ['name', 'type'],
        properties: {
          name: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,62}$' },
          type: { enum: ['http', 'file'] },
          key: { type: 'string', minLength: 1 },
          http: {
            type: 'object',
            required: ['url'],
            properties: {
              url: { type: 'string', pattern: '^https?://' },
              headers: { type: 'object', additionalProperties: { type: 'string' } },
            },
          },
          file: { type: 'object', properties: { path: { type: 'string' }, format: { enum: ['csv', 'jsonl'] } } },
        },
      },
    },
  },
};

describe('SchemaForm: lists of objects, type switches, maps', () => {
  it('finds the type switch and applies only the chosen branch', () => {
    const item = syncSchema.properties!.sources.items!;
    expect(discriminatorOf(item)).toEqual({ key: 'type', branches: ['http', 'file'] });
    // The chosen branch counts as required (its url), the other is ignored.
    expect(validateSchema(syncSchema, { sources: [{ name: 'crm', type: 'http', file: { path: 'x' } }] })).toEqual({
      'sources.0.http.url': 'Required',
    });
    expect(pruneEmpty(syncSchema, { sources: [{ name: 'a', type: 'file', file: { path: 'a.csv' }, http: { url: 'https://x' }, key: '' }] })).toEqual({
      sources: [{ name: 'a', type: 'file', file: { path: 'a.csv' } }],
    });
  });

  it('adds sources, shows the chosen branch, and submits what applies', async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(<SchemaForm schema={syncSchema} onSubmit={onSubmit} />);
    expect(screen.getByText('No sources yet.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Add source' }));
    const first = screen.getByRole('group', { name: /^Source 1/ });
    await userEvent.type(within(first).getByLabelText(/Name/), 'Contacts');
    await userEvent.selectOptions(within(first).getByLabelText(/Type/), 'file');
    expect(within(first).getByRole('group', { name: 'File settings' })).toBeInTheDocument();
    expect(within(first).queryByRole('group', { name: 'Http settings' })).not.toBeInTheDocument();
    await userEvent.type(within(first).getByLabelText('Path'), 'contacts.csv');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(within(first).getByText('Lowercase letters, digits, - and _; start with a letter')).toBeInTheDocument();
    await userEvent.clear(within(first).getByLabelText(/Name/));
    await userEvent.type(within(first).getByLabelText(/Name/), 'contacts');

    await userEvent.click(screen.getByRole('button', { name: 'Add source' }));
    const second = screen.getByRole('group', { name: /^Source 2/ });
    await userEvent.type(within(second).getByLabelText(/Name/), 'crm');
    await userEvent.selectOptions(within(second).getByLabelText(/Type/), 'http');
    await userEvent.type(within(second).getByLabelText(/Url/), 'https://api.example.com/contacts');
    await userEvent.click(within(second).getByRole('button', { name: 'Add header' }));
    await userEvent.type(within(second).getByLabelText('Headers 1 name'), 'Authorization');
    await userEvent.type(within(second).getByLabelText('Headers 1 value'), 'Bearer s3cret');
    expect(within(second).getByLabelText('Headers 1 value')).toHaveAttribute('type', 'password');
    // maxItems: no third source.
    expect(screen.getByRole('button', { name: 'Add source' })).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    expect(onSubmit).toHaveBeenCalledWith({
      sources: [
        { name: 'contacts', type: 'file', file: { path: 'contacts.csv' } },
        { name: 'crm', type: 'http', http: { url: 'https://api.example.com/contacts', headers: { Authorization: 'Bearer s3cret' } } },
      ],
    });
  });

  it("puts the server's error on the field it names, under the form's prefix", async () => {
    const onSubmit = vi
      .fn()
      .mockRejectedValue(new ApiError(400, 'invalid_input', "config.sources.0.key length must be >= 1", 'config.sources.0.key'));
    render(
      <SchemaForm
        schema={syncSchema}
        fieldPrefix="config"
        initialValue={{ sources: [{ name: 'a', type: 'file', file: { path: 'a.csv' } }] }}
        onSubmit={onSubmit}
      />,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    const key = screen.getByLabelText('Key');
    await waitFor(() => expect(key).toHaveAttribute('aria-invalid', 'true'));
    expect(screen.getByText('Length must be >= 1')).toBeInTheDocument();
  });

  it('removes an entry', async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(<SchemaForm schema={syncSchema} initialValue={{ sources: [{ name: 'a', type: 'file' }, { name: 'b', type: 'file' }] }} onSubmit={onSubmit} />);
    await userEvent.click(screen.getByRole('button', { name: 'Remove source 1' }));
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledWith({ sources: [{ name: 'b', type: 'file' }] }));
  });
});
