import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { errorField } from '../api/errors';
import { orgsApi } from '../api/orgs';
import { qk } from '../api/queryKeys';
import { ErrorAlert } from './ui/Alert';
import { Button } from './ui/Button';
import { TextField } from './ui/Field';

export const SLUG_RE = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** "Acme Corp!" -> "acme-corp" */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}

export function validateSlug(slug: string): string | null {
  if (!slug) return 'Choose a URL name';
  if (slug.length < 2) return 'At least 2 characters';
  if (!SLUG_RE.test(slug)) return 'Lowercase letters, digits and dashes; start with a letter or digit';
  return null;
}

export function CreateOrgForm({ onCreated }: { onCreated?: () => void }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugTouched, setSlugTouched] = useState(false);
  const [submitted, setSubmitted] = useState(false);

  const create = useMutation({
    mutationFn: () => orgsApi.create({ name: name.trim(), slug }),
    onSuccess: async (org) => {
      await queryClient.invalidateQueries({ queryKey: qk.orgs });
      onCreated?.();
      navigate(`/o/${org.slug}`);
    },
  });

  const serverField = errorField(create.error);
  const nameError = (submitted && !name.trim() ? 'Give the organization a name' : null) ?? (serverField === 'name' ? create.error?.message : null);
  const slugError =
    ((submitted || slugTouched) && slug ? validateSlug(slug) : submitted ? validateSlug(slug) : null) ??
    (serverField === 'slug' ? create.error?.message : null);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (!name.trim() || validateSlug(slug)) return;
    create.mutate();
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <TextField
        label="Organization name"
        value={name}
        required
        autoComplete="organization"
        onChange={(e) => {
          setName(e.target.value);
          if (!slugTouched) setSlug(slugify(e.target.value));
        }}
        error={nameError}
        data-autofocus
      />
      <TextField
        label="URL name"
        value={slug}
        required
        onChange={(e) => {
          setSlugTouched(true);
          setSlug(e.target.value.toLowerCase());
        }}
        error={slugError}
        hint={slug ? `Your dashboard will live at /o/${slug}` : 'Lowercase letters, digits and dashes'}
        spellCheck={false}
        autoCapitalize="off"
      />
      {!serverField && <ErrorAlert error={create.error} />}
      <Button type="submit" loading={create.isPending} className="w-full">
        Create organization
      </Button>
    </form>
  );
}
