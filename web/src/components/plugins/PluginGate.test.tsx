import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { PluginGate } from './PluginGate';

const org = vi.hoisted(() => ({ role: 'owner', permissions: [] as string[] }));
const installed = vi.hoisted(() => ({ items: [] as Array<{ name: string; status: string; error?: string }> }));

vi.mock('../../hooks/useOrg', () => ({
  useOrg: () => ({ slug: 'acme', org: { role: org.role }, can: (p: string) => org.permissions.includes(p) }),
}));
vi.mock('./usePluginCatalog', () => ({
  useInstalledPlugins: () => ({ isLoading: false, error: null, data: { items: installed.items } }),
}));

const ADMIN = ['plugins:install', 'plugins:configure', 'plugins:invoke'];

function gate() {
  return render(
    <MemoryRouter>
      <PluginGate plugin="files" what="browse files" icon="folder">
        <p>the page</p>
      </PluginGate>
    </MemoryRouter>,
  );
}

describe('PluginGate', () => {
  beforeEach(() => {
    org.role = 'owner';
    org.permissions = ADMIN;
    installed.items = [];
  });

  it('says the plugin is missing and links owners and admins to the marketplace', () => {
    gate();
    expect(screen.getByText('The files plugin is not installed in this organization')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Install it from the marketplace' })).toHaveAttribute('href', '/o/acme/plugins?tab=marketplace');
    expect(screen.queryByText('the page')).toBeNull();
  });

  it('offers members no install link', () => {
    org.role = 'member';
    org.permissions = ['plugins:invoke'];
    gate();
    expect(screen.getByText(/An owner or admin of this organization can install it/)).toBeInTheDocument();
    expect(screen.queryByRole('link')).toBeNull();
  });

  it('tells a viewer their role cannot open it, with no controls', () => {
    org.role = 'viewer';
    org.permissions = ['plugins:read'];
    installed.items = [{ name: 'files', status: 'running' }];
    gate();
    expect(screen.getByText('Your role cannot open the files plugin')).toBeInTheDocument();
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.queryByText('the page')).toBeNull();
  });

  it('waits for a starting plugin and explains a crashed one', () => {
    installed.items = [{ name: 'files', status: 'starting' }];
    const { unmount } = gate();
    expect(screen.getByRole('status')).toHaveTextContent('The files plugin is starting…');
    unmount();
    installed.items = [{ name: 'files', status: 'crashed', error: 'exit status 2' }];
    gate();
    expect(screen.getByText('The files plugin is crashed')).toBeInTheDocument();
    expect(screen.getByText('exit status 2')).toBeInTheDocument();
  });

  it('renders the page when the plugin runs and the role may call it', () => {
    installed.items = [{ name: 'files', status: 'running' }];
    gate();
    expect(screen.getByText('the page')).toBeInTheDocument();
  });
});
