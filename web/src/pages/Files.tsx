import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type DragEvent, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { ApiError, errorField, errorMessage } from '../api/errors';
import { filesApi, type FileEntry } from '../api/files';
import { qk } from '../api/queryKeys';
import { PluginGate } from '../components/plugins/PluginGate';
import { Alert, ErrorAlert } from '../components/ui/Alert';
import { Badge } from '../components/ui/Badge';
import { Button } from '../components/ui/Button';
import { Card, PageHeader } from '../components/ui/Card';
import { ConfirmDialog, Dialog } from '../components/ui/Dialog';
import { EmptyState } from '../components/ui/EmptyState';
import { TextField } from '../components/ui/Field';
import { Icon } from '../components/ui/Icon';
import { ProgressBar } from '../components/ui/ProgressBar';
import { Loading } from '../components/ui/Spinner';
import { cx } from '../components/ui/cx';
import { useBatchedEvents } from '../hooks/useBatchedEvents';
import { useNow } from '../hooks/useNow';
import { useOrg } from '../hooks/useOrg';
import { useRealtimeEvent } from '../hooks/useRealtimeEvents';
import { crumbs, nameProblem } from '../lib/fileNames';
import { formatBytes, formatNumber } from '../lib/format';
import { useMeaningfulPaint } from '../lib/paintMark';
import { absoluteTime, relativeTime } from '../lib/relativeTime';
import { cancelTransfer, dismissTransfer, retryUpload, startDownload, startUpload, uploadProgressEvent, useTransfers, type Transfer } from '../stores/transfers';
import { toast } from '../stores/toasts';

type View = 'files' | 'trash';

export default function Files() {
  const { slug, org } = useOrg();
  useMeaningfulPaint(!!org, 'files');
  return (
    <div className="mx-auto max-w-6xl">
      <PageHeader title="Files" description="The organization's files and folders: uploads resume where they stopped, deleted items wait in the trash." />
      <PluginGate plugin="files" what="browse, upload and share files" icon="folder">
        <FilesBrowser org={slug} />
      </PluginGate>
    </div>
  );
}

function FilesBrowser({ org }: { org: string }) {
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const view: View = params.get('view') === 'trash' ? 'trash' : 'files';
  const path = params.get('path') || '/';
  const trash = useQuery({ queryKey: qk.filesTrash(org), queryFn: () => filesApi.trash(org) });

  // The tree changes under us (another member, another tab): refetch, once per batch.
  useBatchedEvents('file.operation', () => void queryClient.invalidateQueries({ queryKey: qk.files(org) }), { minIntervalMs: 300 });
  useRealtimeEvent('file.upload.progress', (e) => {
    const d = e.data;
    if (typeof d.upload_id === 'string' && typeof d.bytes === 'number') uploadProgressEvent(org, d.upload_id, d.bytes);
  });

  const setView = (v: View) =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (v === 'trash') next.set('view', 'trash');
        else next.delete('view');
        return next;
      },
      { replace: true },
    );

  return (
    <div className="space-y-6">
      <UsageCard org={org} />
      <div>
        <div role="tablist" aria-label="File views" className="mb-4 flex gap-1 border-b border-slate-200">
          {(['files', 'trash'] as View[]).map((v) => (
            <button
              key={v}
              role="tab"
              type="button"
              id={`tab-${v}`}
              aria-selected={view === v}
              aria-controls={`panel-${v}`}
              onClick={() => setView(v)}
              className={cx(
                '-mb-px border-b-2 px-4 py-2 text-sm font-medium',
                view === v ? 'border-brand-600 text-brand-700' : 'border-transparent text-slate-500 hover:text-slate-800',
              )}
            >
              {v === 'files' ? 'Files' : `Trash${trash.data ? ` (${trash.data.items.length})` : ''}`}
            </button>
          ))}
        </div>
        <div role="tabpanel" id={`panel-${view}`} aria-labelledby={`tab-${view}`}>
          {view === 'files' ? <FolderView org={org} path={path} /> : <TrashView org={org} />}
        </div>
      </div>
    </div>
  );
}

