import { useQuery, useQueryClient } from '@tanstack/react-query';
import { pluginsApi } from '../../api/plugins';
import { qk } from '../../api/queryKeys';
import type { JsonSchema } from '../../api/types';
import { toast } from '../../stores/toasts';
import { SchemaForm } from '../schema-form/SchemaForm';
import { ErrorAlert } from '../ui/Alert';
import { Dialog } from '../ui/Dialog';
import { Loading } from '../ui/Spinner';

/**
 * Edit a plugin's per-org config with a form generated from its
 * config_schema. The server checks it against the same schema and names the
 * field at fault (`config.sources.0.name`), which the form shows in place.
 */
export function ConfigDialog({ org, name, schema, onClose }: { org: string; name: string; schema: JsonSchema; onClose: () => void }) {
  const queryClient = useQueryClient();
  const config = useQuery({ queryKey: qk.pluginConfig(org, name), queryFn: () => pluginsApi.config(org, name), staleTime: 0 });
  return (
    <Dialog open onClose={onClose} title={`Configure ${name}`} description="Settings for this organization only." size="lg">
      {config.isLoading ? (
        <Loading />
      ) : config.error ? (
        <ErrorAlert error={config.error} title="The current configuration could not be loaded" />
      ) : (
        <SchemaForm
          schema={schema}
          initialValue={config.data}
          submitLabel="Save configuration"
          label={`${name} configuration`}
          fieldPrefix="config"
          successMessage={null}
          onCancel={onClose}
          onSubmit={async (value) => {
            const saved = await pluginsApi.saveConfig(org, name, value as Record<string, unknown>);
            queryClient.setQueryData(qk.pluginConfig(org, name), saved);
            await queryClient.invalidateQueries({ queryKey: qk.plugins(org) });
            await queryClient.invalidateQueries({ queryKey: qk.pluginSources(org, name) });
            toast.success(`${name} configuration saved`);
            onClose();
          }}
        />
      )}
    </Dialog>
  );
}
