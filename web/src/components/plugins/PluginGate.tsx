import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { useOrg } from '../../hooks/useOrg';
import { roleLabel } from '../../lib/roles';
import { ErrorAlert } from '../ui/Alert';
import { buttonClasses } from '../ui/Button';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { Icon, type IconName } from '../ui/Icon';
import { Loading, Spinner } from '../ui/Spinner';
import { useInstalledPlugins } from './usePluginCatalog';

/**
 * Renders a plugin's page only when the plugin can serve it: installed in
 * the org, its process running, and the caller allowed to call plugins
 * (plugins:invoke, which viewers lack). Otherwise it says which of these is
 * missing and, to those who may install plugins, links to the marketplace.
 */
export function PluginGate({ plugin, what, icon, children }: { plugin: string; what: string; icon: IconName; children: ReactNode }) {
  const { slug, org, can } = useOrg();
  const installed = useInstalledPlugins(slug);
  if (installed.isLoading || !org) return <Loading />;
  if (installed.error) return <ErrorAlert error={installed.error} title="Installed plugins could not be loaded" />;
  const p = installed.data?.items.find((i) => i.name === plugin);
  if (!p) {
    return (
      <Card>
        <div data-testid="plugin-missing">
          <EmptyState
            title={`The ${plugin} plugin is not installed in this organization`}
            icon={<Icon name={icon} className="h-8 w-8" />}
            action={
              can('plugins:install') ? (
                <Link to={`/o/${slug}/plugins?tab=marketplace`} className={buttonClasses('primary')}>
                  <Icon name="puzzle" className="h-4 w-4" /> Install it from the marketplace
                </Link>
              ) : undefined
            }
          >
            {can('plugins:install') ? `Install it to ${what}.` : `An owner or admin of this organization can install it to ${what}.`}
          </EmptyState>
        </div>
      </Card>
    );
  }
  if (!can('plugins:invoke')) {
    return (
      <Card>
        <div data-testid="plugin-forbidden">
          <EmptyState title={`Your role cannot open the ${plugin} plugin`} icon={<Icon name="shield" className="h-8 w-8" />}>
            With the {roleLabel[org.role].toLowerCase()} role you can see that it is installed; to {what}, ask an admin for the member role.
          </EmptyState>
        </div>
      </Card>
    );
  }
  if (p.status === 'starting') {
    return (
      <Card>
        <div className="flex min-h-32 items-center justify-center">
          <Spinner label={`The ${plugin} plugin is starting…`} />
        </div>
      </Card>
    );
  }
  if (p.status !== 'running') {
    return (
      <Card>
        <EmptyState title={`The ${plugin} plugin is ${p.status}`} icon={<Icon name="alert" className="h-8 w-8" />}>
          {p.error ? <span className="break-words">{p.error}</span> : 'It cannot answer until its process runs again.'}
          {can('plugins:install') && (
            <span className="mt-2 block">
              <Link to={`/o/${slug}/plugins`} className="font-medium text-brand-700 hover:underline">
                See it on the Plugins page
              </Link>
            </span>
          )}
        </EmptyState>
      </Card>
    );
  }
  return <>{children}</>;
}