/** Storage used against the quota, with what unfinished uploads hold. */
function UsageCard({ org }: { org: string }) {
  const usage = useQuery({ queryKey: qk.filesUsage(org), queryFn: () => filesApi.usage(org) });
  const u = usage.data;
  const pct = u && u.quota_bytes > 0 ? ((u.used_bytes + u.reserved_bytes) / u.quota_bytes) * 100 : null;
  return (
    <Card>
      {usage.isLoading ? (
        <Loading label="Measuring storage…" />
      ) : usage.error ? (
        <ErrorAlert error={usage.error} title="Storage use could not be loaded" />
      ) : u ? (
        <div className="space-y-2" data-testid="files-usage">
          <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
            <p>
              <span className="font-semibold text-slate-900 tabular-nums" data-testid="usage-used">
                {formatBytes(u.used_bytes)}
              </span>{' '}
              <span className="text-slate-500">
                of <span className="tabular-nums">{formatBytes(u.quota_bytes)}</span> used
              </span>
            </p>
            <p className="text-xs text-slate-500 tabular-nums">
              {formatNumber(u.files)} file{u.files === 1 ? '' : 's'} · {formatNumber(u.folders)} folder{u.folders === 1 ? '' : 's'}
              {u.reserved_bytes > 0 && <> · {formatBytes(u.reserved_bytes)} held by uploads in progress</>}
            </p>
          </div>
          <ProgressBar value={pct} label="Storage used of the quota" tone={pct !== null && pct >= 90 ? 'red' : 'brand'} />
          <p className="text-xs text-slate-500">Files in the trash count until it is emptied. One file may hold up to {formatBytes(u.max_file_bytes)}.</p>
        </div>
      ) : null}
    </Card>
  );
}

function FolderView({ org, path }: { org: string; path: string }) {
  const queryClient = useQueryClient();
  const [, setParams] = useSearchParams();
  const listing = useQuery({ queryKey: qk.filesFolder(org, path), queryFn: ({ signal }) => filesApi.list(org, path, signal) });
  const folder = listing.data?.folder;
  const input = useRef<HTMLInputElement>(null);
  const [naming, setNaming] = useState<{ mode: 'mkdir' } | { mode: 'rename'; entry: FileEntry } | null>(null);
  const [dragging, setDragging] = useState(false);
  const transfers = useTransfers((s) => s.transfers).filter((t) => t.org === org);
  const now = useNow(30_000);

  const open = (p: string) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (p === '/') next.delete('path');
      else next.set('path', p);
      return next;
    });

  const upload = (files: FileList | File[] | null) => {
    if (!files || !folder) return;
    for (const f of Array.from(files)) {
      const problem = nameProblem(f.name);
      if (problem) {
        toast.error(`${f.name} was not uploaded`, problem);
        continue;
      }
      startUpload(org, f, folder.id ?? '', folder.path || '/');
    }
  };

  const remove = useMutation({
    mutationFn: (e: FileEntry) => filesApi.remove(org, e.id),
    onSuccess: (_r, e) => {
      toast.success(`${e.name} moved to the trash`, 'Restore it from the Trash tab.');
      void queryClient.invalidateQueries({ queryKey: qk.files(org) });
    },
    onError: (err, e) => toast.error(`${e.name} could not be deleted`, errorMessage(err)),
  });

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    upload(e.dataTransfer.files);
  };

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <Breadcrumbs path={folder?.path || path} onOpen={open} />
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" onClick={() => setNaming({ mode: 'mkdir' })} disabled={!folder}>
            <Icon name="folder" className="h-4 w-4" /> New folder
          </Button>
          <Button onClick={() => input.current?.click()} disabled={!folder}>
            <Icon name="upload" className="h-4 w-4" /> Upload files
          </Button>
          <input
            ref={input}
            type="file"
            multiple
            className="sr-only"
            tabIndex={-1}
            aria-label="Files to upload"
            data-testid="file-input"
            onChange={(e) => {
              upload(e.target.files);
              e.target.value = '';
            }}
          />
        </div>
      </div>
      {transfers.length > 0 && <TransfersCard transfers={transfers} />}
      <Card
        bodyClassName="p-0"
        className={cx(dragging && 'ring-2 ring-brand-400')}
      >
        <div
          onDragOver={(e) => {
            if (!folder) return;
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          {listing.isLoading ? (
            <Loading />
          ) : listing.error ? (
            <div className="space-y-3 p-4">
              {listing.error instanceof ApiError && listing.error.status === 404 ? (
                <Alert kind="warning" title="This folder is not there">
                  It may have been renamed, moved or deleted.{' '}
                  <button type="button" className="font-medium underline" onClick={() => open('/')}>
                    Go to all files
                  </button>
                </Alert>
              ) : (
                <ErrorAlert error={listing.error} title="The folder could not be loaded" />
              )}
            </div>
          ) : !listing.data?.items.length ? (
            <EmptyState
              title={path === '/' ? 'No files yet' : 'This folder is empty'}
              icon={<Icon name="folder" className="h-8 w-8" />}
            >
              Upload files with the button above or drop them here.
            </EmptyState>
          ) : (
            <ul className="divide-y divide-slate-100" aria-label={`Contents of ${folder?.path || '/'}`}>
              {listing.data.items.map((e) => (
                <EntryRow
                  key={e.id}
                  entry={e}
                  now={now}
                  onOpen={() => open(e.path || '/')}
                  onDownload={() => startDownload(org, e)}
                  onRename={() => setNaming({ mode: 'rename', entry: e })}
                  onDelete={() => remove.mutate(e)}
                  deleting={remove.isPending && remove.variables?.id === e.id}
                />
              ))}
            </ul>
          )}
        </div>
      </Card>
      {naming && folder && (
        <NameDialog
          org={org}
          title={naming.mode === 'mkdir' ? 'New folder' : `Rename ${naming.entry.name}`}
          initial={naming.mode === 'mkdir' ? '' : naming.entry.name}
          submitLabel={naming.mode === 'mkdir' ? 'Create folder' : 'Rename'}
          onClose={() => setNaming(null)}
          save={(name) => (naming.mode === 'mkdir' ? filesApi.mkdir(org, folder.id ?? '', name) : filesApi.rename(org, naming.entry.id, name))}
          done={(e) => toast.success(naming.mode === 'mkdir' ? `Folder ${e.name} created` : `Renamed to ${e.name}`)}
        />
      )}
    </div>
  );
}

