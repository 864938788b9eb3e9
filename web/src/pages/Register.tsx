import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { authApi } from '../api/auth';
import { errorField } from '../api/errors';
import { ErrorAlert } from '../components/ui/Alert';
import { Button } from '../components/ui/Button';
import { TextField } from '../components/ui/Field';
import { useSession } from '../stores/session';
import { AuthLayout } from './AuthLayout';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MIN_PASSWORD = 8;

export function validateRegistration(v: { name: string; email: string; password: string }) {
  return {
    name: v.name.trim() ? null : 'Tell us your name',
    email: !v.email.trim() ? 'Enter your email' : EMAIL_RE.test(v.email.trim()) ? null : 'That does not look like an email address',
    password: v.password.length >= MIN_PASSWORD ? null : `Use at least ${MIN_PASSWORD} characters`,
  };
}

export default function Register() {
  const [params] = useSearchParams();
  const signIn = useSession((s) => s.signIn);
  const [values, setValues] = useState({ name: '', email: '', password: '' });
  const [submitted, setSubmitted] = useState(false);

  const register = useMutation({
    mutationFn: () => authApi.register({ name: values.name.trim(), email: values.email.trim(), password: values.password }),
    onSuccess: (auth) => signIn(auth),
  });

  const errors = validateRegistration(values);
  const field = errorField(register.error);
  const show = (k: keyof typeof errors) => (submitted ? errors[k] : null) ?? (field === k ? register.error?.message : null);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (Object.values(errors).some(Boolean)) return;
    register.mutate();
  };
  const set = (k: keyof typeof values) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [k]: e.target.value }));
  const next = params.get('next');

  return (
    <AuthLayout
      title="Create your account"
      subtitle="Then create an organization or accept an invitation."
      footer={
        <>
          Already have an account?{' '}
          <Link className="font-medium text-brand-700 hover:underline" to={`/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`}>
            Sign in
          </Link>
        </>
      }
    >
      <form onSubmit={onSubmit} noValidate className="space-y-4">
        <TextField label="Name" autoComplete="name" value={values.name} onChange={set('name')} error={show('name')} required autoFocus />
        <TextField label="Email" type="email" autoComplete="email" value={values.email} onChange={set('email')} error={show('email')} required />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          value={values.password}
          onChange={set('password')}
          error={show('password')}
          hint={`At least ${MIN_PASSWORD} characters`}
          required
        />
        {!field && <ErrorAlert error={register.error} />}
        <Button type="submit" className="w-full" loading={register.isPending}>
          Create account
        </Button>
      </form>
    </AuthLayout>
  );
}
