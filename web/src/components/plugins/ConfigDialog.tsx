import { useQuery, useQueryClient } from '@tanstack/react-query';
import { pluginsApi } from '../../api/plugins';
import { qk } from '../../api/queryKeys';
import type { JsonSchema } from '../../api/types';
import { SchemaForm } from '../schema-form/SchemaForm';
import { ErrorAlert } from '../ui/Alert';
import { Dialog } from '../ui/Dialog';
import { Loading } from '../ui/Spinner';

/** Edit a plugin's per-org config with a form generated from its config_schema. */
export function ConfigDialog({ org, name, schema, onClose }: { org: string; name: string; schema: JsonSchema; onClose: () => void }) {
  const queryClient = useQueryClient();
  const config = useQuery({ queryKey: qk.pluginConfig(org, name), queryFn: () => pluginsApi.config(org, name) });
  return (
    <Dialog open onClose={onClose} title={`Configure ${name}`} description="Settings for this organization only." size="lg">
      {config.isLoading ? (
        <Loading />
      ) : config.error ? (
        <ErrorAlert error={config.error} title="The current configuration could not be loaded" />
      ) : (
        <SchemaForm
          schema={schema}
          initialValue={unwrapConfig(config.data)}
          submitLabel="Save configuration"
          onCancel={onClose}
          onSubmit={async (value) => {
            await pluginsApi.saveConfig(org, name, value as Record<string, unknown>);
            await queryClient.invalidateQueries({ queryKey: qk.pluginConfig(org, name) });
            await queryClient.invalidateQueries({ queryKey: qk.plugins(org) });
          }}
        />
      )}
    </Dialog>
  );
}

/** GET /config may answer the bare object or `{config: {...}}`; accept both. */
function unwrapConfig(data: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!data) return undefined;
  const keys = Object.keys(data);
  if (keys.length === 1 && keys[0] === 'config' && data.config && typeof data.config === 'object') {
    return data.config as Record<string, unknown>;
  }
  return data;
}
