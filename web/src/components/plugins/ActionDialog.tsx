import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { jobsApi, pluginsApi } from '../../api/plugins';
import { qk } from '../../api/queryKeys';
import type { JsonSchema, PluginAction } from '../../api/types';
import { SchemaForm } from '../schema-form/SchemaForm';
import { Dialog } from '../ui/Dialog';

const emptyInput: JsonSchema = { type: 'object', properties: {} };

/**
 * Run a plugin action. Actions flagged `job` start a tracked job (then the
 * Monitoring page shows its progress); others answer at once and their JSON
 * output is shown here.
 */
export function ActionDialog({ org, plugin, action, onClose }: { org: string; plugin: string; action: PluginAction; onClose: () => void }) {
  const [output, setOutput] = useState<unknown>(undefined);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const schema = action.input_schema ?? emptyInput;
  const hasFields = Object.keys(schema.properties ?? {}).length > 0 || schema.type !== 'object';

  return (
    <Dialog open onClose={onClose} title={`${plugin}: ${action.name}`} description={action.description} size="lg">
      <div className="space-y-4">
        {!hasFields && <p className="text-sm text-slate-600">This action takes no input.</p>}
        <SchemaForm
          schema={schema}
          submitLabel={action.job ? 'Start job' : 'Run action'}
          successMessage={null}
          onCancel={onClose}
          onSubmit={async (input) => {
            if (action.job) {
              await jobsApi.start(org, plugin, action.name, input ?? {});
              await queryClient.invalidateQueries({ queryKey: qk.jobs(org) });
              onClose();
              navigate(`/o/${org}/monitoring`);
              return;
            }
            setOutput(await pluginsApi.invoke(org, plugin, action.name, input ?? {}));
          }}
        />
        {output !== undefined && (
          <div>
            <h3 className="mb-1 text-sm font-medium text-slate-700">Output</h3>
            <pre className="max-h-72 overflow-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100" data-testid="action-output">
              {JSON.stringify(output, null, 2)}
            </pre>
          </div>
        )}
      </div>
    </Dialog>
  );
}