function Breadcrumbs({ path, onOpen }: { path: string; onOpen: (p: string) => void }) {
  const items = crumbs(path);
  return (
    <nav aria-label="Breadcrumb" className="min-w-0">
      <ol className="flex flex-wrap items-center gap-1 text-sm">
        {items.map((c, i) => {
          const last = i === items.length - 1;
          return (
            <li key={c.path} className="flex min-w-0 items-center gap-1">
              {i > 0 && (
                <span className="text-slate-300" aria-hidden="true">
                  /
                </span>
              )}
              {last ? (
                <span aria-current="page" className="truncate font-medium text-slate-900">
                  {c.name}
                </span>
              ) : (
                <button type="button" onClick={() => onOpen(c.path)} className="truncate rounded text-brand-700 hover:underline">
                  {c.name}
                </button>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

function EntryRow({
  entry: e,
  now,
  onOpen,
  onDownload,
  onRename,
  onDelete,
  deleting,
}: {
  entry: FileEntry;
  now: number;
  onOpen: () => void;
  onDownload: () => void;
  onRename: () => void;
  onDelete: () => void;
  deleting: boolean;
}) {
  const folder = e.kind === 'folder';
  return (
    <li className="flex flex-wrap items-center gap-x-3 gap-y-1 px-4 py-2.5 sm:flex-nowrap" data-testid="file-row" data-kind={e.kind} data-name={e.name}>
      <Icon name={folder ? 'folder' : 'file'} className={cx('h-5 w-5', folder ? 'text-amber-500' : 'text-slate-400')} />
      <div className="min-w-0 flex-1">
        {folder ? (
          <button type="button" onClick={onOpen} className="max-w-full truncate text-left text-sm font-medium text-brand-700 hover:underline">
            {e.name}
          </button>
        ) : (
          <p className="truncate text-sm font-medium text-slate-900" title={e.name}>
            {e.name}
          </p>
        )}
        <p className="truncate text-xs text-slate-500">
          {folder ? 'Folder' : <span data-testid="file-size">{formatBytes(e.size)}</span>}
          {!folder && e.content_type && <span className="hidden sm:inline"> · {e.content_type.split(';')[0]}</span>}
          {' · '}
          <time dateTime={e.updated_at} title={absoluteTime(e.updated_at)}>
            {relativeTime(e.updated_at, now)}
          </time>
        </p>
      </div>
      <div className="ml-auto flex shrink-0 gap-1">
        {!folder && (
          <Button size="sm" variant="ghost" onClick={onDownload} aria-label={`Download ${e.name}`} title="Download">
            <Icon name="download" className="h-4 w-4" />
            <span className="hidden md:inline">Download</span>
          </Button>
        )}
        <Button size="sm" variant="ghost" onClick={onRename} aria-label={`Rename ${e.name}`} title="Rename">
          <Icon name="pencil" className="h-4 w-4" />
          <span className="hidden md:inline">Rename</span>
        </Button>
        <Button size="sm" variant="dangerGhost" onClick={onDelete} loading={deleting} aria-label={`Delete ${e.name}`} title="Move to the trash">
          <Icon name="trash" className="h-4 w-4" />
          <span className="hidden md:inline">Delete</span>
        </Button>
      </div>
    </li>
  );
}

/** A name for a new folder or an entry being renamed: checked before it is sent, and the server's answer shown in place. */
function NameDialog({
  title,
  initial,
  submitLabel,
  onClose,
  save,
  done,
  org,
}: {
  org: string;
  title: string;
  initial: string;
  submitLabel: string;
  onClose: () => void;
  save: (name: string) => Promise<FileEntry>;
  done: (e: FileEntry) => void;
}) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: save,
    onSuccess: (e) => {
      void queryClient.invalidateQueries({ queryKey: qk.files(org) });
      done(e);
      onClose();
    },
  });
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    const p = nameProblem(name);
    setProblem(p);
    if (p) return;
    mutation.mutate(name.normalize('NFC'));
  };
  // The server's refusal: next to the name when it is about the name (a bad one, one taken).
  const err = mutation.error;
  const inPlace = err instanceof ApiError && (errorField(err) === 'name' || err.status === 409);
  return (
    <Dialog
      open
      onClose={onClose}
      title={title}
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" form="name-form" loading={mutation.isPending}>
            {submitLabel}
          </Button>
        </>
      }
    >
      <form id="name-form" onSubmit={submit} noValidate className="space-y-3">
        <TextField
          label="Name"
          value={name}
          data-autofocus
          autoComplete="off"
          onChange={(e) => {
            setName(e.target.value);
            setProblem(null);
            mutation.reset();
          }}
          error={problem ?? (inPlace ? errorMessage(err) : null)}
        />
        {!inPlace && <ErrorAlert error={err} />}
      </form>
    </Dialog>
  );
}

/** Uploads and downloads of this org, with live progress. */
function TransfersCard({ transfers }: { transfers: Transfer[] }) {
  const active = transfers.filter((t) => t.status === 'running').length;
  return (
    <Card
      title="Transfers"
      description={active ? `${active} in progress` : 'All done'}
      bodyClassName="p-0"
      actions={
        !active && (
          <Button size="sm" variant="ghost" onClick={() => transfers.forEach((t) => dismissTransfer(t.key))}>
            Clear
          </Button>
        )
      }
    >
      <ul className="divide-y divide-slate-100" aria-label="Transfers">
        {[...transfers].reverse().map((t) => (
          <TransferRow key={t.key} t={t} />
        ))}
      </ul>
    </Card>
  );
}

function TransferRow({ t }: { t: Transfer }) {
  const pct = t.size > 0 ? (t.done / t.size) * 100 : t.status === 'completed' ? 100 : 0;
  const verb = t.kind === 'upload' ? 'Upload' : 'Download';
  return (
    <li className="space-y-1.5 px-4 py-3" data-testid="transfer" data-kind={t.kind} data-status={t.status} data-name={t.name}>
      <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
        <span className="flex min-w-0 items-center gap-2">
          <Icon name={t.kind === 'upload' ? 'upload' : 'download'} className="h-4 w-4 text-slate-400" />
          <span className="truncate font-medium text-slate-800">{t.name}</span>
          <Badge tone={t.status === 'completed' ? 'green' : t.status === 'failed' ? 'red' : t.status === 'cancelled' ? 'slate' : 'blue'}>
            {t.status === 'running' ? (t.kind === 'upload' ? 'uploading' : 'preparing') : t.status === 'completed' && t.kind === 'download' ? 'in your downloads' : t.status}
          </Badge>
        </span>
        <span className="flex shrink-0 gap-1">
          {t.status === 'failed' && t.kind === 'upload' && (
            <>
              {t.code === 'conflict' && (
                <Button size="sm" variant="secondary" onClick={() => retryUpload(t.key, true)}>
                  Replace it
                </Button>
              )}
              <Button size="sm" variant="secondary" onClick={() => retryUpload(t.key)}>
                Retry
              </Button>
            </>
          )}
          {t.status === 'running' ? (
            <Button size="sm" variant="ghost" onClick={() => cancelTransfer(t.key)} aria-label={`Cancel the ${t.kind} of ${t.name}`}>
              Cancel
            </Button>
          ) : (
            <Button size="sm" variant="ghost" onClick={() => cancelTransfer(t.key)} aria-label={`Dismiss ${t.name}`}>
              <Icon name="x" className="h-4 w-4" />
            </Button>
          )}
        </span>
      </div>
      <ProgressBar
        value={pct}
        label={`${verb} of ${t.name}`}
        tone={t.status === 'failed' ? 'red' : t.status === 'completed' ? 'green' : t.status === 'cancelled' ? 'slate' : 'brand'}
      />
      <p className="text-xs text-slate-500 tabular-nums">
        {t.kind === 'download'
          ? `${formatBytes(t.size)} · ${t.status === 'completed' ? "the browser saves it; its downloads show the progress" : `from ${t.folderPath}`}`
          : `${formatBytes(t.done)} of ${formatBytes(t.size)} · ${Math.round(pct)}% · into ${t.folderPath}`}
      </p>
      {t.error && (
        <p className="text-xs break-words text-red-700" role="alert">
          {t.error}
        </p>
      )}
    </li>
  );
}

function TrashView({ org }: { org: string }) {
  const { can } = useOrg();
  const queryClient = useQueryClient();
  const trash = useQuery({ queryKey: qk.filesTrash(org), queryFn: () => filesApi.trash(org) });
  const now = useNow(30_000);
  const [purging, setPurging] = useState<FileEntry | null>(null);
  const restore = useMutation({
    mutationFn: (e: FileEntry) => filesApi.restore(org, e.id),
    onSuccess: (e) => {
      toast.success(`${e.name} restored`, `Back in ${e.path ? e.path.slice(0, e.path.lastIndexOf('/')) || '/' : '/'}.`);
      void queryClient.invalidateQueries({ queryKey: qk.files(org) });
    },
  });
  const purge = useMutation({
    mutationFn: (e: FileEntry) => filesApi.purge(org, e.id),
    onSuccess: (r, e) => {
      toast.success(`${e.name} deleted for good`, `${formatBytes(r.bytes)} freed.`);
      setPurging(null);
      void queryClient.invalidateQueries({ queryKey: qk.files(org) });
    },
  });
  const retention = trash.data?.retention ? humanDuration(trash.data.retention) : null;

  return (
    <Card bodyClassName="p-0" title="Trash" description={retention ? `Deleted files and folders are kept for ${retention}, then deleted for good.` : undefined}>
      {restore.error && (
        <div className="p-4 pb-0">
          <ErrorAlert error={restore.error} title={`${restore.variables?.name ?? 'The item'} could not be restored`} />
        </div>
      )}
      {trash.isLoading ? (
        <Loading />
      ) : trash.error ? (
        <div className="p-4">
          <ErrorAlert error={trash.error} title="The trash could not be loaded" />
        </div>
      ) : !trash.data?.items.length ? (
        <EmptyState title="The trash is empty" icon={<Icon name="trash" className="h-8 w-8" />}>
          Deleted files and folders wait here until they are restored or their time runs out.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Trash">
          {trash.data.items.map((e) => (
            <li key={e.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-4 py-2.5 sm:flex-nowrap" data-testid="trash-row" data-name={e.name}>
              <Icon name={e.kind === 'folder' ? 'folder' : 'file'} className="h-5 w-5 text-slate-400" />
              <div className="min-w-0 flex-1">
                <p className="truncate text-sm font-medium text-slate-900">{e.name}</p>
                <p className="truncate text-xs text-slate-500">
                  was {e.path || `/${e.name}`}
                  {e.kind === 'file' && <> · {formatBytes(e.size)}</>}
                  {e.deleted_at && (
                    <>
                      {' · deleted '}
                      <time dateTime={e.deleted_at} title={absoluteTime(e.deleted_at)}>
                        {relativeTime(e.deleted_at, now)}
                      </time>
                    </>
                  )}
                </p>
              </div>
              <div className="ml-auto flex shrink-0 gap-1">
                <Button size="sm" variant="secondary" onClick={() => restore.mutate(e)} loading={restore.isPending && restore.variables?.id === e.id} aria-label={`Restore ${e.name}`}>
                  <Icon name="undo" className="h-4 w-4" /> Restore
                </Button>
                {can('plugins:configure') && (
                  <Button size="sm" variant="dangerGhost" onClick={() => setPurging(e)} aria-label={`Delete ${e.name} for good`}>
                    Delete for good
                  </Button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={!!purging}
        onClose={() => {
          setPurging(null);
          purge.reset();
        }}
        onConfirm={() => purging && purge.mutate(purging)}
        title={`Delete ${purging?.name} for good?`}
        description={purging?.kind === 'folder' ? 'The folder and everything in it are deleted; this cannot be undone.' : 'Its bytes are deleted; this cannot be undone.'}
        confirmLabel="Delete for good"
        busy={purge.isPending}
        error={<ErrorAlert error={purge.error} />}
      />
    </Card>
  );
}

/** "720h0m0s" -> "30 days". */
function humanDuration(go: string): string {
  const h = Number(/^(\d+)h/.exec(go)?.[1] ?? NaN);
  if (Number.isFinite(h) && h >= 48 && h % 24 === 0) return `${h / 24} days`;
  if (Number.isFinite(h) && h > 0) return `${h} hours`;
  return go;
}
