import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import type { JsonSchema } from '../../api/types';
import { SchemaForm } from './SchemaForm';
import { validateSchema } from './validate';

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
